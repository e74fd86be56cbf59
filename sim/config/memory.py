"""The up-front memory estimate of a run, and the check that refuses a run this machine cannot hold.

`check_memory` refuses, before anything is built, a run that this machine cannot hold (the last limit of
sim.config.limits, which depends on the whole scenario). The CLI calls `check_memory` before every
simulation and `wom validate` prints the estimate.
"""

from __future__ import annotations

import os

from sim.config.arguments import check_instance, check_int
from sim.config.errors import InputError
from sim.config.limits import MAX_REPLICATES
from sim.config.schema import Scenario

# Calibrated with scripts/measure-memory.sh (30 November 2026, after the second pass of issue 16: graph
# builders in blocks, directed layers without stored tie ids; Python 3.13, numpy 2.5, a 2-core, 24 GB
# machine shared with other jobs): peak RSS (GNU time's %M, KiB x 1024) of
# `wom run scenarios/default.toml --set population.size=N --set run.replicates=1 --set run.days=30 --quiet`:
#     N = 10^5, default scenario (56.1 stored tie ends per person)  0.341 GB
#     N = 10^6, default scenario                                     0.733 GB
#     N = 10^6, default with Weibo off (16.1 tie ends per person)    0.530 GB
#     N = 2x10^4, default with run.backend = "agents"                0.325 GB (before issue 16)
# The two default points give a slope of 435 bytes per person and an intercept of 0.298 GB; the Weibo
# pair splits the slope into 5.1 bytes per stored tie end and 151 bytes of per-person state (the
# peak is the graph build's at these sizes; docs/performance.md has the layout field by field). The
# agents point gives ~3,300 bytes more per person (one Mesa agent object each). The estimate
# multiplies the fitted line by SAFETY so that it is an upper bound of every point measured.

#: Resident memory of the interpreter and the libraries a run imports (bytes): the measured intercept.
BASE_BYTES = 298_000_000
#: Per-person state of the funnel, ties to the brand, talk windows and per-step buffers (bytes).
BYTES_PER_PERSON = 151
#: Extra per person with run.backend = "agents": one Mesa agent object each (bytes).
BYTES_PER_AGENT = 3_300
#: One stored tie end: CSR index, tie id and strength, amortised over the builder's temporaries (bytes).
BYTES_PER_TIE_END = 5.1
#: Extra per person in a market of brands (`sim.model.brands`), from the arrays' sizes (not measured): 13 bytes
#: of per-person brand state, the step's listeners (8) and one brand's uniforms and hits at a time (9).
BYTES_PER_PERSON_BRANDS = 30
#: Extra per person and brand: the step's per-brand tables over the people reached (4 flags; at most everyone) and
#: the brand's playbook's flag of who shares next step (1; `sim.model.brands.brand_playbooks`).
BYTES_PER_PERSON_BRAND = 5
#: Multiplier on the fitted line: covers allocator fragmentation and mechanisms not in the default.
SAFETY = 1.25
#: Share of the machine's available memory a run may plan to use.
USABLE_SHARE = 0.9


def tie_ends_per_person(scenario: Scenario) -> float:
    """Stored tie ends per person over all layers: offline ties (both ends), follows, group and board seats."""
    net = scenario.network
    ends = 0.0 if net.kind == "well_mixed" else 2.0 * net.mean_degree
    ch = scenario.channels
    if ch.weibo.enabled:
        ends += 2.0 * ch.weibo.follows_mean
    if ch.wechat.enabled:
        # a group of g members is stored as g * (g - 1) directed ties between its members
        ends += ch.wechat.groups_per_person * (ch.wechat.group_size - 1)
    if ch.forum.enabled:
        ends += 2.0 * ch.forum.membership
    return ends


def estimate_bytes(scenario: Scenario, replicates_at_once: int = 1) -> int:
    """Peak resident memory (bytes) of running `scenario` with `replicates_at_once` replicates in memory.

    Each replicate held at once has its own graph and state (one worker process each); the library
    base is counted once per process. See the module constants for the measurements behind it.
    """
    check_instance("scenario", scenario, Scenario, "from sim.load_scenario or sim.scenario_from_dict")
    replicates_at_once = check_int("replicates_at_once", replicates_at_once, 0, MAX_REPLICATES)  # 0 counts as 1
    n = scenario.population.size
    per_person = BYTES_PER_PERSON + BYTES_PER_TIE_END * tie_ends_per_person(scenario)
    if scenario.run.backend == "agents":
        per_person += BYTES_PER_AGENT
    if scenario.brands:
        per_person += BYTES_PER_PERSON_BRANDS + BYTES_PER_PERSON_BRAND * len(scenario.brands)
    per_replicate = n * per_person
    per_process = BASE_BYTES + per_replicate
    return int(SAFETY * per_process * max(1, replicates_at_once))


def available_bytes() -> int | None:
    """Memory the machine can give a new process now (MemAvailable of /proc/meminfo, cgroup limit
    if lower), or None when it cannot be read (then nothing is refused)."""
    found = None
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    found = int(line.split()[1]) * 1024
                    break
    except (OSError, ValueError, IndexError):
        found = None
    if found is None:
        try:
            found = os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
        except (OSError, ValueError, AttributeError):
            return None
    try:
        with open("/sys/fs/cgroup/memory.max", encoding="ascii") as f:
            text = f.read().strip()
        if text.isdigit():
            found = min(found, int(text))
    except OSError:
        pass
    return found


def gigabytes(n: float) -> str:
    """Bytes as a short text in GB."""
    return f"{n / 1e9:.1f} GB"


def memory_note(scenario: Scenario, replicates_at_once: int = 1) -> str:
    """One line: the estimate and what the machine has available."""
    need = estimate_bytes(scenario, replicates_at_once)
    have = available_bytes()
    have_text = "unknown" if have is None else gigabytes(have)
    return (
        f"estimated peak memory {gigabytes(need)} for population.size = {scenario.population.size} with "
        f"{replicates_at_once} replicate(s) at once; available {have_text}"
    )


#: Where the kernel mounts the cgroup hierarchies (v2 unified; v1 memory controller).
CGROUP_ROOT = "/sys/fs/cgroup"
#: The cgroups of this process, one line per hierarchy.
PROC_CGROUP = "/proc/self/cgroup"
#: Files of a cgroup's memory limit and use: (limit, usage) for v2 and for v1.
CGROUP_FILES = (("", "memory.max", "memory.current"), ("memory", "memory.limit_in_bytes", "memory.usage_in_bytes"))
#: A v1 limit at or above this is "no limit" (the kernel reports about 2**63 rounded down to a page).
CGROUP_UNLIMITED = 2**62
#: Process limits (resource module names) and the lines of /proc/self/status with their use now.
RLIMITS = (("RLIMIT_AS", "ulimit -v", "VmSize:"), ("RLIMIT_DATA", "ulimit -d", "VmData:"))


def _own_cgroup(lines: list[list[str]], controller: str) -> str:
    """This process's cgroup path (without the leading /) from the lines of /proc/self/cgroup: v2's
    line "0::/path" when `controller` is "", else the v1 line whose controllers include it."""
    for parts in lines:
        if len(parts) != 3:
            continue
        names = parts[1].split(",") if parts[1] else []
        if (controller in names) if controller else (parts[0] == "0" and not names):
            return parts[2].strip("/")
    return ""


def _cgroup_headroom() -> tuple[str, int] | None:
    """The smallest (limit - use) over this process's memory cgroup and its ancestors (v2 memory.max
    minus memory.current, v1 memory.limit_in_bytes minus memory.usage_in_bytes), with the limit's
    file, or None without a limited cgroup."""
    try:
        with open(PROC_CGROUP, encoding="ascii") as f:
            lines = [line.strip().split(":", 2) for line in f]
    except OSError:
        return None
    found: tuple[str, int] | None = None
    for controller, limit_file, use_file in CGROUP_FILES:
        path = _own_cgroup(lines, controller)
        while True:
            folder = os.path.join(CGROUP_ROOT, controller, path)
            try:
                with open(os.path.join(folder, limit_file), encoding="ascii") as f:
                    limit_text = f.read().strip()
                with open(os.path.join(folder, use_file), encoding="ascii") as f:
                    use = int(f.read().strip())
            except (OSError, ValueError):
                limit_text, use = "", 0
            if limit_text.isdigit() and int(limit_text) < CGROUP_UNLIMITED:
                headroom = int(limit_text) - use
                if found is None or headroom < found[1]:
                    found = (f"the cgroup memory limit {os.path.join(folder, limit_file)}", headroom)
            if not path:
                break
            path = os.path.dirname(path)
    return found


def _rlimit_headrooms() -> list[tuple[str, int]]:
    """(limit, limit - this process's use) of every process memory limit set (RLIMIT_AS, RLIMIT_DATA)."""
    try:
        import resource
    except ImportError:  # not a Unix
        return []
    try:
        with open("/proc/self/status", encoding="ascii") as f:
            status = f.read().splitlines()
    except OSError:
        status = []
    found = []
    for name, shell, line_start in RLIMITS:
        soft, _hard = resource.getrlimit(getattr(resource, name))
        if soft == resource.RLIM_INFINITY:
            continue
        used = next((int(line.split()[1]) * 1024 for line in status if line.startswith(line_start)), 0)
        found.append((f"the process limit {name} ({shell}) of {gigabytes(soft)}", soft - used))
    return found


def check_memory(scenario: Scenario, replicates_at_once: int = 1, source: str = "scenario") -> int:
    """The estimate in bytes, or an InputError (exit 2) with the estimate when this machine cannot hold it.

    Three bounds, each naming itself when it refuses: the machine's available memory (`available_bytes`)
    against the replicates at once; the memory cgroup's limit less its use, against the same (every
    worker is in the cgroup); and the process limits RLIMIT_AS and RLIMIT_DATA less this process's use,
    against one replicate beyond the libraries already loaded (each worker has its own limit). A run
    past a limit would otherwise die a minute later, when its allocation fails.
    """
    need = estimate_bytes(scenario, replicates_at_once)
    have = available_bytes()
    if have is not None and need > USABLE_SHARE * have:
        raise InputError(
            f"{source}: too large for this machine: {memory_note(scenario, replicates_at_once)}; "
            "lower population.size (or the replicates run at once)"
        )
    per_process = estimate_bytes(scenario, 1) - int(SAFETY * BASE_BYTES)  # the libraries are loaded
    cgroup = _cgroup_headroom()
    bounds = [(cgroup[0], cgroup[1], need)] if cgroup else []
    bounds += [(name, headroom, per_process) for name, headroom in _rlimit_headrooms()]
    for name, headroom, wanted in bounds:
        if wanted > USABLE_SHARE * headroom:
            raise InputError(
                f"{source}: too large for {name}: needs about {gigabytes(wanted)} more, "
                f"{gigabytes(max(headroom, 0))} left under it (population.size = {scenario.population.size}, "
                f"{replicates_at_once} replicate(s) at once); lower population.size or raise the limit"
            )
    return need

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


def check_memory(scenario: Scenario, replicates_at_once: int = 1, source: str = "scenario") -> int:
    """The estimate in bytes, or an InputError (exit 2) with the estimate when this machine cannot hold it."""
    need = estimate_bytes(scenario, replicates_at_once)
    have = available_bytes()
    if have is not None and need > USABLE_SHARE * have:
        raise InputError(
            f"{source}: too large for this machine: {memory_note(scenario, replicates_at_once)}; "
            "lower population.size (or the replicates run at once)"
        )
    return need

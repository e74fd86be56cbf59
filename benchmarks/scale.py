"""Growth benchmark: does ten times the people cost ten times as much? (issue 16)

Usage (from the repository root)::

    .venv/bin/python -m benchmarks.scale            # 10^6 against 10^7 (long: ~20-40 min, ~6 GB; not run by CI)
    .venv/bin/python -m benchmarks.scale --quick    # 10^5 against 10^6 (~3-6 min)
    .venv/bin/python -m benchmarks.scale --sizes 2e3,2e4 --days 30   # smoke test (tests/test_benchmarks.py)

For each workload (``default``: ``scenarios/default.toml``, 365 days; ``cascade``: the cascade docking
scenario ``scenarios/docking/cascade.toml``, 100 days) and each of the two sizes, one replicate runs in
its own child process (``python -m benchmarks.scale --child ...``). The child builds the model and
times every step with its own CPU clock; the parent reads the child's resource usage when it ends
(``os.wait4``: user and system CPU time, peak resident memory). Printed, and written to
OUT/scale.json and OUT/scale.md:

* time at the large size / time at the small size (CPU time of the whole child, build included;
  target <= 11 for a factor 10 in people);
* system CPU time / total CPU time of each child (target < 5%: the share spent mapping and faulting
  in memory);
* memory per person: peak RSS / N (bytes; at the small size the interpreter's ~0.25 GB weighs in), and
  per added person: the difference of the two peaks over the difference of the two sizes;
* a saturated step / a peak step: median CPU time of the steps after adoption has reached 99% of its
  final level, over the median of the 5 steps around the one with the most new adopters;
* the whole run / its first EARLY_DAYS days: CPU time of the build and every step, over that of the
  build and the steps of the first EARLY_DAYS days (issue 25's target: at most 1.4 at 10^6; what late,
  saturated days add).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

#: Repository root: children run with it as working directory.
ROOT = Path(__file__).resolve().parents[1]
WORKLOADS = {
    "default": ("scenarios/default.toml", []),
    "cascade": ("scenarios/docking/cascade.toml", ["network.mean_degree=10", "wom.transmission=0.2"]),
}
LONG_SIZES = (1_000_000, 10_000_000)
QUICK_SIZES = (100_000, 1_000_000)
#: Targets of issue 16.
MAX_TIME_RATIO = 11.0
MAX_SYS_SHARE = 0.05
MAX_BYTES_PER_PERSON = 600.0
#: "A saturated step costing a small fraction of a peak step": at most a tenth.
MAX_SATURATED_SHARE = 0.1
#: Adoption share of its final level after which a step counts as saturated.
SATURATED_SHARE = 0.99
#: Steps around the one with the most new adopters whose median is the peak step's cost.
PEAK_WINDOW = 5
#: The early part of a run (days) that the whole run is compared with, and the target of that ratio (issue 25).
EARLY_DAYS = 150
MAX_WHOLE_OVER_EARLY = 1.4
SEED = 2026


def child(workload: str, n: int, days: float | None, out: str) -> None:
    """Build and run one replicate as `sim.run.runner.run_replicate` does (freed memory reused), timing each
    step with this process's CPU clock; write JSON to `out`."""
    from sim.config.scenario import load_scenario
    from sim.model.model import WomModel
    from sim.run.memory import reuse_freed_memory

    path, sets = WORKLOADS[workload]
    sets = [*sets, f"population.size={n}"] + ([f"run.days={days}"] if days else [])
    scenario = load_scenario(ROOT / path, sets)
    reused = reuse_freed_memory()
    t0 = time.process_time()
    model = WomModel(scenario, np.random.SeedSequence(SEED))
    build = time.process_time() - t0
    built = resource.getrusage(resource.RUSAGE_SELF)
    steps, talkers = [], []
    for k in range(scenario.run.n_steps):
        t = time.process_time()
        model.step()
        steps.append(time.process_time() - t)
        talkers.append(len(model.talk.members))  # the talk pool of this step (pruned at its start)
        if k % 25 == 0:
            usage = resource.getrusage(resource.RUSAGE_SELF)
            print(
                f"  {workload} N={n:.0e} step {k}/{scenario.run.n_steps}: CPU {usage.ru_utime:.1f} user + "
                f"{usage.ru_stime:.1f} sys s, peak RSS {usage.ru_maxrss / 1e6:.2f} GB, last step {steps[-1]:.3f} s",
                file=sys.stderr,
                flush=True,
            )
    adopted = [row["adopted_total"] for row in model.records]
    done = resource.getrusage(resource.RUSAGE_SELF)
    Path(out).write_text(
        json.dumps(
            {
                "build_s": build,
                "dt": scenario.run.dt,
                "steps_s": steps,
                "talkers": talkers,
                "adopted": adopted,
                "reuse_freed_memory": reused,
                "build_sys_s": built.ru_stime,
                "build_cpu_s": built.ru_utime + built.ru_stime,
                "steps_sys_s": done.ru_stime - built.ru_stime,
                "steps_cpu_s": done.ru_utime + done.ru_stime - built.ru_utime - built.ru_stime,
            }
        )
    )


def step_ratio(steps: list[float], adopted: list[int]) -> tuple[float, float, int, int]:
    """(saturated step cost, peak step cost, peak step, first saturated step): see the module docstring.

    `adopted[k]` is the adopted total after step k (k = 0 is the start), `steps[k-1]` the time of step k.
    Pass `steps` divided by the active people of each step to get the same ratio per active person."""
    adopted = np.asarray(adopted, dtype=float)
    new = np.diff(adopted)
    peak = int(np.argmax(new))  # index into steps
    lo = max(0, peak - PEAK_WINDOW // 2)
    peak_cost = float(np.nanmedian(steps[lo : lo + PEAK_WINDOW]))
    final = adopted[-1]
    saturated = int(np.argmax(adopted[1:] >= SATURATED_SHARE * final))
    tail = list(steps[saturated + 1 :]) or list(steps[-1:])
    return float(np.nanmedian(tail)) if not np.isnan(tail).all() else float("nan"), peak_cost, peak + 1, saturated + 1


def whole_over_early(build_s: float, steps_s: list[float], dt: float) -> float:
    """CPU time of the build and every step over that of the build and the steps of the first EARLY_DAYS days
    (NaN when the run is not longer than that)."""
    early = int(round(EARLY_DAYS / dt))
    if len(steps_s) <= early:
        return float("nan")
    return (build_s + sum(steps_s)) / (build_s + sum(steps_s[:early]))


def measure(workload: str, n: int, days: float | None, out_dir: Path) -> dict:
    """Run one child and return its measurements (CPU, memory, step costs)."""
    out = out_dir / f"{workload}_{n}.json"
    cmd = [sys.executable, "-m", "benchmarks.scale", "--child", workload, str(n), str(days or 0), str(out)]
    t0 = time.perf_counter()
    proc = subprocess.Popen(cmd, cwd=ROOT)
    _, status, usage = os.wait4(proc.pid, 0)
    wall = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"benchmarks.scale: the {workload} run at N={n} failed (exit {status})")
    data = json.loads(out.read_text())
    saturated, peak, peak_step, sat_step = step_ratio(data["steps_s"], data["adopted"])
    talkers = np.asarray(data["talkers"], dtype=float)
    per_talker = np.asarray(data["steps_s"]) / np.where(talkers > 0, talkers, np.nan)  # undefined with nobody talking
    sat_per_talker, peak_per_talker, _, _ = step_ratio(list(per_talker), data["adopted"])
    cpu = usage.ru_utime + usage.ru_stime
    return {
        "workload": workload,
        "N": n,
        "wall_s": wall,
        "user_s": usage.ru_utime,
        "sys_s": usage.ru_stime,
        "cpu_s": cpu,
        "sys_share": usage.ru_stime / cpu if cpu else float("nan"),
        "peak_rss_bytes": usage.ru_maxrss * 1024,
        "bytes_per_person": usage.ru_maxrss * 1024 / n,
        "minor_faults": usage.ru_minflt,
        "build_s": data["build_s"],
        "steps": len(data["steps_s"]),
        "peak_step": peak_step,
        "peak_step_s": peak,
        "first_saturated_step": sat_step,
        "saturated_step_s": saturated,
        "saturated_over_peak": saturated / peak if peak else float("nan"),
        "talkers_at_peak": data["talkers"][peak_step - 1],
        "talkers_saturated": float(np.median(data["talkers"][sat_step:] or data["talkers"][-1:])),
        "saturated_over_peak_per_talker": (
            sat_per_talker / peak_per_talker
            if peak_per_talker and data["talkers"][sat_step:].count(0) == 0
            else float("nan")
        ),
        "build_sys_share": data["build_sys_s"] / data["build_cpu_s"] if data["build_cpu_s"] else float("nan"),
        "steps_sys_share": data["steps_sys_s"] / data["steps_cpu_s"] if data["steps_cpu_s"] else float("nan"),
        "reuse_freed_memory": data["reuse_freed_memory"],
        "final_adoption": data["adopted"][-1] / n,
        "whole_over_early": whole_over_early(data["build_s"], data["steps_s"], data["dt"]),
        "load": os.getloadavg()[0],
    }


def verdict(ok: bool) -> str:
    return "PASS" if ok else "FAIL"


def report(rows: list[dict]) -> str:
    """Markdown: one line per run, then the ratios of the large to the small size per workload."""
    lines = [
        "| workload | N | CPU (s) | wall (s) | sys / CPU | peak RSS (GB) | bytes / person | saturated / peak step | load |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        lines.append(
            f"| {r['workload']} | {r['N']:.0e} | {r['cpu_s']:.1f} | {r['wall_s']:.1f} | {100 * r['sys_share']:.1f}% "
            f"| {r['peak_rss_bytes'] / 1e9:.2f} | {r['bytes_per_person']:.0f} "
            f"| {r['saturated_step_s'] * 1e3:.1f} / {r['peak_step_s'] * 1e3:.1f} ms = {r['saturated_over_peak']:.2f} "
            f"| {r['load']:.1f} |"
        )
    lines += ["", "| workload | target | measured | result |", "|---|---|---|---|"]
    for workload in dict.fromkeys(r["workload"] for r in rows):
        small, large = sorted((r for r in rows if r["workload"] == workload), key=lambda r: r["N"])[:2]
        ratio = large["cpu_s"] / small["cpu_s"]
        factor = large["N"] / small["N"]
        lines += [
            f"| {workload} | CPU time at {large['N']:.0e} / at {small['N']:.0e} <= {MAX_TIME_RATIO * factor / 10:g} "
            f"| {ratio:.1f} | {verdict(ratio <= MAX_TIME_RATIO * factor / 10)} |",
            f"| {workload} | system / total CPU time at {large['N']:.0e} < {100 * MAX_SYS_SHARE:g}% "
            f"| {100 * large['sys_share']:.1f}% | {verdict(large['sys_share'] < MAX_SYS_SHARE)} |",
            f"| {workload} | peak RSS per person at {large['N']:.0e} <= {MAX_BYTES_PER_PERSON:g} B "
            f"| {large['bytes_per_person']:.0f} B ({small['bytes_per_person']:.0f} B at {small['N']:.0e}) "
            f"| {verdict(large['bytes_per_person'] <= MAX_BYTES_PER_PERSON)} |",
            f"| {workload} | memory per added person: (RSS at {large['N']:.0e} - at {small['N']:.0e}) / added people "
            f"| {(large['peak_rss_bytes'] - small['peak_rss_bytes']) / (large['N'] - small['N']):.0f} B | |",
            f"| {workload} | system / CPU time of the build, of the steps at {large['N']:.0e} "
            f"| {100 * large['build_sys_share']:.1f}%, {100 * large['steps_sys_share']:.1f}% | |",
            f"| {workload} | saturated step / peak step at {large['N']:.0e} | {large['saturated_over_peak']:.2f} "
            f"({small['saturated_over_peak']:.2f} at {small['N']:.0e}) | {verdict(large['saturated_over_peak'] <= MAX_SATURATED_SHARE)} |",
            f"| {workload} | whole run / its first {EARLY_DAYS} days at {large['N']:.0e} "
            f"<= {MAX_WHOLE_OVER_EARLY:g} | {large['whole_over_early']:.2f} ({small['whole_over_early']:.2f} at "
            f"{small['N']:.0e}) | {verdict(large['whole_over_early'] <= MAX_WHOLE_OVER_EARLY)} |",
            f"| {workload} | the same per person in the talk pool ({large['talkers_at_peak']:.3g} at the peak, "
            f"{large['talkers_saturated']:.3g} saturated) | {large['saturated_over_peak_per_talker']:.2f} | |",
        ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.scale", description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="10^5 against 10^6 instead of 10^6 against 10^7")
    parser.add_argument("--sizes", help="two populations, comma separated (e.g. 1e5,1e6)")
    parser.add_argument("--days", type=float, default=None, help="simulated days (default: each scenario's own)")
    parser.add_argument("--workloads", default="default,cascade", help="comma separated: default, cascade")
    parser.add_argument("--out", default="results/benchmarks/scale", help="output folder")
    parser.add_argument("--child", nargs=4, metavar=("WORKLOAD", "N", "DAYS", "OUT"), help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.child:
        workload, n, days, out = args.child
        child(workload, int(n), float(days) or None, out)
        return 0
    try:
        sizes = tuple(int(float(s)) for s in args.sizes.split(",")) if args.sizes else None
    except ValueError:
        print(f"benchmarks.scale: --sizes: two numbers expected, got {args.sizes!r}", file=sys.stderr)
        return 2
    sizes = sizes or (QUICK_SIZES if args.quick else LONG_SIZES)
    workloads = [w for w in args.workloads.split(",") if w]
    bad = [w for w in workloads if w not in WORKLOADS]
    if len(sizes) != 2 or bad or not workloads:
        print(f"benchmarks.scale: --sizes needs two sizes, --workloads some of {', '.join(WORKLOADS)}", file=sys.stderr)
        return 2
    out_dir = ROOT / args.out
    out_dir.mkdir(parents=True, exist_ok=True)
    rows = []
    for workload in workloads:
        for n in sizes:
            print(f"benchmarks.scale: {workload} at N={n:.0e} ...", file=sys.stderr, flush=True)
            rows.append(measure(workload, n, args.days, out_dir))
    table = report(rows)
    (out_dir / "scale.json").write_text(json.dumps(rows, indent=1))
    (out_dir / "scale.md").write_text(table + "\n")
    print(table)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

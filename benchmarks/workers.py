"""Replicates in parallel: `run_scenario(..., workers=W)` against `workers=1` on the default scenario.

Prints, for each population size, the wall time of the replicates with 1 and with W workers (the
whole `run_scenario`, worker start-up included, fresh processes each time), the speed-up ratio
W-workers / 1-worker measured in this same script, and whether the time series are byte-identical.

Usage: .venv/bin/python -m benchmarks.workers [--sizes 1e4,1e5] [--replicates 4] [--workers 2] [--days 365]
"""

from __future__ import annotations

import argparse
import os
import time

from sim.config.scenario import load_scenario
from sim.config.shipped import resolve_scenario
from sim.run.runner import run_scenario


def measure(size: int, replicates: int, workers: int, days: int) -> tuple[float, float, bool]:
    """Seconds with 1 worker, seconds with `workers`, and whether both gave the same bytes."""
    sc = load_scenario(resolve_scenario("default"), [f"population.size={size}", f"run.days={days}"])
    t0 = time.perf_counter()
    one = run_scenario(sc, replicates=replicates, workers=1)
    t1 = time.perf_counter()
    many = run_scenario(sc, replicates=replicates, workers=workers)
    t2 = time.perf_counter()
    same = one.timeseries.to_csv(index=False) == many.timeseries.to_csv(index=False)
    return t1 - t0, t2 - t1, same


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e4,1e5")
    parser.add_argument("--replicates", type=int, default=4)
    parser.add_argument("--workers", type=int, default=os.cpu_count() or 1)
    parser.add_argument("--days", type=int, default=365)
    args = parser.parse_args()
    print(f"default scenario, {args.replicates} replicates, {args.days} days, {args.workers} workers vs 1")
    print("| people | 1 worker (s) | W workers (s) | speed-up | identical |")
    print("|---|---|---|---|---|")
    for size in (int(float(s)) for s in args.sizes.split(",")):
        t1, tw, same = measure(size, args.replicates, args.workers, args.days)
        print(f"| {size:,} | {t1:.1f} | {tw:.1f} | {t1 / tw:.2f}x | {'yes' if same else 'NO'} |", flush=True)


if __name__ == "__main__":
    main()

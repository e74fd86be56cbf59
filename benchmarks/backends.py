"""The two backends on one fixed scenario, as ratios against a baseline measured in the same script.

Runs the default scenario (one replicate, fixed seed) with the per-agent backend (`run.backend =
"agents"`) and the vector backend, and before them a baseline: the reference frontier kernel
(`benchmarks.reference`: independent cascades on an Erdos-Renyi graph), a workload that does not
change when the model does. It prints each one's CPU seconds (the measurements are single-threaded,
so CPU time stays comparable on a machine shared with other jobs) and the ratios agents / baseline,
vector / baseline and agents / vector: ratios against the baseline compare between machines and
between commits, where raw seconds do not. Each measurement is the best of `--repeat` runs.

Usage: .venv/bin/python -m benchmarks.backends [--size 1000] [--days 60] [--repeat 3]
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable

import numpy as np

from benchmarks import reference
from sim.config.scenario import load_scenario
from sim.config.shipped import resolve_scenario
from sim.model.streams import replicate_seeds
from sim.run.runner import run_replicate

#: The seed of every run (scenario replicates and the baseline's graph and cascades).
SEED = 20261207
#: The baseline: cascades at transmission 0.2 on an Erdos-Renyi graph of this many nodes, mean degree 10,
#: from this many seeds, this many times (about 0.4 s of CPU on the project's 2-core machine).
BASELINE_NODES = 200_000
BASELINE_DEGREE = 10
BASELINE_TRANSMISSION = 0.2
BASELINE_SEEDS = 10
BASELINE_CASCADES = 5
#: The scenario's seed users, fixed so that small populations can be benchmarked (the default has 100).
SEED_USERS = 20


def cpu_seconds(work: Callable[[], object], repeat: int) -> float:
    """The least CPU time (seconds) `work` took in `repeat` runs."""
    best = float("inf")
    for _ in range(repeat):
        start = time.process_time()
        work()
        best = min(best, time.process_time() - start)
    return best


def baseline() -> None:
    """The fixed reference workload: a graph build and a few independent cascades."""
    rng = np.random.default_rng(SEED)
    graph = reference.er_csr_numpy(BASELINE_NODES, BASELINE_DEGREE, rng)
    for _ in range(BASELINE_CASCADES):
        seeds = reference.random_seeds(graph.n, BASELINE_SEEDS, rng)
        reference.run_cascade(graph, BASELINE_TRANSMISSION, seeds, rng)


def backend_run(backend: str, size: int, days: int) -> Callable[[], object]:
    """One replicate of the default scenario at `size` people for `days` days on `backend` (a fresh model
    each call)."""
    scenario = load_scenario(
        resolve_scenario("default"),
        [f"population.size={size}", f"run.days={days}", f"seed_users.count={SEED_USERS}", f"run.backend={backend}"],
    )
    seed_seq = replicate_seeds(SEED, 1)[0]
    return lambda: run_replicate(scenario, seed_seq)  # the simulation only: no whole-run summary (Bass fits)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--size", type=int, default=1000, help="people in the default scenario")
    parser.add_argument("--days", type=int, default=60, help="days simulated")
    parser.add_argument("--repeat", type=int, default=3, help="runs of each measurement (the best counts)")
    args = parser.parse_args()
    base = cpu_seconds(baseline, args.repeat)
    agents = cpu_seconds(backend_run("agents", args.size, args.days), args.repeat)
    vector = cpu_seconds(backend_run("vector", args.size, args.days), args.repeat)
    print(f"default scenario, {args.size} people, {SEED_USERS} seed users, {args.days} days, 1 replicate, seed {SEED}")
    print("CPU seconds, best of", args.repeat)
    print(f"baseline (reference cascades)  {base:8.2f} s")
    print(f"agents backend                 {agents:8.2f} s   {agents / base:7.2f} x baseline")
    print(f"vector backend                 {vector:8.2f} s   {vector / base:7.2f} x baseline")
    print(f"agents / vector                {agents / vector:8.1f}")


if __name__ == "__main__":
    main()

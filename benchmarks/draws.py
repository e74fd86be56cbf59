"""Cost of keyed draws (`sim.model.streams.Draws`, Philox4x32-10) against numpy's `Generator.random`.

For each number of draws, the time of `Draws.uniform(purpose, step, people)` (the compiled loop) for
people 0 .. n-1 and of `Generator.random(n)` (PCG64, numpy's default), both measured here, in this
process, as the best of `--repeats` calls on the chosen clock (benchmarks/timing.py); printed as
nanoseconds per draw and their ratio, then the same numbers by numpy array operations
(`Draws.uniform_arrays`). Then the scalar entry (`Draws.uniform_one`, for the per-agent backend) against
`Generator.random()` for one number. With `--blocks`, the array path again for each block size
(people per block of the ten rounds) of `uniform_arrays`, to choose `sim.model.philox.BLOCK`.

Usage: .venv/bin/python -m benchmarks.draws [--sizes 1e3,1e4,1e5,1e6,1e7] [--repeats 5] [--blocks 4096,16384]
"""

from __future__ import annotations

import argparse
from collections.abc import Callable

import numpy as np

from benchmarks.timing import clock_name, now
from sim.model import philox
from sim.model.streams import Draws, Purpose

#: Seed of both generators, and the step and purpose of the keyed draws (any would do).
SEED = 2026
STEP = 100
PURPOSE = Purpose.READ
#: Scalar calls timed per repeat.
SCALAR_CALLS = 20_000
#: Nanoseconds per second.
NS = 1e9


def best_seconds(call: Callable[[], object], repeats: int) -> float:
    """Shortest of `repeats` timed calls (after one untimed warm-up call)."""
    call()
    best = float("inf")
    for _ in range(repeats):
        t0 = now()
        call()
        best = min(best, now() - t0)
    return best


def array_row(n: int, repeats: int) -> tuple[float, float, float]:
    """Nanoseconds per draw of numpy's `Generator.random(n)`, of `Draws.uniform` and of `Draws.uniform_arrays`
    for n people."""
    rng, draws, people = np.random.default_rng(SEED), Draws(SEED, 0), np.arange(n)
    numpy_s = best_seconds(lambda: rng.random(n), repeats)
    keyed_s = best_seconds(lambda: draws.uniform(PURPOSE, STEP, people), repeats)
    arrays_s = best_seconds(lambda: draws.uniform_arrays(PURPOSE, STEP, people), repeats)
    return numpy_s / n * NS, keyed_s / n * NS, arrays_s / n * NS


def scalar_row(repeats: int) -> tuple[float, float]:
    """Nanoseconds per call of `Generator.random()` and of `Draws.uniform_one`."""
    rng, draws = np.random.default_rng(SEED), Draws(SEED, 0)
    numpy_s = best_seconds(lambda: [rng.random() for _ in range(SCALAR_CALLS)], repeats)
    keyed_s = best_seconds(lambda: [draws.uniform_one(PURPOSE, STEP, i) for i in range(SCALAR_CALLS)], repeats)
    return numpy_s / SCALAR_CALLS * NS, keyed_s / SCALAR_CALLS * NS


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--sizes", default="1e3,1e4,1e5,1e6,1e7", help="numbers of draws, comma separated")
    parser.add_argument("--repeats", type=int, default=5, help="timed calls per measurement (the best counts)")
    parser.add_argument("--blocks", default="", help="block sizes to compare for the array path, comma separated")
    args = parser.parse_args()
    sizes = [int(float(s)) for s in args.sizes.split(",")]
    print(
        f"keyed draws (Philox4x32-10) vs numpy Generator.random (PCG64); clock {clock_name()}, best of {args.repeats}"
    )
    print(
        f"| draws | numpy (ns/draw) | keyed, compiled (ns/draw) | ratio | keyed, numpy arrays, block {philox.BLOCK} |"
    )
    print("|---:|---:|---:|---:|---:|")
    for n in sizes:
        base, keyed, arrays = array_row(n, args.repeats)
        print(f"| {n:.0e} | {base:.2f} | {keyed:.1f} | {keyed / base:.1f}x | {arrays:.1f} |", flush=True)
    base, keyed = scalar_row(args.repeats)
    print(f"| 1 (scalar: uniform_one vs random()) | {base:.0f} | {keyed:.0f} | {keyed / base:.1f}x | |")
    if args.blocks:
        n, default = max(sizes), philox.BLOCK
        print(f"\n| block (people) | keyed, {n:.0e} draws (ns/draw) |\n|---:|---:|")
        for block in (int(float(b)) for b in args.blocks.split(",")):
            philox.BLOCK = block  # the array path reads the block size at each call
            print(f"| {block} | {array_row(n, args.repeats)[2]:.1f} |", flush=True)
        philox.BLOCK = default


if __name__ == "__main__":
    main()

"""Run one measurement in this (fresh) process and write its result as JSON.

Usage (by ``benchmarks.bench``, one subprocess per measurement)::

    python -m benchmarks.worker '<spec as JSON>' RESULT.json

A fresh process per measurement makes the peak resident memory (``ru_maxrss`` of this process)
belong to that workload alone, and lets the driver kill a measurement that runs past its timeout.
"""

from __future__ import annotations

import json
import resource
import sys
import traceback

import numpy as np

from benchmarks.timing import now

#: Implementations of the cascade workload that are the reference kernel.
REFERENCE_IMPLS = ("reference", "reference-simgraph")


def peak_mb() -> float:
    """Peak resident set size of this process so far, in MB (10^6 bytes; Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024 / 1e6


def run_reference(
    impl: str, n: int, mean_degree: float, transmission: float, n_seeds: int, seed: int, repeats: int = 1
) -> dict:
    """The reference frontier kernel on a self-contained numpy graph or on the project's ER graph:
    `repeats` cascades from different seed nodes on one graph, their active steps pooled."""
    from benchmarks import reference
    from sim.networks.erdos_renyi import erdos_renyi

    rng = np.random.default_rng(seed)
    t0 = now()
    if impl == "reference":
        graph = reference.er_csr_numpy(n, mean_degree, rng)
    else:
        graph = reference.csr_of_layer(erdos_renyi(n, mean_degree, rng))
    build = now() - t0
    results = [
        reference.run_cascade(graph, transmission, reference.random_seeds(n, n_seeds, rng), rng) for _ in range(repeats)
    ]
    steps = sum(r.steps for r in results)
    run = sum(r.run_seconds for r in results)
    return {
        "steps": steps / repeats,
        "per_step_ms": 1e3 * run / max(steps, 1),
        "build_s": build,
        "total_s": build + run / repeats,
        "final_fraction": float(np.mean([r.final_fraction for r in results])),
        "detail": f"{repeats} cascades, run {run / repeats:.3f} s each; nnz {graph.nnz}; "
        f"largest frontier {max(max(r.sizes, default=0) for r in results)}",
    }


def run_peer(impl: str, n: int, mean_degree: float, transmission: float, n_seeds: int, seed: int) -> dict:
    """A peer library on the project's ER graph (see ``benchmarks.peers``)."""
    from benchmarks import peers, reference
    from sim.networks.erdos_renyi import erdos_renyi

    rng = np.random.default_rng(seed)
    layer = erdos_renyi(n, mean_degree, rng)
    seeds = reference.random_seeds(n, n_seeds, rng)
    run = peers.run_peer(impl, layer, transmission, seeds, seed)
    return {
        "steps": run.steps,
        "per_step_ms": 1e3 * run.run_seconds / max(run.steps, 1),
        "build_s": run.build_seconds,
        "total_s": run.build_seconds + run.run_seconds,
        "final_fraction": run.ever_infected / n,
        "detail": f"run {run.run_seconds:.3f} s",
    }


def measure(spec: dict) -> dict:
    """Dispatch one measurement described by ``spec`` (see ``benchmarks.bench.Measurement``)."""
    from benchmarks import project

    workload, impl, n, seed = spec["workload"], spec["impl"], int(spec["n"]), int(spec["seed"])
    if workload == "cascade":
        args = (n, spec["mean_degree"], spec["transmission"])
        if impl in REFERENCE_IMPLS:
            return run_reference(impl, *args, spec["n_seeds"], seed, spec.get("repeats", 1))
        if impl == "wom":
            return project.cascade_model(*args, seed, spec.get("repeats", 1))
        if impl == "wom-run":
            return project.cascade_wom_run(*args, seed)
        return run_peer(impl, *args, spec["n_seeds"], seed)
    if workload == "default":
        if impl == "wom":
            return project.default_model(n, spec["days"], seed)
        if impl == "multiplex-spmv":
            return project.multiplex_spmv(n, seed)
    raise ValueError(f"unknown measurement {workload}/{impl}")


def main(argv: list[str]) -> int:
    spec, out = json.loads(argv[0]), argv[1]
    try:
        result = measure(spec)
        result["status"] = "ok"
    except Exception as exc:  # reported as the measurement's status, the benchmark goes on
        traceback.print_exc()
        result = {"status": f"error: {type(exc).__name__}: {exc}"[:200]}
    result["peak_mb"] = peak_mb()
    with open(out, "w") as fh:
        json.dump(result, fh)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

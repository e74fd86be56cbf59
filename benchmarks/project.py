"""The project's side of the benchmark: wom-sim's vector backend on the two workloads, and the SpMV baseline.

* :func:`cascade_model` - the cascade docking scenario (``scenarios/docking/cascade.toml`` with
  population.size=N, network.mean_degree=10, wom.transmission=0.2): builds a ``WomModel``
  (graph generation included) and times every ``model.step()`` separately.
* :func:`cascade_wom_run` - the same scenario as a whole ``wom run``, in process: load the scenario,
  ``sim.run.runner.run_scenario`` (graph, model, all 100 days, summary metrics) with 1 replicate, then
  ``sim.run.runner.write_run`` (CSV, JSON, charts) into a temporary directory.
* :func:`default_model` - ``scenarios/default.toml`` (offline small world, forum, Weibo, official
  account) at population N for 365 days (fewer with --quick): build time and the mean step.
* :func:`multiplex_spmv` - the baseline the default step is compared with: one sparse
  matrix-vector product over the whole multiplex graph of the default scenario at N.

The multiplex SpMV baseline, exactly: build the default scenario's ``WomModel`` at N (same
layers as the measured run), then

* ``A`` = sum over every edge channel (offline, Weibo) of its receiver-by-sender adjacency
  (row i lists everyone whose messages reach i; the directed Weibo layer is transposed), one
  scipy CSR float64 matrix (N x N);
* ``B`` = member-by-group incidence (N x G) of every group channel (forum; WeChat if enabled),
  stacked side by side, with its transpose ``Bt`` also stored as CSR (the bipartite form: a
  group post reaches all members through the group, so the product is ``B @ (Bt @ x)``; the
  expanded member-by-member clique form would store sum(size^2) entries instead);
* one SpMV = ``A @ x + B @ (Bt @ x)`` for a float64 vector x, i.e. one pass over every stored
  tie of every layer; its time is the median of SPMV_REPEATS calls after a warm-up call.
"""

from __future__ import annotations

import gc
import tempfile
from pathlib import Path

import numpy as np

from benchmarks.timing import now

#: Repository root (scenarios live under it).
ROOT = Path(__file__).resolve().parents[1]
CASCADE_SCENARIO = ROOT / "scenarios" / "docking" / "cascade.toml"
DEFAULT_SCENARIO = ROOT / "scenarios" / "default.toml"
#: Calls of the multiplex SpMV whose median is reported.
SPMV_REPEATS = 7


def cascade_overrides(n: int, mean_degree: float, transmission: float) -> list[str]:
    """The --set overrides of the cascade workload."""
    return [f"population.size={n}", f"network.mean_degree={mean_degree}", f"wom.transmission={transmission}"]


def _timed_steps(model, n_steps: int) -> np.ndarray:
    """Run n_steps steps, timing each one separately (seconds)."""
    clock = now
    seconds = np.empty(n_steps)
    for k in range(n_steps):
        t0 = clock()
        model.step()
        seconds[k] = clock() - t0
    return seconds


def cascade_model(n: int, mean_degree: float, transmission: float, seed: int, repeats: int = 1) -> dict:
    """Cascade scenario: model build (graph included), then every step timed; `repeats` models
    (seeds `seed`, `seed + 1`, ...) with their active steps pooled.

    A step k (1-based) had activity if someone talked in it: the seed users in step 1, and in
    the cascade (everyone talks only the step after adopting) step k > 1 is active iff step
    k-1 produced new adopters.  Per-step time = time of the active steps / their number; the
    idle tail up to the scenario's 100 days counts in the total only.
    """
    from sim.config.scenario import load_scenario
    from sim.model.model import WomModel

    sc = load_scenario(CASCADE_SCENARIO, cascade_overrides(n, mean_degree, transmission))
    builds, runs, active_time, steps, finals = [], [], 0.0, 0, []
    for r in range(repeats):
        t0 = now()
        model = WomModel(sc, np.random.SeedSequence(seed + r))
        builds.append(now() - t0)
        seconds = _timed_steps(model, sc.run.n_steps)
        new = np.array([row["new_adopters"] for row in model.records])  # records[k] = after step k
        active = np.ones(len(seconds), dtype=bool)
        active[1:] = new[1:-1] > 0
        active_time += seconds[active].sum()
        steps += int(active.sum())
        runs.append(seconds.sum())
        finals.append(model.people.adopted_total / n)
        del model
        gc.collect()  # a Mesa model holds reference cycles: free it before the next one (peak memory)
    return {
        "steps": steps / repeats,
        "per_step_ms": 1e3 * active_time / max(steps, 1),
        "build_s": float(np.mean(builds)),
        "total_s": float(np.mean(builds) + np.mean(runs)),
        "final_fraction": float(np.mean(finals)),
        "detail": f"{repeats} cascades; run {np.mean(runs):.3f} s over {sc.run.n_steps} steps each ({steps} active in all)",
    }


def cascade_wom_run(n: int, mean_degree: float, transmission: float, seed: int) -> dict:
    """The whole ``wom run`` of the cascade scenario with 1 replicate, in process, outputs included."""
    from sim.config.scenario import load_scenario
    from sim.run.runner import run_scenario, write_run
    from sim.viz.charts import draw_run

    t0 = now()
    sc = load_scenario(CASCADE_SCENARIO, cascade_overrides(n, mean_degree, transmission))
    result = run_scenario(sc, seed=seed, replicates=1)
    run = now() - t0
    with tempfile.TemporaryDirectory(prefix="wom-bench-") as tmp:
        t0 = now()
        write_run(result, Path(tmp) / "run", draw=draw_run)
        write = now() - t0
    final = result.summary["metrics"]["mean"]["final_adoption"]
    return {
        "steps": sc.run.n_steps,
        "per_step_ms": float("nan"),
        "build_s": float("nan"),
        "total_s": run + write,
        "final_fraction": final,
        "detail": f"load+run_scenario {run:.3f} s, write_run {write:.3f} s",
    }


def default_model(n: int, days: float, seed: int) -> dict:
    """Default scenario at population n for ``days`` days: build time and mean step time (every step is active)."""
    from sim.config.scenario import load_scenario
    from sim.model.model import WomModel

    sc = load_scenario(DEFAULT_SCENARIO, [f"population.size={n}", f"run.days={days}"])
    t0 = now()
    model = WomModel(sc, np.random.SeedSequence(seed))
    build = now() - t0
    seconds = _timed_steps(model, sc.run.n_steps)
    return {
        "steps": len(seconds),
        "per_step_ms": 1e3 * seconds.mean(),
        "build_s": build,
        "total_s": build + seconds.sum(),
        "final_fraction": model.people.adopted_total / n,
        "detail": f"slowest step {1e3 * seconds.max():.1f} ms, median {1e3 * np.median(seconds):.1f} ms",
    }


def multiplex_matrices(model):
    """(A, B, Bt) of the module docstring from a built ``WomModel``; B and Bt are None without group layers."""
    import scipy.sparse as sp

    from sim.model.edge_channel import EdgeChannel
    from sim.model.group_channel import GroupChannel

    n = model.n
    edge_parts, incidence = [], []
    for ch in model.channels.values():
        if isinstance(ch, EdgeChannel):
            layer = ch.layer
            sender_rows = sp.csr_array((np.ones(layer.nnz), layer.indices, layer.indptr), shape=(n, n))
            edge_parts.append(sender_rows.T.tocsr() if layer.directed else sender_rows)
        elif isinstance(ch, GroupChannel):
            g = ch.groups
            members_by_group = sp.csr_array((np.ones(len(g.members)), g.members, g.group_ptr), shape=(g.n_groups, n))
            incidence.append(members_by_group.T.tocsr())
    a = sum(edge_parts[1:], edge_parts[0]).tocsr() if edge_parts else sp.csr_array((n, n))
    if not incidence:
        return a, None, None
    b = sp.hstack(incidence, format="csr")
    return a, b, b.T.tocsr()


def multiplex_spmv(n: int, seed: int) -> dict:
    """Time one SpMV over the default scenario's multiplex graph at population n (see the module docstring)."""
    from sim.config.scenario import load_scenario
    from sim.model.model import WomModel

    sc = load_scenario(DEFAULT_SCENARIO, [f"population.size={n}"])
    t0 = now()
    model = WomModel(sc, np.random.SeedSequence(seed))
    a, b, bt = multiplex_matrices(model)
    build = now() - t0
    x = np.random.default_rng(seed).random(n)

    def spmv() -> np.ndarray:
        y = a @ x
        if b is not None:
            y += b @ (bt @ x)
        return y

    spmv()  # warm-up
    seconds = []
    for _ in range(SPMV_REPEATS):
        t0 = now()
        spmv()
        seconds.append(now() - t0)
    nnz_groups = 0 if b is None else b.nnz + bt.nnz
    return {
        "steps": 1,
        "per_step_ms": 1e3 * float(np.median(seconds)),
        "build_s": build,
        "total_s": float(np.sum(seconds)),
        "final_fraction": float("nan"),
        "detail": f"nnz: edge layers {a.nnz}, group incidence {nnz_groups} (B and Bt)",
    }

"""Running a scenario's replicates and writing the run directory atomically (sim.run.io).

Replicate r of a run with seed s uses the r-th child of `numpy.random.SeedSequence(s)`, so results
depend only on (scenario, seed, replicate), never on the order or process they run in: `workers`
processes give the same bytes as one. Charts are the viz layer's (the `run` command passes
`sim.viz.charts.draw_run` as `draw`, so they land in the same atomic directory).
"""

from __future__ import annotations

import importlib.metadata
import json
import platform
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config.arguments import check_callable, check_instance, check_int, check_optional_int, check_path, shown
from sim.config.limits import MAX_REPLICATES, MAX_SEED
from sim.config.schema import Scenario
from sim.config.version import version_info
from sim.model import theory
from sim.model.brands import make_model
from sim.model.streams import replicate_seeds
from sim.run.executor import MAX_WORKERS, open_executor, run_tasks
from sim.run.io import atomic_directory
from sim.run.memory import give_back_memory, reuse_freed_memory
from sim.run.metrics import summarize, to_jsonable
from sim.run.series_metrics import out_of_money_day

#: Packages whose versions are stored with every run.
VERSIONED_PACKAGES = ("wom-sim", "mesa", "numpy", "scipy", "networkx", "pandas", "pydantic", "matplotlib")
#: Output kind of a run directory (sim.run.io markers).
RUN_KIND = "run"
TIMESERIES_FILE = "timeseries.csv"
SUMMARY_FILE = "summary.json"


@dataclass
class RunResult:
    """A finished run: its scenario, seed, time series (one row per replicate and step) and summary."""

    scenario: Scenario
    seed: int
    timeseries: pd.DataFrame
    summary: dict


def run_replicate(
    scenario: Scenario,
    seed_seq: np.random.SeedSequence,
    replicate: int = 0,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """One replicate: build the model, run every step, return its time series.

    Freed temporaries are reused by the next step rather than unmapped (`sim.run.memory`); the free
    pages go back to the system when the replicate ends."""
    reuse_freed_memory()
    try:
        model = make_model(scenario, seed_seq)  # `BrandsModel` for a scenario with [brands]
        model.run(progress=progress)
        frame = pd.DataFrame.from_records(model.records)
        del model
    finally:
        give_back_memory()
    frame.insert(0, "replicate", replicate)
    return frame


def _replicate_task(task: tuple[Scenario, np.random.SeedSequence, int]) -> pd.DataFrame:
    """One replicate in a worker process (a module-level function, so it pickles)."""
    return run_replicate(*task)


def run_scenario(
    scenario: Scenario,
    seed: int | None = None,
    replicates: int | None = None,
    progress: Callable[[int], None] | None = None,
    workers: int = 1,
) -> RunResult:
    """Run all replicates of a scenario (seed and replicates default to the scenario's run section).

    `workers` > 1 runs replicates in that many processes (sim.run.executor) with identical results;
    `progress` is then called with a replicate's steps when it finishes, else after every step. Arguments
    are checked first (sim.config.arguments): a wrong type is a TypeError, a value out of range an InputError.
    """
    check_instance("scenario", scenario, Scenario, "from sim.load_scenario or sim.scenario_from_dict")
    seed = check_optional_int("seed", seed, 0, MAX_SEED)
    replicates = check_optional_int("replicates", replicates, 1, MAX_REPLICATES)
    check_callable("progress", progress)
    workers = check_int("workers", workers, 1, MAX_WORKERS)
    seed = scenario.run.seed if seed is None else seed
    replicates = scenario.run.replicates if replicates is None else replicates
    scenario = scenario.model_copy(
        update={"run": scenario.run.model_copy(update={"seed": seed, "replicates": replicates})}
    )
    seeds = replicate_seeds(seed, replicates)
    if workers <= 1 or replicates <= 1:
        frames = [run_replicate(scenario, seq, r, progress) for r, seq in enumerate(seeds)]
    else:
        done = (lambda task, frame: progress(scenario.run.n_steps)) if progress else None
        with open_executor(workers, tasks=replicates) as executor:
            frames = run_tasks(executor, _replicate_task, [(scenario, seq, r) for r, seq in enumerate(seeds)], done)
    ts = pd.concat(frames, ignore_index=True)
    summary = {
        "scenario": json.loads(scenario.model_dump_json()),  # inf as "Infinity"
        "seed": seed,
        "replicates": replicates,
        "versions": package_versions(),
        "metrics": summarize(ts, scenario.population.size),
    }
    if scenario.budget.limited:  # when the money ran out (sim.model.budget), per replicate
        days = [out_of_money_day(frame) for frame in frames]
        summary["budget"] = to_jsonable(
            {"total": scenario.budget.total, "per_month": scenario.budget.per_month, "out_of_money_day": days}
        )
    if scenario.market.on:  # how much of the population could buy at the end (sim.model.market), per replicate
        final = [int(frame["eligible"].iloc[-1]) / scenario.population.size for frame in frames]
        summary["market"] = to_jsonable({"kind": scenario.market.kind, "eligible_share_final": final})
    return RunResult(scenario, seed, ts, summary)


def package_versions() -> dict[str, str | None]:
    """Versions of Python and the packages that shape results, and the project's commit."""
    versions = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    versions["wom-sim commit"] = version_info()["commit"]  # None outside a git checkout
    return versions


def reference_curves(scenario: Scenario, t_max: float) -> dict | None:
    """Theory to draw beside a run: the Bass curve for a well-mixed population with advertising."""
    if scenario.network.kind != "well_mixed" or scenario.advertising.p <= 0:
        return None
    t = np.linspace(0.0, t_max, 400)
    return {
        f"Bass closed form (p={scenario.advertising.p:g}, q={scenario.wom.q:g})": (
            t,
            theory.bass_cdf(t, scenario.advertising.p, scenario.wom.q),
        )
    }


def write_run(
    result: RunResult,
    out_dir: str | Path,
    force: bool = False,
    draw: Callable[[RunResult, Path], object] | None = None,
) -> Path:
    """Write timeseries.csv, summary.json (and what `draw(result, folder)` adds, e.g. charts) into
    out_dir, all at once or not at all (sim.run.io.atomic_directory; --force replaces only a run)."""
    check_instance("result", result, RunResult, "from sim.run_scenario")
    check_path("out_dir", out_dir)
    if not isinstance(force, bool):
        raise TypeError(f"force: must be True or False, got {shown(force)}")
    check_callable("draw", draw)
    with atomic_directory(out_dir, RUN_KIND, force) as tmp:
        result.timeseries.to_csv(tmp / TIMESERIES_FILE, index=False)
        (tmp / SUMMARY_FILE).write_text(json.dumps(result.summary, indent=2, allow_nan=False) + "\n")
        if draw is not None:
            draw(result, tmp)
    return Path(out_dir)

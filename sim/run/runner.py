"""Running a scenario's replicates and writing the run directory atomically.

Replicate r of a run with seed s uses the r-th child of `numpy.random.SeedSequence(s)`, so results
depend only on (scenario, seed, replicate), never on the order or process they run in.
"""

from __future__ import annotations

import importlib.metadata
import json
import os
import platform
import shutil
import tempfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config.schema import Scenario
from sim.model import theory
from sim.model.model import WomModel, child_seed
from sim.run.metrics import summarize

#: Packages whose versions are stored with every run.
VERSIONED_PACKAGES = ("wom-sim", "mesa", "numpy", "scipy", "networkx", "pandas", "pydantic", "matplotlib")


class OutputExistsError(FileExistsError):
    """The output directory already holds a run and --force was not given."""


@dataclass
class RunResult:
    """A finished run: its scenario, seed, time series (one row per replicate and step) and summary."""

    scenario: Scenario
    seed: int
    timeseries: pd.DataFrame
    summary: dict


def replicate_seeds(seed: int, replicates: int) -> list[np.random.SeedSequence]:
    """Independent seed streams of the replicates of a run (replicate r is child r of the master seed)."""
    return [child_seed(np.random.SeedSequence(seed), r) for r in range(replicates)]


def run_replicate(
    scenario: Scenario,
    seed_seq: np.random.SeedSequence,
    replicate: int = 0,
    progress: Callable[[int], None] | None = None,
) -> pd.DataFrame:
    """One replicate: build the model, run every step, return its time series."""
    model = WomModel(scenario, seed_seq)
    model.run(progress=progress)
    frame = pd.DataFrame.from_records(model.records)
    frame.insert(0, "replicate", replicate)
    return frame


def run_scenario(
    scenario: Scenario,
    seed: int | None = None,
    replicates: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> RunResult:
    """Run all replicates of a scenario (seed and replicates default to the scenario's run section)."""
    seed = scenario.run.seed if seed is None else seed
    replicates = scenario.run.replicates if replicates is None else replicates
    scenario = scenario.model_copy(
        update={"run": scenario.run.model_copy(update={"seed": seed, "replicates": replicates})}
    )
    frames = [run_replicate(scenario, seq, r, progress) for r, seq in enumerate(replicate_seeds(seed, replicates))]
    ts = pd.concat(frames, ignore_index=True)
    summary = {
        "scenario": json.loads(scenario.model_dump_json()),  # inf as "Infinity"
        "seed": seed,
        "replicates": replicates,
        "versions": package_versions(),
        "metrics": summarize(ts, scenario.population.size),
    }
    return RunResult(scenario, seed, ts, summary)


def package_versions() -> dict[str, str]:
    """Versions of Python and the packages that shape results."""
    versions = {"python": platform.python_version()}
    for name in VERSIONED_PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
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


def write_run(result: RunResult, out_dir: str | Path, force: bool = False, charts: bool = True) -> Path:
    """Write timeseries.csv, summary.json and the charts into out_dir, all at once or not at all."""
    from sim.viz.charts import write_run_charts  # matplotlib only when writing

    out_dir = Path(out_dir)
    if out_dir.exists() and not force:
        raise OutputExistsError(f"{out_dir} already exists; use --force to overwrite it")
    out_dir.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(prefix=f".{out_dir.name}.partial-", dir=out_dir.parent))
    try:
        result.timeseries.to_csv(tmp / "timeseries.csv", index=False)
        (tmp / "summary.json").write_text(json.dumps(result.summary, indent=2, allow_nan=False) + "\n")
        if charts:
            sc = result.scenario
            write_run_charts(
                result.timeseries,
                sc.population.size,
                sc.run.dt,
                tmp,
                title=sc.name,
                reference=reference_curves(sc, sc.run.days),
            )
        replace_dir(tmp, out_dir)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return out_dir


def replace_dir(new: Path, target: Path) -> None:
    """Move a finished directory into place; an old one is moved aside first and removed afterwards."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        target.rename(old)
    new.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)

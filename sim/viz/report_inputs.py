"""What `wom report` reads: run and sweep directories as compared scenarios, and the numbers taken from them.

Inputs are run directories (`wom run`: timeseries.csv, summary.json, maybe attribution.json) and sweep
directories (`wom sweep`: design.parquet, runs/*.parquet, timeseries/*.parquet; every design point is
compared as a scenario). The first scenario is the baseline the others are compared with.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config.errors import InputError
from sim.model.state import CHANNELS, FUNNEL_COLUMNS
from sim.research.sweep.store import (
    MANIFEST_FILE,
    RUNS_DIR,
    STATUS_OK,
    TIMESERIES_DIR,
    read_design,
    read_runs,
    read_timeseries,
)
from sim.run.metrics import BAND_LEVEL

RUN_TIMESERIES = "timeseries.csv"
RUN_SUMMARY = "summary.json"
ATTRIBUTION = "attribution.json"
#: More scenarios than this make the charts unreadable; the rest are left out (and the report says so).
MAX_SCENARIOS = 10


class ReportError(InputError):
    """An input directory that is neither a run nor a sweep, or holds nothing to compare."""


# ==================================================================================================
# Reading inputs
# ==================================================================================================


@dataclass
class ScenarioResult:
    """One compared scenario: its label, per-step series over replicates and per-replicate metrics."""

    label: str
    source: Path
    description: str
    population: int
    timeseries: pd.DataFrame  # columns replicate, step, time, funnel counts, adopt_<c>, ...
    metrics: pd.DataFrame  # one row per replicate, columns as sim.run.metrics.summarize_replicate
    attribution: dict | None = None  # {"factors": {name: {"final_adoption": v, "time_to_50pct": v}}}
    group: str = ""  # the sweep a design point belongs to ("" for a run)

    @property
    def replicates(self) -> int:
        return int(self.timeseries["replicate"].nunique())


@dataclass
class Inputs:
    """Everything read from the input directories, and what was left out and why."""

    scenarios: list[ScenarioResult]
    notes: list[str] = field(default_factory=list)
    #: `wom optimize` outputs (sim.viz.report_plan.PlanResult): shown as plans against their baselines.
    plans: list = field(default_factory=list)
    #: `wom value` outputs (sim.viz.report_value.ValueResult): the value of a program against its baseline.
    values: list = field(default_factory=list)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ReportError(f"{path}: cannot read JSON: {exc}") from None


def read_attribution(directory: Path) -> dict | None:
    """attribution.json of a directory if it has usable factors, else None."""
    path = directory / ATTRIBUTION
    if not path.is_file():
        return None
    factors = _read_json(path).get("factors")
    return {"factors": factors} if isinstance(factors, dict) and factors else None


def read_run(directory: Path) -> ScenarioResult:
    """A `wom run` directory as one scenario."""
    summary = _read_json(directory / RUN_SUMMARY)
    try:
        ts = pd.read_csv(directory / RUN_TIMESERIES)
        scenario = summary["scenario"]
        per_replicate = summary["metrics"]["per_replicate"]
        population = int(scenario["population"]["size"])
    except (OSError, KeyError, TypeError, ValueError, pd.errors.ParserError) as exc:
        raise ReportError(f"{directory}: not a complete run directory ({type(exc).__name__}: {exc})") from None
    metrics = pd.DataFrame.from_records(per_replicate)
    return ScenarioResult(
        str(scenario.get("name") or directory.name),
        directory,
        str(scenario.get("description", "")),
        population,
        ts,
        metrics,
        read_attribution(directory),
    )


def _point_label(design: pd.DataFrame, point: int) -> str:
    """'key=value, ...' of a sweep's design point; keys shortened to their last part when unambiguous."""
    if point not in design.index:
        return f"point {point}"
    keys = list(design.columns)
    short = [k.rsplit(".", 1)[-1] for k in keys]
    names = short if len(set(short)) == len(short) else keys
    return ", ".join(f"{name}={_short(design.loc[point, key])}" for name, key in zip(names, keys))


def _short(value) -> str:
    """A parameter value in few characters."""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.4g}"
    return str(value)


def spread(n: int, k: int) -> list[int]:
    """k of the indices 0..n-1, evenly spread and including both ends (all of them if n <= k)."""
    if n <= k:
        return list(range(n))
    return sorted({int(round(x)) for x in np.linspace(0, n - 1, k)})


def read_sweep(directory: Path, limit: int = MAX_SCENARIOS) -> tuple[list[ScenarioResult], list[str]]:
    """A `wom sweep` directory as one scenario per design point with finished runs; with notes.

    A sweep with more points than `limit` is shown by `limit` points spread evenly over the design.
    """
    try:
        runs, series = read_runs(directory), read_timeseries(directory)
        design = read_design(directory)
    except Exception as exc:  # noqa: BLE001 -- pyarrow raises many kinds; any of them means unreadable
        raise ReportError(f"{directory}: cannot read the sweep ({type(exc).__name__}: {exc})") from None
    name = directory.name
    if (directory / MANIFEST_FILE).is_file():
        name = str(_read_json(directory / MANIFEST_FILE).get("name", name))
    notes = []
    failed = int((runs["status"] != STATUS_OK).sum()) if "status" in runs else 0
    if failed:
        notes.append(f"{directory}: {failed} failed run(s) left out")
    runs = runs[runs["status"] == STATUS_OK] if "status" in runs else runs
    points = sorted(set(runs["point"]) & set(series["point"])) if len(runs) else []
    if not points:
        raise ReportError(f"{directory}: the sweep has no finished runs with time series yet")
    chosen = [points[i] for i in spread(len(points), limit)]
    if len(chosen) < len(points):
        notes.append(
            f"{name}: {len(chosen)} of its {len(points)} design points are shown "
            f"(points {', '.join(map(str, chosen))}, spread evenly over the design)"
        )
    attribution = read_attribution(directory)
    scenarios = []
    for point in chosen:
        rows = runs[runs["point"] == point].reset_index(drop=True)
        ts = series[series["point"] == point].drop(columns=["run_id", "point"], errors="ignore")
        scenarios.append(
            ScenarioResult(
                _point_label(design, int(point)),
                directory,
                f"design point {point} of sweep {name}",
                int(rows["population"].iloc[0]),
                ts.reset_index(drop=True),
                rows,
                attribution,
                group=name,
            )
        )
    return scenarios, notes


def is_sweep(directory: Path) -> bool:
    """Whether a directory looks like `wom sweep` output (runs/ and timeseries/ folders)."""
    return (directory / RUNS_DIR).is_dir() and (directory / TIMESERIES_DIR).is_dir()


def read_inputs(directories: list[Path]) -> Inputs:
    """Read every input directory (runs and sweeps), keep at most MAX_SCENARIOS, make labels unique."""
    if not directories:
        raise ReportError("give at least one run or sweep directory")
    from sim.viz.report_plan import is_optimize, read_plan
    from sim.viz.report_value import is_value, read_value

    scenarios, notes, plans, values = [], [], [], []
    for directory in map(Path, directories):
        if not directory.is_dir():
            raise ReportError(f"{directory}: no such directory")
        if is_optimize(directory):
            plans.append(read_plan(directory))
        elif is_value(directory):
            values.append(read_value(directory))
        elif is_sweep(directory):
            found, more_notes = read_sweep(directory, max(1, MAX_SCENARIOS - len(scenarios)))
            scenarios += found
            notes += more_notes
        elif (directory / RUN_SUMMARY).is_file() and (directory / RUN_TIMESERIES).is_file():
            scenarios.append(read_run(directory))
        else:
            raise ReportError(
                f"{directory}: neither a run directory ({RUN_TIMESERIES}, {RUN_SUMMARY}) "
                f"nor a sweep directory ({RUNS_DIR}/, {TIMESERIES_DIR}/) nor an optimize output (result.json) "
                "nor a value output (value.json)"
            )
    if len(scenarios) > MAX_SCENARIOS:
        notes.append(
            f"{len(scenarios) - MAX_SCENARIOS} more scenario(s) left out: a report compares at most {MAX_SCENARIOS}"
        )
        scenarios = scenarios[:MAX_SCENARIOS]
    if len(directories) > 1:
        for s in scenarios:
            if s.group:
                s.label = f"{s.group}: {s.label}"
    _unique_labels(scenarios)
    return Inputs(scenarios, notes, plans, values)


def _unique_labels(scenarios: list[ScenarioResult]) -> None:
    """Scenarios with the same name are told apart by their directory (then by a number)."""
    seen: dict[str, int] = {}
    for s in scenarios:
        if sum(o.label == s.label for o in scenarios) > 1:
            s.label = f"{s.label} ({s.source.name})"
    for s in scenarios:
        seen[s.label] = seen.get(s.label, 0) + 1
        if seen[s.label] > 1:
            s.label = f"{s.label} #{seen[s.label]}"


# ==================================================================================================
# Numbers
# ==================================================================================================


@dataclass(frozen=True)
class Stat:
    """Mean and central interval of a metric over replicates, and how many replicates had a value."""

    mean: float
    lo: float
    hi: float
    n: int
    of: int

    @property
    def ok(self) -> bool:
        return self.n > 0


def stat(values) -> Stat:
    """Mean and BAND_LEVEL interval of the finite values (NaN/None = never reached or undefined)."""
    x = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        return Stat(math.nan, math.nan, math.nan, 0, len(x))
    lo, hi = np.quantile(finite, [(1 - BAND_LEVEL) / 2, (1 + BAND_LEVEL) / 2])
    return Stat(float(finite.mean()), float(lo), float(hi), int(finite.size), len(x))


def metric(s: ScenarioResult, name: str) -> Stat:
    """Stat of one metric of a scenario (all NaN if the input did not record it)."""
    return stat(s.metrics[name] if name in s.metrics else [math.nan] * s.replicates)


def final_rows(s: ScenarioResult) -> pd.DataFrame:
    """The last step of each replicate."""
    return s.timeseries.sort_values("step").groupby("replicate").tail(1)


def funnel_final_shares(s: ScenarioResult) -> pd.Series:
    """Mean share of the population in each funnel state at the end."""
    last = final_rows(s)
    return pd.Series({c: last[c].mean() / s.population for c in FUNNEL_COLUMNS if c in last})


def channel_adoption_shares(s: ScenarioResult) -> pd.Series:
    """Mean final adoptions through each channel, as a share of all adoptions (seed users included)."""
    last = final_rows(s)
    counts = pd.Series({c: last[f"adopt_{c}"].mean() for c in CHANNELS if f"adopt_{c}" in last})
    total = counts.sum()
    return counts / total if total > 0 else counts * 0.0

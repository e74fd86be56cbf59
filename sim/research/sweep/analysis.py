"""Reading a sweep's results: per-point statistics, Bass fits, heatmaps, Sobol indices and charts.

`analyze(results_dir)` writes into ``results/<sweep>/analysis/``:

* ``points.csv``: per point, its parameters, the runs that finished and failed, and for every metric
  the mean and the 90% interval (5% and 95% quantiles over replicates, as in `wom run`);
* ``bass.csv``: Bass p, q, m (with standard errors) fitted to each point's mean adoption curve;
* ``heatmap_<metric>.png`` for a grid with exactly two varied parameters (mean per cell);
* ``metric_<metric>.png`` otherwise: each headline metric against each varied parameter;
* ``sobol.csv`` and ``sobol.png`` for a Sobol design: first-order and total indices with confidence
  intervals (`SALib.analyze.sobol` on the replicate mean of each point).

Milestones (time to 10% / 50%) that a replicate never reaches are counted as the horizon
(``run.days``) so that means, heatmaps and Sobol indices have no holes; points.csv gives the share of
replicates that did reach them (``<metric>_reached``).
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.research.sweep.method import metric_names
from sim.research.sweep.spec import SweepSpec, SweepSpecError, load_spec, salib_problem
from sim.research.sweep.store import SPEC_COPY, STATUS_OK, corrupt_files, read_design, read_runs, read_timeseries
from sim.run.bass_fit import fit_bass, fit_problem
from sim.run.io import atomic_directory
from sim.run.metrics import MILESTONES, mean_and_band

ANALYSIS_DIR = "analysis"
#: Output kind of the analysis folder (sim.run.io markers).
ANALYSIS_KIND = "analysis"
#: Metrics drawn in heatmaps, metric charts and the Sobol chart (all metrics go to points.csv).
HEADLINE_METRICS = ("final_adoption", "time_to_10pct", "time_to_50pct", "peak_adoption_rate")
#: Milestone metrics censored at the horizon when never reached.
MILESTONE_METRICS = tuple(MILESTONES)
#: Sobol: confidence level of the bootstrap intervals and number of bootstrap resamples.
SOBOL_CONF_LEVEL = 0.95
SOBOL_RESAMPLES = 1000


@dataclass
class AnalysisResult:
    """The tables of a sweep's analysis, what the charts need, and notes on what could not be done."""

    results_dir: Path
    title: str
    points: pd.DataFrame
    bass: pd.DataFrame
    horizon: float
    replicates: int
    varying: list[str]
    heatmap_axes: tuple[str, str] | None = None
    sobol: pd.DataFrame | None = None
    notes: list[str] = field(default_factory=list)


# ==================================================================================================
# Tables
# ==================================================================================================
def censor_milestones(runs: pd.DataFrame) -> pd.DataFrame:
    """Copy of finished runs with milestones never reached set to the horizon (`days`).

    Adds `<milestone>_reached` (1.0 / 0.0) columns so the share of replicates that got there is kept.
    """
    out = runs.copy()
    for metric in MILESTONE_METRICS:
        if metric in out:
            reached = out[metric].notna()
            out[f"{metric}_reached"] = reached.astype(float)
            out[metric] = out[metric].where(reached, out["days"])
    return out


def point_table(runs: pd.DataFrame, design: pd.DataFrame, metrics: list[str]) -> pd.DataFrame:
    """One row per point: parameters, runs_ok / runs_failed, then `<metric>_mean/_lo/_hi` per metric.

    `runs` holds every run row (any status); statistics use the finished runs, milestones censored.
    lo / hi are the across-replicate quantiles of `sim.run.metrics.BAND_LEVEL` (NaNs ignored).
    """
    table = design.copy()
    status = runs.groupby("point")["status"]
    table["runs_ok"] = status.apply(lambda s: int((s == STATUS_OK).sum())).reindex(table.index, fill_value=0)
    table["runs_failed"] = status.apply(lambda s: int((s != STATUS_OK).sum())).reindex(table.index, fill_value=0)
    ok = censor_milestones(runs[runs["status"] == STATUS_OK])
    for metric in metrics:
        if ok.empty:
            stats = pd.DataFrame(columns=["mean", "lo", "hi"])
        else:
            stats = mean_and_band(ok, metric, by="point").set_index("point")
        for stat in ("mean", "lo", "hi"):
            table[f"{metric}_{stat}"] = stats[stat].reindex(table.index)
        if metric in MILESTONE_METRICS and not ok.empty:
            table[f"{metric}_reached"] = ok.groupby("point")[f"{metric}_reached"].mean().reindex(table.index)
    return table.reset_index()


def bass_table(timeseries: pd.DataFrame, runs: pd.DataFrame, design: pd.DataFrame) -> pd.DataFrame:
    """Bass p, q, m (and standard errors, R^2) fitted to each point's mean adopted_total curve.

    Fitted on the per-period increments (`fit_bass(target="increments")`), whose standard errors are
    honest, unlike those of a fit to the cumulative curve. m is in people; m_share = m / population.
    """
    table = design.copy()
    population = runs.groupby("point")["population"].first()
    mean_curves = timeseries.groupby(["point", "time"], sort=True)["adopted_total"].mean()
    fits = {}
    for point, curve in mean_curves.groupby(level="point"):
        fit = fit_bass(curve.index.get_level_values("time"), adopted_total=curve.to_numpy(), target="increments")
        fits[point] = fit.as_dict() | {"m_share": fit.m / population.get(point, math.nan), "not_identified": ""}
        problem = fit_problem(fit)
        if problem is not None:  # null values with the reason, not numbers stuck at bounds
            nan = dict.fromkeys(("p", "q", "m", "p_se", "q_se", "m_se", "m_share"), math.nan)
            fits[point] |= nan | {"not_identified": problem}
    fitted = pd.DataFrame.from_dict(fits, orient="index")
    return table.join(fitted).reset_index()


def varying_parameters(design: pd.DataFrame) -> list[str]:
    """Parameters that take more than one value in the design."""
    return [c for c in design.columns if design[c].nunique() > 1]


def sobol_indices(problem: dict, y: np.ndarray, second_order: bool = False, seed: int = 0) -> pd.DataFrame:
    """First-order and total Sobol indices with confidence intervals (SALib's Saltelli estimators).

    `y` is the model output at the points of `SALib.sample.sobol.sample(problem, N, ...)`, in that
    order. Returns one row per parameter: S1, S1_conf, ST, ST_conf (half-widths of the
    SOBOL_CONF_LEVEL bootstrap intervals, SOBOL_RESAMPLES resamples).
    """
    from SALib.analyze import sobol

    result = sobol.analyze(
        problem,
        np.asarray(y, dtype=float),
        calc_second_order=second_order,
        num_resamples=SOBOL_RESAMPLES,
        conf_level=SOBOL_CONF_LEVEL,
        seed=seed,
    )
    return pd.DataFrame(
        {
            "parameter": problem["names"],
            "S1": result["S1"],
            "S1_conf": result["S1_conf"],
            "ST": result["ST"],
            "ST_conf": result["ST_conf"],
        }
    )


def sobol_table(sweep: SweepSpec, points: pd.DataFrame, metrics: tuple[str, ...]) -> tuple[pd.DataFrame, list[str]]:
    """Sobol indices of each metric's point means; metrics that cannot be analysed are noted instead."""
    problem = salib_problem(sweep)
    frames, notes = [], []
    for metric in metrics:
        y = points[f"{metric}_mean"].to_numpy(dtype=float)
        if not np.isfinite(y).all():
            notes.append(f"sobol: {metric} skipped: {int((~np.isfinite(y)).sum())} point(s) have no finished run")
            continue
        if np.ptp(y) == 0:
            notes.append(f"sobol: {metric} skipped: the same value at every point")
            continue
        table = sobol_indices(problem, y, sweep.design.second_order, sweep.seed)
        frames.append(table.assign(metric=metric))
    if not frames:
        return pd.DataFrame(columns=["metric", "parameter", "S1", "S1_conf", "ST", "ST_conf"]), notes
    table = pd.concat(frames, ignore_index=True)
    return table[["metric", "parameter", "S1", "S1_conf", "ST", "ST_conf"]], notes


# ==================================================================================================
# The whole analysis
# ==================================================================================================
def run(results_dir: str | Path) -> AnalysisResult:
    """The analysis of a sweep's results folder: per-point tables, Bass fits, Sobol indices (see module doc).

    Unreadable run files are left out and named in the notes (`wom sweep` moves them aside and runs
    them again on resume).
    """
    results_dir = Path(results_dir)
    if not (results_dir / SPEC_COPY).is_file():
        raise SweepSpecError(
            f"{results_dir}: not a sweep results folder (no {SPEC_COPY}); "
            "give the folder `wom sweep` wrote, e.g. results/<name>"
        )
    spec = load_spec(results_dir / SPEC_COPY)
    design = read_design(results_dir)
    notes = [f"{bad}: unreadable run file left out; `wom sweep` runs it again" for bad in corrupt_files(results_dir)]
    runs = read_runs(results_dir)
    if runs.empty:
        raise SweepSpecError(f"{results_dir}: no runs written yet; run `wom sweep` first")
    expected = len(design) * spec.replicates
    if len(runs) < expected:
        notes.append(f"{len(runs)} of {expected} runs present: the sweep is incomplete")
    failed = int((runs["status"] != STATUS_OK).sum())
    if failed:
        notes.append(f"{failed} run(s) failed and are left out (see the error column of runs/)")
    metrics = [m for m in metric_names() if m in runs.columns]
    points = point_table(runs, design, metrics)
    ok = runs[runs["status"] == STATUS_OK]
    timeseries = read_timeseries(results_dir, columns=["point", "time", "adopted_total"])
    varying = varying_parameters(design)
    result = AnalysisResult(
        results_dir,
        spec.name,
        points,
        bass_table(timeseries, ok, design),
        float(runs["days"].max()),
        spec.replicates,
        varying,
        heatmap_axes=tuple(varying) if spec.design.kind == "grid" and len(varying) == 2 else None,
        notes=notes,
    )
    if spec.design.kind == "sobol":
        result.sobol, sobol_notes = sobol_table(spec, points, HEADLINE_METRICS)
        result.notes += sobol_notes
    return result


def write_outputs(
    result: AnalysisResult, draw: Callable[[AnalysisResult, Path], list[Path]] | None = None
) -> list[Path]:
    """Write points.csv, bass.csv (sobol.csv) and what `draw` adds (the charts) into results_dir/analysis/,
    all at once (sim.run.io.atomic_directory; a previous analysis is replaced)."""
    out = result.results_dir / ANALYSIS_DIR
    with atomic_directory(out, ANALYSIS_KIND, force=True) as tmp:
        tables = {"points.csv": result.points, "bass.csv": result.bass}
        if result.sobol is not None:
            tables["sobol.csv"] = result.sobol
        for name, frame in tables.items():
            frame.to_csv(tmp / name, index=False)
        drawn = draw(result, tmp) if draw is not None else []
        names = [*tables, *(p.name for p in drawn)]
    return [out / name for name in names]

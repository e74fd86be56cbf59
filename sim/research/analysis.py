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
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import matplotlib.pyplot as plt  # noqa: E402  (after sim.viz.charts chose the backend)
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter  # noqa: E402

from sim.research.sweep import (
    EXPERIMENT_COPY,
    STATUS_OK,
    Experiment,
    ExperimentError,
    load_experiment,
    metric_names,
    read_design,
    read_runs,
    read_timeseries,
    salib_problem,
)
from sim.run.metrics import BAND_LEVEL, MILESTONES, fit_bass, mean_and_band
from sim.viz.charts import (  # sim.viz.charts selects the Agg backend
    BAND_ALPHA,
    FIGSIZE,
    GRID_ALPHA,
    LINE_WIDTH,
    save_figure,
)

ANALYSIS_DIR = "analysis"
#: Metrics drawn in heatmaps, metric charts and the Sobol chart (all metrics go to points.csv).
HEADLINE_METRICS = ("final_adoption", "time_to_10pct", "time_to_50pct", "peak_adoption_rate")
#: Milestone metrics censored at the horizon when never reached.
MILESTONE_METRICS = tuple(MILESTONES)
#: Metrics that are shares of people: shown as percentages.
SHARE_METRICS = ("final_adoption", "fan_share", "detractor_share")
#: Metrics where lower is better: drawn with a reversed colour map so that "better" is always brighter.
LOWER_IS_BETTER = (*MILESTONE_METRICS, "peak_time", "cost_per_adopter")
METRIC_LABELS = {
    "final_adoption": "Final adoption (% of population)",
    "time_to_10pct": "Days to 10% adoption",
    "time_to_50pct": "Days to 50% adoption",
    "peak_adoption_rate": "Peak adoption rate (people / day)",
}
HEATMAP_CMAP = "viridis"
#: Figure sizes: a heatmap, one metric-vs-parameter panel, one Sobol panel.
HEATMAP_FIGSIZE = (9, 6)
PANEL_SIZE = (4.2, 3.6)
#: Extra figure height (inches) for a multi-line title above a row of panels.
TITLE_ROOM_IN = 0.6
#: Characters of a 12-point title per inch of figure width, to wrap titles that would be cut off.
TITLE_CHARS_PER_INCH = 10
MAX_PANEL_COLUMNS = 4
#: Cells whose colour is darker than this (0-1 luminance) get white annotations.
DARK_CELL_LUMINANCE = 0.5
HEATMAP_FONT_SIZE = 8
#: Vertical position (axes fraction) of a chart's footnote: below the x label.
FOOTNOTE_Y = -0.12
#: Marker of points whose milestone some replicate never reached (censored at the horizon).
CENSORED_MARK = "*"
SCATTER_SIZE = 18
POINT_COLOR = "tab:blue"
SCATTER_ALPHA = 0.8
ERRORBAR_ALPHA = 0.25
#: Sobol: confidence level of the bootstrap intervals and number of bootstrap resamples.
SOBOL_CONF_LEVEL = 0.95
SOBOL_RESAMPLES = 1000
SOBOL_COLORS = {"S1": "tab:blue", "ST": "tab:orange"}
SOBOL_BAR_WIDTH = 0.38
ERRORBAR_CAPSIZE = 3


@dataclass
class AnalysisResult:
    """Files written by `analyze`, and notes on what could not be done and why."""

    files: list[Path] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)


# ==================================================================================================
# Tables
# ==================================================================================================
def metric_label(metric: str) -> str:
    """Axis label of a metric."""
    return METRIC_LABELS.get(metric, metric.replace("_", " "))


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
        fits[point] = fit.as_dict() | {"m_share": fit.m / population.get(point, math.nan)}
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


def sobol_table(
    experiment: Experiment, points: pd.DataFrame, metrics: tuple[str, ...]
) -> tuple[pd.DataFrame, list[str]]:
    """Sobol indices of each metric's point means; metrics that cannot be analysed are noted instead."""
    problem = salib_problem(experiment)
    frames, notes = [], []
    for metric in metrics:
        y = points[f"{metric}_mean"].to_numpy(dtype=float)
        if not np.isfinite(y).all():
            notes.append(f"sobol: {metric} skipped: {int((~np.isfinite(y)).sum())} point(s) have no finished run")
            continue
        if np.ptp(y) == 0:
            notes.append(f"sobol: {metric} skipped: the same value at every point")
            continue
        table = sobol_indices(problem, y, experiment.design.second_order, experiment.seed)
        frames.append(table.assign(metric=metric))
    if not frames:
        return pd.DataFrame(columns=["metric", "parameter", "S1", "S1_conf", "ST", "ST_conf"]), notes
    table = pd.concat(frames, ignore_index=True)
    return table[["metric", "parameter", "S1", "S1_conf", "ST", "ST_conf"]], notes


# ==================================================================================================
# Charts
# ==================================================================================================
def _format_value(metric: str, value: float) -> str:
    """A cell or tick label: percentages for shares, whole days for milestones, 3 significant digits otherwise."""
    if not np.isfinite(value):
        return "n/a"
    if metric in SHARE_METRICS:
        return f"{value:.0%}"
    if metric in MILESTONE_METRICS:
        return f"{value:.0f}"
    return f"{value:.3g}"


def _cmap(metric: str) -> str:
    """Colour map: brighter is better."""
    return f"{HEATMAP_CMAP}_r" if metric in LOWER_IS_BETTER else HEATMAP_CMAP


def _censoring_note(points: pd.DataFrame, metric: str, horizon: float) -> tuple[pd.Series, str]:
    """Which points have a censored milestone, and the footnote explaining the mark."""
    column = f"{metric}_reached"
    if column not in points:
        return pd.Series(False, index=points.index), ""
    censored = points[column] < 1
    if not censored.any():
        return censored, ""
    return censored, (f"{CENSORED_MARK} some replicates never reached it; they count as the horizon ({horizon:g} days)")


def plot_heatmap(
    points: pd.DataFrame, x: str, y: str, metric: str, path: Path, horizon: float, replicates: int, title: str = ""
) -> Path:
    """Mean of `metric` over a two-parameter grid: `x` across, `y` up, each cell annotated."""
    grid = points.pivot_table(index=y, columns=x, values=f"{metric}_mean", aggfunc="mean").sort_index()
    censored, footnote = _censoring_note(points, metric, horizon)
    marks = points.assign(_c=censored).pivot_table(index=y, columns=x, values="_c", aggfunc="max").reindex_like(grid)
    fig, ax = plt.subplots(figsize=HEATMAP_FIGSIZE)
    image = ax.imshow(grid.to_numpy(dtype=float), origin="lower", aspect="auto", cmap=_cmap(metric))
    cmap, norm = image.get_cmap(), image.norm
    for (i, j), value in np.ndenumerate(grid.to_numpy(dtype=float)):
        text = _format_value(metric, value) + (CENSORED_MARK if bool(marks.iat[i, j]) else "")
        dark = np.isfinite(value) and _luminance(cmap(norm(value))) < DARK_CELL_LUMINANCE
        ax.text(j, i, text, ha="center", va="center", fontsize=HEATMAP_FONT_SIZE, color="white" if dark else "black")
    ax.set_xticks(range(grid.shape[1]), [f"{v:g}" if isinstance(v, float) else str(v) for v in grid.columns])
    ax.set_yticks(range(grid.shape[0]), [f"{v:g}" if isinstance(v, float) else str(v) for v in grid.index])
    ax.set_xlabel(x)
    ax.set_ylabel(y)
    colorbar = fig.colorbar(image, ax=ax)
    colorbar.set_label(metric_label(metric))
    if metric in SHARE_METRICS:
        colorbar.ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title(f"{metric_label(metric)}: mean of {replicates} replicates per cell" + (f"\n{title}" if title else ""))
    if footnote:  # an axes text, so that tight_layout keeps room for it under the x label
        ax.text(0.0, FOOTNOTE_Y, footnote, transform=ax.transAxes, fontsize=HEATMAP_FONT_SIZE, ha="left", va="top")
    return save_figure(fig, path)


def _luminance(rgba) -> float:
    """Perceived brightness (0-1) of an RGBA colour, to pick readable text on it."""
    r, g, b = rgba[:3]
    return 0.299 * r + 0.587 * g + 0.114 * b


def _panel_grid(n: int) -> tuple[plt.Figure, list]:
    """A figure with n panels in rows of at most MAX_PANEL_COLUMNS (a single panel gets the usual size)."""
    cols = min(n, MAX_PANEL_COLUMNS)
    rows = math.ceil(n / cols)
    size = FIGSIZE if n == 1 else (PANEL_SIZE[0] * cols, PANEL_SIZE[1] * rows + TITLE_ROOM_IN)
    fig, axes = plt.subplots(rows, cols, figsize=size, squeeze=False, sharey=True)
    flat = list(axes.flat)
    for ax in flat[n:]:
        ax.set_visible(False)
    return fig, flat[:n]


def wrapped_suptitle(fig: plt.Figure, lines: list[str]) -> None:
    """A figure title, each line wrapped to the figure's width."""
    width = int(fig.get_figwidth() * TITLE_CHARS_PER_INCH)
    fig.suptitle("\n".join(textwrap.fill(line, width) for line in lines if line))


def plot_metric_vs_parameters(
    points: pd.DataFrame, parameters: list[str], metric: str, path: Path, horizon: float, title: str = ""
) -> Path:
    """Point means of `metric` against each varied parameter, with the 90% interval of replicates.

    One parameter: a line through the means and a shaded band. Several (lhs, sobol): one scatter
    panel per parameter, the interval as faint error bars. Points where some replicate never reached
    a milestone (censored at the horizon) are drawn hollow.
    """
    censored, footnote = _censoring_note(points, metric, horizon)
    # A line only makes sense through distinct x values (Saltelli samples repeat values).
    line = len(parameters) == 1 and points[parameters[0]].is_unique
    fig, axes = _panel_grid(len(parameters))
    for ax, parameter in zip(axes, parameters):
        data = points.assign(_censored=censored).sort_values(parameter)
        x, mean = data[parameter], data[f"{metric}_mean"]
        lo, hi = data[f"{metric}_lo"], data[f"{metric}_hi"]
        if line:
            ax.plot(x, mean, color=POINT_COLOR, lw=LINE_WIDTH, label="mean")
            ax.fill_between(x, lo, hi, color=POINT_COLOR, alpha=BAND_ALPHA, lw=0, label=f"{BAND_LEVEL:.0%} interval")
        else:
            ax.errorbar(x, mean, yerr=[mean - lo, hi - mean], fmt="none", ecolor=POINT_COLOR, alpha=ERRORBAR_ALPHA)
        full = ~data["_censored"]
        ax.scatter(x[full], mean[full], s=SCATTER_SIZE, color=POINT_COLOR, alpha=SCATTER_ALPHA)
        ax.scatter(x[~full], mean[~full], s=SCATTER_SIZE, facecolors="none", edgecolors=POINT_COLOR)
        ax.set_xlabel(parameter)
        ax.grid(alpha=GRID_ALPHA)
        if metric in SHARE_METRICS:
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    if line:
        axes[0].legend(loc="best")
    axes[0].set_ylabel(metric_label(metric))
    wrapped_suptitle(
        fig,
        [
            f"{metric_label(metric)} by parameter: point means, bars/band = {BAND_LEVEL:.0%} of replicates",
            f"hollow points: {footnote.removeprefix(CENSORED_MARK).strip()}" if footnote else "",
            title,
        ],
    )
    return save_figure(fig, path)


def plot_sobol(table: pd.DataFrame, path: Path, title: str = "") -> Path:
    """Bars of first-order (S1) and total (ST) indices per parameter, one panel per metric, with CIs."""
    metrics = list(dict.fromkeys(table["metric"]))
    fig, axes = _panel_grid(len(metrics))
    for ax, metric in zip(axes, metrics):
        rows = table[table["metric"] == metric]
        x = np.arange(len(rows))
        for index, offset in (("S1", -0.5), ("ST", 0.5)):
            ax.bar(
                x + offset * SOBOL_BAR_WIDTH,
                rows[index],
                SOBOL_BAR_WIDTH,
                yerr=rows[f"{index}_conf"],
                capsize=ERRORBAR_CAPSIZE,
                color=SOBOL_COLORS[index],
                label={"S1": "first order (S1)", "ST": "total (ST)"}[index],
            )
        ax.set_xticks(x, rows["parameter"], rotation=20, ha="right")
        ax.axhline(0, color="black", lw=0.8)
        ax.set_title(metric_label(metric))
        ax.grid(axis="y", alpha=GRID_ALPHA)
    axes[0].set_ylabel("Sobol index (share of output variance)")
    axes[0].legend(loc="upper right")
    wrapped_suptitle(fig, [f"Sobol sensitivity indices, error bars = {SOBOL_CONF_LEVEL:.0%} bootstrap interval", title])
    return save_figure(fig, path)


# ==================================================================================================
# The whole analysis
# ==================================================================================================
def analyze(results_dir: str | Path) -> AnalysisResult:
    """Write points.csv, bass.csv and the charts of a sweep into results_dir/analysis/ (see module doc)."""
    results_dir = Path(results_dir)
    if not (results_dir / EXPERIMENT_COPY).is_file():
        raise ExperimentError(
            f"{results_dir}: not a sweep results folder (no {EXPERIMENT_COPY}); "
            "give the folder `wom sweep` wrote, e.g. results/<name>"
        )
    experiment = load_experiment(results_dir / EXPERIMENT_COPY)
    design = read_design(results_dir)
    runs = read_runs(results_dir)
    if runs.empty:
        raise ExperimentError(f"{results_dir}: no runs written yet; run `wom sweep` first")
    out = results_dir / ANALYSIS_DIR
    out.mkdir(exist_ok=True)
    result = AnalysisResult()
    expected = len(design) * experiment.replicates
    if len(runs) < expected:
        result.notes.append(f"{len(runs)} of {expected} runs present: the sweep is incomplete")
    failed = int((runs["status"] != STATUS_OK).sum())
    if failed:
        result.notes.append(f"{failed} run(s) failed and are left out (see the error column of runs/)")

    metrics = [m for m in metric_names() if m in runs.columns]
    points = point_table(runs, design, metrics)
    result.files.append(_write_csv(points, out / "points.csv"))
    ok = runs[runs["status"] == STATUS_OK]
    timeseries = read_timeseries(results_dir, columns=["point", "time", "adopted_total"])
    result.files.append(_write_csv(bass_table(timeseries, ok, design), out / "bass.csv"))

    title = experiment.name
    horizon = float(runs["days"].max())
    varying = varying_parameters(design)
    if experiment.design.kind == "grid" and len(varying) == 2:
        x, y = varying
        for metric in HEADLINE_METRICS:
            result.files.append(
                plot_heatmap(points, x, y, metric, out / f"heatmap_{metric}.png", horizon, experiment.replicates, title)
            )
    elif varying:
        for metric in HEADLINE_METRICS:
            result.files.append(
                plot_metric_vs_parameters(points, varying, metric, out / f"metric_{metric}.png", horizon, title)
            )
    if experiment.design.kind == "sobol":
        table, notes = sobol_table(experiment, points, HEADLINE_METRICS)
        result.notes += notes
        result.files.append(_write_csv(table, out / "sobol.csv"))
        if not table.empty:
            result.files.append(plot_sobol(table, out / "sobol.png", title))
    return result


def _write_csv(frame: pd.DataFrame, path: Path) -> Path:
    """Write a table without its index; returns the path."""
    frame.to_csv(path, index=False)
    return path

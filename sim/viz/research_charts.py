"""Charts of the research tools: sweep analyses, attribution, Bass fits, calibration and claims.

The research modules (sim.research) compute tables and results; the functions here draw them, in the
look of sim.viz.charts (which also selects matplotlib's headless Agg backend). Every function writes
one PNG and returns its path; `draw_*` functions write all charts of a result into a folder, and are
what the commands pass to the research writers so the charts land in the same atomic output.
"""

from __future__ import annotations

import math
import shutil
import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.ticker import PercentFormatter
from scipy.stats import norm

from sim.research.attribution.method import (
    ATTRIBUTED_METRICS,
    FACTORS,
    MILESTONE,
    Attribution,
    Combination,
    all_combinations,
    brand_attributed,
    combo_label,
    display,
)
from sim.research.calibrate.bass import CURVE_POINTS, Calibration, TargetSeries, bass_curve
from sim.research.claims.method import CHARTS_DIR, HEADLINE_CHART, ClaimResult, headline_point
from sim.research.claims.metrics import MAX_TITLE_CHARS, chart_label
from sim.research.claims.spec import point_label, point_slug
from sim.research.sweep.analysis import (
    HEADLINE_METRICS,
    MILESTONE_METRICS,
    SOBOL_CONF_LEVEL,
    AnalysisResult,
)
from sim.run.bass_fit import BassFit
from sim.run.metrics import BAND_LEVEL, METRICS, metric_label
from sim.viz.charts import (
    BAND_ALPHA,
    COLORS,
    FIGSIZE,
    FIGSIZE_WIDE,
    GRID_ALPHA,
    LINE_WIDTH,
    TIME_LABEL,
    plot_comparison,
    save_figure,
)

# --- Sweep analysis ------------------------------------------------------------------------------
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
SOBOL_COLORS = {"S1": "tab:blue", "ST": "tab:orange"}
SOBOL_BAR_WIDTH = 0.38
ERRORBAR_CAPSIZE = 3

# --- Attribution ---------------------------------------------------------------------------------
#: Error bars: normal interval of the same coverage as the bands elsewhere (90%).
Z_BAND = float(norm.ppf((1 + BAND_LEVEL) / 2))
FACTOR_COLORS = {"engine": "tab:red", "accelerator": "tab:blue", "relationship_chain": "tab:green"}
BAR_FIGSIZE = (13, 4.8)
ATTRIBUTION_CAPSIZE = 4
#: Room beyond the longest bar for its value label (fraction of the axis span).
LABEL_MARGIN = 0.25
#: Marker size of observed data points in the fit and calibration charts.
DATA_MARKER_SIZE = 3
REFERENCE_WIDTH = 1.5


# ==================================================================================================
# Sweep analysis
# ==================================================================================================
def _is_share(metric: str) -> bool:
    """Whether a metric is a fraction, shown in percent (sim.run.metrics.METRICS)."""
    return metric in METRICS and METRICS[metric].share


def _format_value(metric: str, value: float) -> str:
    """A cell or tick label: percentages for shares, whole days for milestones, 3 significant digits otherwise."""
    if not np.isfinite(value):
        return "n/a"
    if _is_share(metric):
        return f"{value:.0%}"
    if metric in MILESTONE_METRICS:
        return f"{value:.0f}"
    return f"{value:.3g}"


def _cmap(metric: str) -> str:
    """Colour map: brighter is better."""
    return f"{HEATMAP_CMAP}_r" if metric in METRICS and METRICS[metric].lower_is_better else HEATMAP_CMAP


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
    if _is_share(metric):
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
        if _is_share(metric):
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


def draw_analysis(result: AnalysisResult, folder: Path) -> list[Path]:
    """Heatmaps (a two-parameter grid) or metric-vs-parameter charts, and the Sobol chart, into `folder`."""
    files = []
    title, horizon = result.title, result.horizon
    if result.heatmap_axes:
        x, y = result.heatmap_axes
        for metric in HEADLINE_METRICS:
            files.append(
                plot_heatmap(
                    result.points, x, y, metric, folder / f"heatmap_{metric}.png", horizon, result.replicates, title
                )
            )
    elif result.varying:
        for metric in HEADLINE_METRICS:
            files.append(
                plot_metric_vs_parameters(
                    result.points, result.varying, metric, folder / f"metric_{metric}.png", horizon, title
                )
            )
    if result.sobol is not None and not result.sobol.empty:
        files.append(plot_sobol(result.sobol, folder / "sobol.png", title))
    return files


# ==================================================================================================
# Attribution
# ==================================================================================================
def _level_text(result: Attribution, combo: Combination, metric: str) -> str:
    """A combination's mean as text: '72.8%' (a share) or '96 d'; '>= 365 d' when some replicate never got there."""
    if metric != MILESTONE:
        return f"{result.mean(combo, metric):.1%}"
    censored = np.mean(result.values[combo][f"{MILESTONE}_reached"]) < 1
    return f"{'>= ' if censored else ''}{result.mean(combo, metric):.0f} d"


def plot_attribution(result: Attribution, path: Path) -> Path:
    """Bars of each factor's Shapley value for both metrics (and a chosen brand's final share), with 90% error
    bars and value labels."""
    full, none = frozenset(FACTORS), frozenset()
    shown = (*ATTRIBUTED_METRICS, *brand_attributed(result.brand)[:1])
    fig, axes = plt.subplots(1, len(shown), figsize=(BAR_FIGSIZE[0] * len(shown) / 2, BAR_FIGSIZE[1]))
    for ax, metric in zip(axes, shown):
        scale, unit = display(metric)
        vals = np.array([result.shapley[f][metric] for f in FACTORS]) * scale
        errs = np.array([result.standard_errors[f][metric] for f in FACTORS]) * scale * Z_BAND
        y = np.arange(len(FACTORS))
        ax.barh(
            y,
            vals,
            xerr=np.nan_to_num(errs),
            capsize=ATTRIBUTION_CAPSIZE,
            color=[FACTOR_COLORS.get(f, "gray") for f in FACTORS],
        )
        for yi, v in zip(y, vals):
            ax.annotate(
                f"{v:+.1f}{unit}",
                (v, yi),
                xytext=(6 if v >= 0 else -6, 8),
                textcoords="offset points",
                ha="left" if v >= 0 else "right",
                va="bottom",
            )
        ax.set_yticks(y, [f.replace("_", " ") for f in FACTORS])
        ax.invert_yaxis()
        ax.axvline(0, color="black", lw=0.8)
        lo, hi = ax.get_xlim()
        span = hi - lo
        ax.set_xlim(lo - LABEL_MARGIN * span * (lo < 0), hi + LABEL_MARGIN * span * (hi > 0))
        ax.grid(axis="x", alpha=GRID_ALPHA)
        change = (result.mean(full, metric) - result.mean(none, metric)) * scale
        censored = metric == MILESTONE and any(np.mean(v[f"{MILESTONE}_reached"]) < 1 for v in result.values.values())
        ax.set_title(
            f"{metric_label(metric)}\nbaseline {_level_text(result, none, metric)} -> scenario "
            f"{_level_text(result, full, metric)} (change {change:+.1f}{unit})"
            + (f"\nnot reaching 50% counts as the horizon, {result.horizon:g} d" if censored else "")
        )
        ax.set_xlabel("Shapley contribution" + (" (negative = faster)" if metric == MILESTONE else ""))
    wrapped_suptitle(
        fig,
        [
            f"Iron-triangle attribution: {result.scenario_name} vs {result.baseline_name}",
            f"{result.replicates} replicates per combination, error bars: {BAND_LEVEL:.0%} interval",
        ],
    )
    return save_figure(fig, path)


def draw_attribution(result: Attribution, folder: Path) -> list[Path]:
    """attribution.png (Shapley bars) and combos.png (mean adoption of each factor combination)."""
    series = {combo_label(c): result.timeseries[c] for c in all_combinations() if c in result.timeseries}
    column = f"owners_{result.brand}" if result.brand else "adopted_total"  # a chosen brand: its owners
    return [
        plot_attribution(result, folder / "attribution.png"),
        plot_comparison(
            series,
            column,
            result.population,
            folder / "combos.png",
            title=f"{result.scenario_name}: the {len(series)} factor combinations",
            ylabel=f"Owners of brand {result.brand} (% of population)"
            if result.brand
            else "Ever adopted (% of population)",
        ),
    ]


# ==================================================================================================
# Bass fits and calibration
# ==================================================================================================
def plot_bass_fit(series: TargetSeries, fit: BassFit, path: Path, reason: str | None = None) -> Path:
    """Data and fitted Bass curve: cumulative (left) and per-period adoptions (right)."""
    t = np.linspace(0.0, series.time.max(), CURVE_POINTS)
    cumulative = series.cumulative_values()
    t_from0 = np.concatenate(([0.0], series.time)) if series.time[0] > 0 else series.time
    observed_increments = np.diff(np.concatenate(([0.0], cumulative)) if series.time[0] > 0 else cumulative)
    fig, (cum_ax, inc_ax) = plt.subplots(1, 2, figsize=FIGSIZE_WIDE)
    cum_ax.plot(series.time, cumulative, "o", ms=DATA_MARKER_SIZE, color=COLORS["adopted"], label="data")
    if reason is None and np.isfinite(fit.p):  # no curve of a fit that is not identified
        cum_ax.plot(t, bass_curve(series, fit, t), color=COLORS["reference"], lw=REFERENCE_WIDTH, label="Bass fit")
        inc_ax.plot(
            t_from0[1:],
            np.diff(bass_curve(series, fit, t_from0)),
            color=COLORS["reference"],
            lw=REFERENCE_WIDTH,
            label="Bass fit",
        )
    inc_ax.plot(t_from0[1:], observed_increments, "o", ms=DATA_MARKER_SIZE, color=COLORS["new_adopters"], label="data")
    cum_ax.set_ylabel("Adopted (people, cumulative)")
    inc_ax.set_ylabel("New adopters per period (people)")
    for ax in (cum_ax, inc_ax):
        ax.set_xlabel(TIME_LABEL)
        ax.grid(alpha=GRID_ALPHA)
        ax.legend(loc="best")
    fig.suptitle(f"Bass fit of {series.path.name}: " + (f"not identified ({reason})" if reason else _fit_text(fit)))
    return save_figure(fig, path)


def _fit_text(fit: BassFit) -> str:
    """'p = 0.0301 ± 0.0012, q = ..., m = ..., R² = ...' or a note when the fit failed."""
    if not np.isfinite(fit.p):
        return "no fit (series too short or flat)"
    return (
        f"p = {fit.p:.4g} ± {fit.p_se:.2g}, q = {fit.q:.4g} ± {fit.q_se:.2g}, "
        f"m = {fit.m:.4g} ± {fit.m_se:.2g} (± standard errors), R² = {fit.r2:.4f}"
    )


def plot_calibration(result: Calibration, path: Path, title: str = "") -> Path:
    """Target series and the calibrated simulation's mean series on the target's grid."""
    target = result.target
    fig, ax = plt.subplots(figsize=FIGSIZE)
    ax.plot(
        target.time,
        target.values,
        "o",
        ms=DATA_MARKER_SIZE,
        color=COLORS["adopted"],
        label=f"target ({target.path.name})",
    )
    ax.plot(
        target.time,
        result.simulated,
        color=COLORS["reference"],
        lw=REFERENCE_WIDTH,
        label="calibrated simulation (mean of replicates)",
    )
    ax.set_xlabel(TIME_LABEL)
    ax.set_ylabel(f"{target.column} (people)")
    ax.grid(alpha=GRID_ALPHA)
    ax.legend(loc="best")
    values = ", ".join(f"{k} = {v:.4g}" for k, v in result.values.items())
    ax.set_title(f"Calibration {title}: {values}\nRMSE {result.rmse:.4g} people ({result.relative_rmse:.2%} of max)")
    return save_figure(fig, path)


# ==================================================================================================
# Claims
# ==================================================================================================
def draw_claim(result: ClaimResult, folder: Path) -> list[Path]:
    """comparison.png (headline point, first chart column) and charts/<column>--<point>.png for all."""
    exp = result.spec
    written = []
    for p, point in enumerate(result.points):
        arms = {arm.label: result.series[(p, a)] for a, arm in enumerate(exp.arms)}
        size = int(result.runs.loc[result.runs["point"] == p, "population"].iloc[0])
        for column in exp.charts:
            short = point_label(point, short=True)
            title = f"{exp.name}, {short}" if len(exp.name) + len(short) <= MAX_TITLE_CHARS else short
            path = folder / CHARTS_DIR / f"{column}--{point_slug(point)}.png"
            written.append(plot_comparison(arms, column, size, path, title=title, ylabel=chart_label(column)))
    first = folder / CHARTS_DIR / f"{exp.charts[0]}--{point_slug(result.points[headline_point(result)])}.png"
    shutil.copyfile(first, folder / HEADLINE_CHART)
    return [folder / HEADLINE_CHART, *written]


# ==================================================================================================
# Standardised effects of a factorial design (experiments/glm/)
# ==================================================================================================
#: Colours of the factors of the strong-tie / weak-tie design: the layers' own colours.
EFFECT_COLORS = {"strong": COLORS["offline"], "weak": COLORS["weibo"], "advertising": COLORS["advertising"]}
#: Legend names of those factors.
EFFECT_NAMES = {
    "strong": "strong ties (offline layer)",
    "weak": "weak ties (forum and Weibo)",
    "advertising": "advertising",
}
#: Horizontal spread of a stage's factors around its tick (in stage units), so the intervals do not overlap.
EFFECT_DODGE = 0.22
#: Markers of those factors, so they read apart in grey too.
EFFECT_MARKERS = {"strong": "o", "weak": "s", "advertising": "^"}
EFFECT_MARKER_SIZE = 7
EFFECT_CAPSIZE = 4
EFFECT_FIGSIZE = (8, 5)


def plot_standardised_effects(
    effects: pd.DataFrame, path: str | Path, labels: dict[str, str] | None = None, title: str = ""
) -> Path:
    """Standardised effects (beta weights) per stage and factor with their intervals: `effects` has the
    columns stage, factor, effect, lo, hi (stages and factors in the order drawn); `labels` names the
    stages on the x axis. Points below zero speed diffusion (a shorter time to the stage)."""
    stages = list(dict.fromkeys(effects["stage"]))
    factors = list(dict.fromkeys(effects["factor"]))
    fig, ax = plt.subplots(figsize=EFFECT_FIGSIZE)
    ax.axhline(0.0, color=COLORS["reference"], lw=1)
    offsets = np.linspace(-EFFECT_DODGE, EFFECT_DODGE, len(factors)) if len(factors) > 1 else [0.0]
    for factor, offset in zip(factors, offsets):
        part = effects[effects["factor"] == factor].set_index("stage").loc[stages]
        x = np.arange(len(stages)) + offset
        color = EFFECT_COLORS.get(factor)
        ax.errorbar(
            x,
            part["effect"],
            yerr=[part["effect"] - part["lo"], part["hi"] - part["effect"]],
            fmt=f"{EFFECT_MARKERS.get(factor, 'o')}-",
            ms=EFFECT_MARKER_SIZE,
            lw=LINE_WIDTH,
            capsize=EFFECT_CAPSIZE,
            color=color,
            label=EFFECT_NAMES.get(factor, factor),
        )
    ax.set_xticks(range(len(stages)), [(labels or {}).get(s, s) for s in stages])
    ax.set_xlabel("stage: time to reach this share of the market")
    ax.set_ylabel("standardised effect on the days to the stage\n(below 0: speeds diffusion)")
    ax.grid(alpha=GRID_ALPHA)
    ax.legend(loc="best")
    if title:
        ax.set_title(title)
    return save_figure(fig, path)

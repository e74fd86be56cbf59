"""The charts of `wom report` (PNG bytes): adoption and new adopters per scenario, funnels, stacked shares."""

from __future__ import annotations

import io
import math
from collections.abc import Callable

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.model.state import FUNNEL_COLUMNS
from sim.run.metrics import BAND_LEVEL, mean_and_band
from sim.viz.charts import (
    BAND_ALPHA,
    COLORS,
    DPI,
    FIGSIZE,
    FUNNEL_LABELS,
    GRID_ALPHA,
    LINE_WIDTH,
    SCENARIO_COLORS,
    TIME_LABEL,
)
from sim.viz.report_inputs import ScenarioResult

#: Small multiples of the funnel per row, and the rows of their legend (under the panels).
FUNNEL_COLUMNS_PER_ROW = 3
FUNNEL_LEGEND_ROWS = 2
SMALL_TITLE_SIZE = 11
#: Smallest text of a report chart (points; matplotlib's default size): MIN_TEXT_PT * DPI / 72 = 16.7 image
#: pixels, so a chart shown at 60% of its size on a phone still has 10 px text (see sim.viz.report).
MIN_TEXT_PT = 10
#: Height of a bar chart: per scenario, plus room for the axis and legend (inches).
BAR_HEIGHT_PER_ROW, BAR_HEIGHT_EXTRA = 0.45, 1.5
#: Channel segments narrower than this share carry no label in the channel chart.
MIN_LABELLED_SHARE = 0.06
#: Smallest chart text on a phone (CSS px): a report shrinks a chart to the page, but never below the
#: width at which its smallest text (MIN_TEXT_PT at DPI) has this size; a narrower screen scrolls it.
MIN_PHONE_TEXT_PX = 10
#: Where a PNG's width (4 bytes, big-endian) sits in its header.
PNG_WIDTH_BYTES = slice(16, 20)


def phone_min_width(png: bytes) -> int:
    """The narrowest a chart may be shown (CSS px) so that its smallest text is MIN_PHONE_TEXT_PX."""
    smallest_px = MIN_TEXT_PT * DPI / 72
    return math.ceil(int.from_bytes(png[PNG_WIDTH_BYTES], "big") * MIN_PHONE_TEXT_PX / smallest_px)


def _fig_png(fig: Figure, layout: bool = True) -> bytes:
    """A figure as PNG bytes at the run charts' resolution, cropped to what is drawn (nothing is cut).

    `layout` runs a tight layout first; pass False when the figure is already laid out.
    """
    buf = io.BytesIO()
    if layout:
        fig.tight_layout()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    return buf.getvalue()


def comparison_chart(
    scenarios: list[ScenarioResult], name: str, ylabel: str, share: Callable[[pd.DataFrame, ScenarioResult], pd.Series]
) -> bytes:
    """Mean and band over replicates of a per-step share of the population, one line per scenario.

    Like sim.viz.charts.plot_comparison, but each scenario is divided by its own population and the legend
    sits right of the axes in one column, so that many or long scenario labels stay readable.
    """
    fig = Figure(figsize=FIGSIZE)
    ax = fig.add_subplot()
    for i, s in enumerate(scenarios):
        color = SCENARIO_COLORS[i % len(SCENARIO_COLORS)]
        stats = mean_and_band(s.timeseries.assign(value=share(s.timeseries, s)), "value")
        ax.plot(stats["time"], stats["mean"], color=color, lw=LINE_WIDTH, label=s.label)
        if s.replicates > 1:
            ax.fill_between(stats["time"], stats["lo"], stats["hi"], color=color, alpha=BAND_ALPHA, lw=0)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(TIME_LABEL)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=GRID_ALPHA)
    ax.set_title(name)
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        frameon=False,
        fontsize=MIN_TEXT_PT,
        title=f"mean, {BAND_LEVEL:.0%} band",
        title_fontsize=MIN_TEXT_PT,
    )
    return _fig_png(fig, layout=False)


def adoption_chart(scenarios: list[ScenarioResult]) -> bytes:
    """Share who ever adopted, mean and band per scenario."""
    return comparison_chart(
        scenarios, "Ever adopted", "Ever adopted (% of population)", lambda ts, s: ts["adopted_total"] / s.population
    )


def new_adopters_chart(scenarios: list[ScenarioResult]) -> bytes:
    """New adopters per day as a share of the population, mean and band per scenario."""

    def per_day(ts: pd.DataFrame, s: ScenarioResult) -> pd.Series:
        step = np.diff(np.sort(ts["time"].unique()))
        return ts["new_adopters"] / (step[0] if len(step) else 1.0) / s.population

    return comparison_chart(scenarios, "New adopters per day", "New adopters per day (% of population)", per_day)


def funnel_chart(scenarios: list[ScenarioResult]) -> bytes:
    """Small multiples: the mean funnel over time of every scenario, on shared axes.

    The legend sits under the panels (constrained layout keeps it outside them): a legend beside or
    over the stacked areas would cover data and hide the swatches of the colours behind it.
    """
    cols = min(FUNNEL_COLUMNS_PER_ROW, len(scenarios))
    rows = math.ceil(len(scenarios) / cols)
    fig = Figure(figsize=(4.2 * cols, 3.0 * rows + 0.8), layout="constrained")
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
    for ax, s in zip(axes.flat, scenarios):
        means = s.timeseries.groupby("time", sort=True)[list(FUNNEL_COLUMNS)].mean() / s.population
        ax.stackplot(
            means.index,
            *(means[c] for c in FUNNEL_COLUMNS),
            colors=[COLORS[c] for c in FUNNEL_COLUMNS],
            labels=[FUNNEL_LABELS[c] for c in FUNNEL_COLUMNS],
            lw=0,
        )
        ax.set_title(s.label, fontsize=SMALL_TITLE_SIZE)
        ax.set_ylim(0, 1)
        ax.set_xlim(means.index.min(), means.index.max())
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.grid(alpha=GRID_ALPHA)
    for ax in axes.flat[len(scenarios) :]:
        ax.set_visible(False)
    for col in range(cols):  # the lowest panel of each column carries the time axis
        lowest = axes[(len(scenarios) - 1 - col) // cols, col] if col < len(scenarios) else None
        if lowest is not None:
            lowest.xaxis.set_tick_params(labelbottom=True)
            lowest.set_xlabel(TIME_LABEL)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(
        handles,
        labels,
        loc="outside lower center",
        ncols=math.ceil(len(labels) / FUNNEL_LEGEND_ROWS),
        frameon=False,
        fontsize=MIN_TEXT_PT,
    )
    return _fig_png(fig, layout=False)


def stacked_bars_chart(rows: dict[str, pd.Series], colors: dict[str, str], names: dict[str, str], xlabel: str) -> bytes:
    """One horizontal bar per scenario, split into shares (labelled when wide enough)."""
    labels = list(rows)
    keys = [k for k in colors if any(rows[r].get(k, 0) > 0 for r in labels)]
    fig = Figure(figsize=(9, BAR_HEIGHT_PER_ROW * len(labels) + BAR_HEIGHT_EXTRA))
    ax = fig.add_subplot()
    left = np.zeros(len(labels))
    for k in keys:
        width = np.array([rows[r].get(k, 0.0) for r in labels])
        bars = ax.barh(labels, width, left=left, color=colors[k], label=names.get(k, k))
        ax.bar_label(
            bars,
            labels=[f"{w:.0%}" if w >= MIN_LABELLED_SHARE else "" for w in width],
            label_type="center",
            fontsize=MIN_TEXT_PT,
            color="white" if k in DARK_SEGMENTS else "black",
        )
        left += width
    ax.invert_yaxis()
    ax.set_xlim(0, max(1.0, left.max()))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(xlabel)
    ax.legend(
        loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=min(len(keys), 7), frameon=False, fontsize=MIN_TEXT_PT
    )
    return _fig_png(fig)


#: Segments dark enough to need white labels.
DARK_SEGMENTS = {"seed", "rejecters", "detractors", "offline", "forum", "official"}


def attribution_chart(scenarios: list[ScenarioResult]) -> bytes | None:
    """Grouped bars: each factor's effect on final adoption (points), per scenario with attribution."""
    rows = {s.label: s.attribution["factors"] for s in scenarios if s.attribution}
    factors = list(dict.fromkeys(f for factors in rows.values() for f in factors))  # in the files' order
    if not factors:
        return None
    fig = Figure(figsize=(9, 0.5 * len(factors) * max(1, len(rows)) + 1.5))
    ax = fig.add_subplot()
    height = 0.8 / len(rows)
    y = np.arange(len(factors))
    for i, (label, fs) in enumerate(rows.items()):
        values = [100 * float(fs.get(f, {}).get("final_adoption", 0) or 0) for f in factors]
        ax.barh(y + i * height, values, height, label=label, color=SCENARIO_COLORS[i % len(SCENARIO_COLORS)])
    ax.set_yticks(y + height * (len(rows) - 1) / 2, [f.replace("_", " ") for f in factors])
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("Effect on final adoption (percentage points)")
    ax.grid(axis="x", alpha=GRID_ALPHA)
    ax.legend(frameon=False, fontsize=MIN_TEXT_PT)
    return _fig_png(fig)

"""The report's section on competing brands (issue 26, part 6): `wom report` compares market shares.

Shown only when an input is a market of two brands or more (its time series has `owners_<brand>` columns,
sim.model.brands); a report of one-brand runs has no such section and is unchanged. For each such scenario
and brand: the final and the peak market share (`share_final_<brand>`, `share_peak_<brand>` of the metric
registry, sim.run.brand_metrics.BRAND_METRICS), and its final owners as a share of the population
(`owners_final_<brand>`): mean and 90% interval over replicates when the input has several,
and a chart of each brand's share over time (small multiples, one panel per market, mean and 90% band).
A brand's market share is its current owners over the owners of every brand (sim.run.series_metrics).
"""

from __future__ import annotations

import html
from collections.abc import Callable

import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.run.metrics import BAND_LEVEL, mean_and_band
from sim.run.series_metrics import OWNERS_PREFIX, brand_names
from sim.viz.charts import BAND_ALPHA, DPI, GRID_ALPHA, LINE_WIDTH, SCENARIO_COLORS, TIME_LABEL
from sim.viz.report_charts import FUNNEL_COLUMNS_PER_ROW, SMALL_TITLE_SIZE, _fig_png
from sim.viz.report_inputs import ScenarioResult, metric

#: Size of one market's panel (inches) and the room under the panels for the brands' legend.
PANEL_W, PANEL_H, LEGEND_H = 4.6, 3.2, 0.7
#: The share metrics of the table, in column order: every per-brand share metric of the registry (the brands'
#: NPV, a money figure, is in the report's money section), and their headings.
SHARE_METRICS = ("share_final", "share_peak", "owners_final")
SHARE_HEADINGS = {
    "share_final": "Final share",
    "share_peak": "Peak share",
    "owners_final": "Final owners (% of population)",
}


def markets(scenarios: list[ScenarioResult]) -> list[tuple[ScenarioResult, list[str]]]:
    """The inputs that are markets of two brands or more, each with its brands in file order."""
    return [(s, names) for s in scenarios if (names := brand_names(s.timeseries.columns))]


def share_series(s: ScenarioResult, brands: list[str]) -> pd.DataFrame:
    """replicate, time and each brand's market share at every step (0 while nobody owns any brand)."""
    ts = s.timeseries
    owners = ts[[OWNERS_PREFIX + b for b in brands]].to_numpy(dtype=float)
    total = owners.sum(axis=1, keepdims=True)
    shares = owners / (total + (total == 0))
    return pd.DataFrame(shares, columns=brands).assign(replicate=ts["replicate"].to_numpy(), time=ts["time"].to_numpy())


def brand_colors(found: list[tuple[ScenarioResult, list[str]]]) -> dict[str, str]:
    """One colour per brand name across every market (a brand of the same name has the same colour)."""
    names = list(dict.fromkeys(b for _, brands in found for b in brands))
    return {b: SCENARIO_COLORS[i % len(SCENARIO_COLORS)] for i, b in enumerate(names)}


def shares_chart(found: list[tuple[ScenarioResult, list[str]]]) -> bytes:
    """Each market's brands' shares over time (mean and band over replicates), one panel per market."""
    colors = brand_colors(found)
    cols = min(len(found), FUNNEL_COLUMNS_PER_ROW)
    rows = -(-len(found) // cols)
    fig = Figure(figsize=(PANEL_W * cols, PANEL_H * rows + LEGEND_H), dpi=DPI)
    axes = fig.subplots(rows, cols, squeeze=False, sharey=True)
    handles = {}
    for ax, (s, brands) in zip(axes.flat, found):
        shares = share_series(s, brands)
        for b in brands:
            band = mean_and_band(shares, b)
            (handles[b],) = ax.plot(band["time"], band["mean"], color=colors[b], lw=LINE_WIDTH)
            if s.replicates > 1:
                ax.fill_between(band["time"], band["lo"], band["hi"], color=colors[b], alpha=BAND_ALPHA, lw=0)
        ax.set_title(s.label, fontsize=SMALL_TITLE_SIZE, loc="left")
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_xlabel(TIME_LABEL)
        ax.grid(alpha=GRID_ALPHA)
    for ax in axes.flat[len(found) :]:
        ax.set_visible(False)
    for ax in axes[:, 0]:
        ax.set_ylabel("Market share (% of owners)")
    fig.legend(
        list(handles.values()),
        [f"Brand {b}" for b in handles],
        loc="lower center",
        ncols=min(len(handles), 4),
        frameon=False,
    )
    fig.tight_layout(rect=(0, LEGEND_H / (PANEL_H * rows + LEGEND_H), 1, 1))
    return _fig_png(fig, layout=False)


def share_rows(found: list[tuple[ScenarioResult, list[str]]], cell: Callable) -> list[list[str]]:
    """One row per market and brand: scenario, brand, then each of SHARE_METRICS as `cell(stat)` (HTML)."""
    rows = []
    for s, brands in found:
        for b in brands:
            rows.append([html.escape(s.label), html.escape(b), *(cell(metric(s, f"{m}_{b}")) for m in SHARE_METRICS)])
    return rows


def brand_section(
    scenarios: list[ScenarioResult], figure: Callable, table: Callable, cell: Callable, pct: Callable
) -> str:
    """The report's 'Market shares' section (heading, chart, table), or '' when no input has several brands.

    `figure(png, alt, caption)`, `table(header, rows, css)`, `cell(stat, fmt)` and `pct` are the report's own
    helpers (sim.viz.report), so the section looks like the others."""
    found = markets(scenarios)
    if not found:
        return ""
    band = f"{BAND_LEVEL:.0%}"
    header = ["Scenario", "Brand", *(SHARE_HEADINGS.get(m, m.replace("_", " ")) for m in SHARE_METRICS)]
    return (
        '<h2 id="brands">Market shares</h2>'
        + "<p>A brand's market share is its current owners over the owners of every brand; its final owners are "
        "a share of the whole population. Mean over replicates, "
        f"with the {band} interval in brackets where the input has several replicates.</p>"
        + figure(
            shares_chart(found),
            "Market shares",
            f"Each brand's market share over time, one panel per market (mean and {band} band).",
        )
        + table(header, share_rows(found, lambda st: cell(st, pct)), "brands")
    )

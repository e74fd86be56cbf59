"""The waterfall of a program's value (`wom value`, sim.research.value.method): money and people.

Each part of the value is a floating bar from the running sum before it to the running sum after it, the
total a bar from 0; the whiskers are each part's 90% interval over replicates (the parts' intervals do not
add up: each is its own spread), placed at the bar's end.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sim.research.value.method import MONEY_PARTS, PARTS, Value
from sim.run.metrics import BAND_LEVEL
from sim.viz.charts import FIGSIZE_WIDE, GRID_ALPHA, save_figure

#: Bar colours: a part that adds value, one that takes it away, and the total.
GAIN_COLOR, DROP_COLOR, TOTAL_COLOR = "#2ca02c", "#d62728", "#1f77b4"
#: Width of a bar (of the unit spacing) and length of a whisker's cap (points).
BAR_WIDTH, CAPSIZE = 0.6, 4
#: The chart's file name in a value folder.
VALUE_CHART = "value.png"

#: Share of the axis range kept free above and below the bars, so no value label touches the frame.
LABEL_ROOM = 0.12


def _waterfall(ax, result: Value, kind: str, parts: tuple[str, ...], unit: str) -> None:
    """One panel: the parts of `kind` ('value' or 'people') as floating bars, then the total."""
    summary = result.summary(kind)
    means = [summary[p]["mean"] for p in parts]
    starts = np.concatenate([[0.0], np.cumsum(means)[:-1]])
    total = summary["total"]
    labels = [*parts, "total"]
    heights = [*means, total["mean"]]
    bottoms = [*starts, 0.0]
    colors = [GAIN_COLOR if m >= 0 else DROP_COLOR for m in means] + [TOTAL_COLOR]
    x = np.arange(len(labels))
    ax.bar(x, heights, BAR_WIDTH, bottom=bottoms, color=colors)
    for i, part in enumerate(labels):
        st = summary[part]
        end = bottoms[i] + heights[i]
        lo, hi = st["ci90"]
        ax.errorbar(
            x[i], end, yerr=[[max(st["mean"] - lo, 0)], [max(hi - st["mean"], 0)]], color="black", capsize=CAPSIZE, lw=1
        )
        ax.annotate(
            f"{st['mean']:+,.0f}",
            (x[i], max(end + max(hi - st["mean"], 0), bottoms[i])),  # above the bar and its whisker
            xytext=(0, 4),
            textcoords="offset points",
            ha="center",
            va="bottom",
            fontsize=9,
        )
        if i < len(labels) - 1:
            ax.plot([x[i] + BAR_WIDTH / 2, x[i + 1] - BAR_WIDTH / 2], [end, end], color="gray", lw=0.8, ls=":")
    ax.axhline(0, color="black", lw=0.8)
    ax.margins(y=LABEL_ROOM)  # room above the highest label
    ax.set_xticks(x, labels)
    ax.set_ylabel(unit)
    ax.grid(axis="y", alpha=GRID_ALPHA)


def plot_value(result: Value, path: Path) -> Path:
    """Two waterfalls: the value in money (acceleration, expansion, loss, the program's spend, total =
    the difference in NPV) and in adopters (expansion, loss, total), with 90% whiskers."""
    fig, (money_ax, people_ax) = plt.subplots(1, 2, figsize=FIGSIZE_WIDE, gridspec_kw={"width_ratios": [5, 4]})
    _waterfall(money_ax, result, "value", MONEY_PARTS, "currency, discounted to day 0")
    money_ax.set_title("Value of the program: NPV with it minus without it")
    _waterfall(people_ax, result, "people", PARTS, "people")
    people = result.summary("people")
    people_ax.set_title(
        f"Adopters gained and lost\n{people['both']['mean']:,.0f} adopt in both runs:\n"
        f"{people['earlier']['mean']:,.0f} earlier, {people['later']['mean']:,.0f} later with the program"
    )
    who = f", brand {result.brand}" if result.brand else ""
    fig.suptitle(
        f"{result.scenario_name} vs {result.baseline_name}{who}: {result.replicates} paired replicates, "
        f"whiskers: {BAND_LEVEL:.0%} interval"
    )
    return save_figure(fig, path)


def draw_value(result: Value, folder: Path) -> list[Path]:
    """value.png (the waterfalls) in a value folder."""
    return [plot_value(result, Path(folder) / VALUE_CHART)]

"""Charts of `wom optimize`: how the objective responds to the decisions, and outcome against money.

`draw_optimize(result, folder)` writes, into the optimize output folder:
- response.png: the importance of each decision (PED-ANOVA over the search's candidates) and the
  partial dependence of the objective on the most important ones: every candidate's search score
  against the decision's value (points), with the mean per bin of the range or per choice (line);
- pareto.png (two objectives only): every candidate's outcome against money, the Pareto front, and
  the re-evaluated plans with their 90% intervals on fresh seeds, and the baseline.
"""

from __future__ import annotations

import math
import os
import tempfile
from pathlib import Path

import numpy as np
import pandas as pd

from sim.research.optimize.method import BASELINE, OptimizeResult, pareto_front
from sim.run.brand_metrics import brand_metric
from sim.run.metrics import METRICS
from sim.viz.charts import DPI, GRID_ALPHA, save_figure

#: Decisions drawn in the response chart (the most important ones).
RESPONSE_DECISIONS = 3
#: Bins of a continuous decision's range for its mean response line.
RESPONSE_BINS = 6
#: Size of the response chart: importance panel + one panel per decision (inches per panel, height).
PANEL_WIDTH, PANEL_HEIGHT = 4.2, 4.0
POINT_ALPHA = 0.45


def _score_label(result: OptimizeResult) -> str:
    """Axis label of the (first) objective: its metric's label, or 'weighted score' for a mix."""
    obj = result.problem.spec.objective
    if len(obj.maximize) == 1:
        name, weight = next(iter(obj.maximize.items()))
        label = (METRICS.get(name) or brand_metric(name)).label.replace("day D", f"day {obj.day:g}")
        return label if weight == 1 else f"{weight:g} x {label}"
    return "Weighted score: " + " + ".join(f"{w:g} x {m}" for m, w in obj.maximize.items()) + f" (day {obj.day:g})"


def _share_axis(result: OptimizeResult) -> bool:
    """Whether the score is a single share metric with weight 1 (shown in percent)."""
    obj = result.problem.spec.objective.maximize
    return len(obj) == 1 and all((METRICS.get(m) or brand_metric(m)).share and w == 1 for m, w in obj.items())


def plot_response(result: OptimizeResult, path: Path) -> Path:
    """Importance bars, then the search score against each of the most important decisions."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    trials = result.trials.dropna(subset=["score"])
    imp = result.importance or {k: math.nan for k in result.problem.spec.decisions}
    order = sorted(imp, key=lambda k: -(imp[k] if math.isfinite(imp[k]) else -1))
    shown = order[:RESPONSE_DECISIONS]
    fig, axes = plt.subplots(
        1, 1 + len(shown), figsize=(PANEL_WIDTH * (1 + len(shown)), PANEL_HEIGHT), dpi=DPI, squeeze=False
    )
    ax = axes[0][0]
    values = [imp[k] if math.isfinite(imp[k]) else 0.0 for k in order]
    ax.barh(range(len(order)), values, color="tab:blue")
    ax.set_yticks(range(len(order)), [k.replace(".", ".\n", 1) for k in order], fontsize=8)
    ax.invert_yaxis()
    ax.set_xlabel("Importance (PED-ANOVA, share)")
    ax.set_title("Which decisions matter" if result.importance else "Importance: too few candidates")
    ax.grid(alpha=GRID_ALPHA, axis="x")
    for ax, key in zip(axes[0][1:], shown):
        _response_panel(ax, trials, key, result)
        if _share_axis(result):
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    axes[0][1 if shown else 0].set_ylabel(_score_label(result), fontsize=8)
    fig.suptitle(
        f"{result.problem.spec.name}: response of the objective to the decisions "
        f"({len(trials)} candidates x {result.problem.spec.search.replicates} replicates)"
    )
    fig.tight_layout()
    return save_figure(fig, path)


def _response_panel(ax, trials: pd.DataFrame, key: str, result: OptimizeResult) -> None:
    """Candidates' scores against one decision, with the mean per bin or per choice."""
    x, y = trials[key], trials["score"]
    choice = result.problem.spec.decisions[key]
    if isinstance(choice, list):  # categorical: one column per choice
        labels = [str(c) for c in choice]
        pos = {c: i for i, c in enumerate(choice)}  # by value: a table column turns [10, inf] into floats
        xs = np.array([pos[v] for v in x], dtype=float)
        jitter = np.random.default_rng(0).uniform(-0.12, 0.12, len(xs))  # fixed seed: same picture each time
        ax.scatter(xs + jitter, y, alpha=POINT_ALPHA, s=14, color="tab:gray")
        means = [y[xs == i].mean() for i in range(len(labels))]
        ax.plot(range(len(labels)), means, "o-", color="tab:red", label="mean per choice")
        ax.set_xticks(range(len(labels)), labels)
    else:
        ax.scatter(x, y, alpha=POINT_ALPHA, s=14, color="tab:gray", label="candidates")
        edges = np.linspace(choice.low, choice.high, RESPONSE_BINS + 1)
        mids, means = [], []
        for lo, hi in zip(edges[:-1], edges[1:]):
            inside = (x >= lo) & (x <= hi)
            if inside.any():
                mids.append((lo + hi) / 2)
                means.append(y[inside].mean())
        ax.plot(mids, means, "o-", color="tab:red", label="mean per bin")
        if choice.log:
            ax.set_xscale("log")
    best = result.winner.params.get(key)
    if best is not None and not isinstance(choice, list):
        ax.axvline(best, color="tab:green", linestyle="--", label="winning plan")
    ax.set_xlabel(key)
    ax.grid(alpha=GRID_ALPHA)
    ax.legend(fontsize=7, loc="best")


def plot_pareto(result: OptimizeResult, path: Path) -> Path:
    """Outcome against money: candidates, the Pareto front, re-evaluated plans (90% intervals), baseline."""
    import matplotlib.pyplot as plt
    from matplotlib.ticker import PercentFormatter

    spec = result.problem.spec
    money = spec.objective.money
    done = [t for t in result.search.trials if all(math.isfinite(v) for v in t["objectives"])]
    front = sorted(pareto_front(done), key=lambda t: t["objectives"][1])
    fig, ax = plt.subplots(figsize=(9, 5.5), dpi=DPI)
    ax.scatter(
        [t["objectives"][1] for t in done],
        [t["objectives"][0] for t in done],
        s=14,
        alpha=POINT_ALPHA,
        color="tab:gray",
        label="candidates (search mean)",
    )
    ax.plot(
        [t["objectives"][1] for t in front],
        [t["objectives"][0] for t in front],
        "-",
        color="tab:blue",
        label="Pareto front (search)",
    )
    for plan in result.checked:
        s = plan.summary
        colour = "black" if plan.label == BASELINE else "tab:red"
        ax.errorbar(
            s[f"{money}_mean"],
            s["score_mean"],
            yerr=[[s["score_mean"] - s["score_lo"]], [s["score_hi"] - s["score_mean"]]],
            xerr=[[s[f"{money}_mean"] - s[f"{money}_lo"]], [s[f"{money}_hi"] - s[f"{money}_mean"]]],
            fmt="s" if plan.label == BASELINE else "o",
            color=colour,
            capsize=3,
        )
        ax.annotate(
            plan.label, (s[f"{money}_mean"], s["score_mean"]), fontsize=7, xytext=(4, 4), textcoords="offset points"
        )
    ax.errorbar([], [], fmt="o", color="tab:red", label="re-evaluated on fresh seeds (90% interval)")
    ax.set_xlabel(METRICS[money].label.replace("day D", f"day {spec.objective.day:g}"))
    ax.set_ylabel(_score_label(result))
    if _share_axis(result):
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_title(f"{spec.name}: outcome against money (budget {result.problem.budget.total:,.0f})")
    ax.grid(alpha=GRID_ALPHA)
    ax.legend(fontsize=8, loc="best")
    fig.tight_layout()
    return save_figure(fig, path)


def draw_optimize(result: OptimizeResult, folder: Path) -> list[Path]:
    """Every chart of an optimize result into `folder`, each replacing the old one at once (drawn in a
    temporary folder beside it, then moved), so an interrupted run never leaves half a PNG."""
    charts = [(plot_response, "response.png")]
    if result.problem.spec.two_objectives:
        charts.append((plot_pareto, "pareto.png"))
    files = []
    with tempfile.TemporaryDirectory(dir=folder, prefix=".charts.partial-") as tmp:
        for plot, name in charts:
            os.replace(plot(result, Path(tmp) / name), folder / name)
            files.append(folder / name)
    return files

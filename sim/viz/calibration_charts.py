"""Charts of an ABC-SMC calibration (sim.research.calibrate.abc): the posterior and its fit to the data."""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

from sim.research.calibrate.abc import CREDIBLE, Posterior
from sim.viz.charts import COLORS, FIGSIZE_WIDE, GRID_ALPHA, SCENARIO_COLORS, TIME_LABEL, save_figure

#: Histogram bins of a marginal posterior.
BINS = 15
#: Marker size of data points on the fit chart.
POINT_SIZE = 8
#: Transparency of the posterior predictive band and of particle dots.
BAND_ALPHA = 0.25
DOT_ALPHA = 0.6


def plot_posterior(posterior: Posterior, path: Path, title: str = "") -> Path:
    """One weighted histogram per parameter (median and 90% interval marked) and, for two or more,
    the particles of the first two in a scatter sized by weight."""
    keys = posterior.keys
    panels = len(keys) + (1 if len(keys) >= 2 else 0)
    fig, axes = plt.subplots(1, panels, figsize=(4.2 * panels, 4.2), squeeze=False)
    summary = posterior.summary()
    for j, key in enumerate(keys):
        ax = axes[0, j]
        ax.hist(posterior.particles[:, j], bins=BINS, weights=posterior.weights, color=COLORS["adopted"], alpha=0.7)
        s = summary[key]
        ax.axvline(s["median"], color="black", lw=1.5, label=f"median {s['median']:.4g}")
        ax.axvspan(
            s["lo"], s["hi"], color="grey", alpha=BAND_ALPHA, label=f"{CREDIBLE:.0%}: {s['lo']:.4g}-{s['hi']:.4g}"
        )
        ax.set_xlabel(key)
        ax.set_ylabel("posterior weight")
        ax.legend(loc="best", fontsize="small")
        ax.grid(alpha=GRID_ALPHA)
    if len(keys) >= 2:
        ax = axes[0, -1]
        sizes = 400 * posterior.weights / posterior.weights.max()
        ax.scatter(posterior.particles[:, 0], posterior.particles[:, 1], s=sizes, alpha=DOT_ALPHA)
        ax.set_xlabel(keys[0])
        ax.set_ylabel(keys[1])
        ax.set_title("particles (size = weight)")
        ax.grid(alpha=GRID_ALPHA)
    fig.suptitle(f"ABC-SMC posterior {title} ({len(posterior.weights)} particles, {posterior.evaluations} simulations)")
    return save_figure(fig, path)


def plot_posterior_fit(posterior: Posterior, path: Path, title: str = "") -> Path:
    """Each target series' posterior predictive median and 90% band of cumulative adopters (real people,
    log scale) against the data: fitted points filled, held-out points open with their predictive interval."""
    lo, hi = (1 - CREDIBLE) / 2, (1 + CREDIBLE) / 2
    pred = posterior.predictions()
    several = len(posterior.targets.series) > 1
    fig, ax = plt.subplots(figsize=FIGSIZE_WIDE)
    for k, series in enumerate(posterior.targets.series):
        color = SCENARIO_COLORS[k % len(SCENARIO_COLORS)] if several else COLORS["adopted"]
        name = f"{series.column}: " if several else ""
        band = np.array(posterior.quantiles(posterior.curves[:, k], (lo, 0.5, hi))) * posterior.scale
        ax.fill_between(
            posterior.grid, band[0], band[2], color=color, alpha=BAND_ALPHA, label=f"{name}{CREDIBLE:.0%} band"
        )
        ax.plot(posterior.grid, band[1], color=color, lw=2, label=f"{name}posterior predictive median")
        mine = pred[pred["series"] == series.column]
        for role, style in (("start", "s"), ("fitted", "o"), ("held out", "D")):
            rows = mine[mine["role"] == role]
            if rows.empty:
                continue
            ink = color if several else "black"  # several series: each one's points in its colour
            face = "none" if role == "held out" else ink
            label = f"{name}data ({role})"
            ax.plot(rows["time"], rows["observed"], style, ms=POINT_SIZE, mfc=face, color=ink, label=label)
            if role == "held out":
                err = np.vstack([rows["median"] - rows["lo"], rows["hi"] - rows["median"]]).clip(min=0)
                ax.errorbar(
                    rows["time"],
                    rows["median"],
                    yerr=err,
                    fmt="none",
                    ecolor="red",
                    capsize=6,
                    label="prediction (90%)",
                )
    handles, labels = ax.get_legend_handles_labels()
    unique = dict(zip(labels, handles))
    ax.set_yscale("log")
    ax.set_xlabel(TIME_LABEL)
    ax.set_ylabel("cumulative adopters (people in the market)")
    ax.grid(alpha=GRID_ALPHA, which="both")
    ax.legend(unique.values(), unique.keys(), loc="lower right", fontsize="small" if several else None)
    ax.set_title(f"Posterior fit {title}")
    return save_figure(fig, path)

"""Chart of an attribution map (sim.research.attribution.map): where one factor outweighs another.

Left: the grid as a heat map of the difference between the two compared factors' Shapley values
(diverging colours centred on 0; each cell annotated with the difference ± its standard error and both values). Right: one panel per swept
line key, both factors' Shapley values against the key's value, one pair of lines per line setting.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from matplotlib.colors import TwoSlopeNorm

from sim.research.attribution.map import MapSpec
from sim.research.attribution.method import display
from sim.viz.charts import save_figure
from sim.viz.research_charts import DARK_CELL_LUMINANCE, _luminance

#: Size of the figure per panel (inches) and the font of the cell annotations.
PANEL_SIZE = (5.6, 4.4)
CELL_FONT_SIZE = 7
#: Line styles of the line settings, in order (the compared factors differ by colour).
SETTING_STYLES = ("-", "--", ":", "-.")
FACTOR_COLOURS = ("tab:purple", "tab:orange")


#: Decimals of the cell values: percentage points and days need one, other units (e.g. purchases per
#: person, around 0.1-1) two.
WHOLE_UNIT_DECIMALS, OTHER_DECIMALS = 1, 2


def _scale(metric: str) -> tuple[float, str, int]:
    """Display multiplier, unit and decimals of a metric (attribution's `display`)."""
    mult, unit = display(metric)
    return mult, unit, WHOLE_UNIT_DECIMALS if unit.strip() in ("pp", "d") else OTHER_DECIMALS


def plot_attribution_map(spec: MapSpec, table: pd.DataFrame, path: Path) -> Path:
    """Write the map's chart to `path` and return it."""
    a, b = spec.compare
    mult, unit, dec = _scale(spec.metric)
    n_panels = 1 + len(spec.lines)
    fig, axes = plt.subplots(1, n_panels, figsize=(PANEL_SIZE[0] * n_panels, PANEL_SIZE[1]), squeeze=False)
    axes = axes[0]
    grid = table[table["kind"] == "grid"]
    diff = grid.pivot_table(index="y", columns="x", values=f"{a}_minus_{b}").sort_index() * mult
    phi_a = grid.pivot_table(index="y", columns="x", values=f"phi_{a}").reindex_like(diff) * mult
    phi_b = grid.pivot_table(index="y", columns="x", values=f"phi_{b}").reindex_like(diff) * mult
    values = diff.to_numpy(dtype=float)
    bound = max(float(np.nanmax(np.abs(values))), 1e-9)
    ax = axes[0]
    image = ax.imshow(values, origin="lower", aspect="auto", cmap="PuOr_r", norm=TwoSlopeNorm(0.0, -bound, bound))
    se = grid.pivot_table(index="y", columns="x", values=f"{a}_minus_{b}_se").reindex_like(diff) * mult
    cmap, norm = image.get_cmap(), image.norm
    for (i, j), v in np.ndenumerate(values):
        dark = _luminance(cmap(norm(v))) < DARK_CELL_LUMINANCE
        ax.text(
            j,
            i,
            f"{v:+.{dec}f} ± {se.iat[i, j]:.{dec}f}\n({phi_a.iat[i, j]:.{dec}f} vs {phi_b.iat[i, j]:.{dec}f})",
            ha="center",
            va="center",
            fontsize=CELL_FONT_SIZE,
            color="white" if dark else "black",
        )
    ax.set_xticks(range(diff.shape[1]), [f"{v:g}" for v in diff.columns])
    ax.set_yticks(range(diff.shape[0]), [f"{v:g}" for v in diff.index])
    ax.set_xlabel(spec.grid.x.key)
    ax.set_ylabel(spec.grid.y.key)
    fig.colorbar(image, ax=ax).set_label(f"{a} - {b}\n{spec.metric}" + (f" ({unit.strip()})" if unit else ""))
    ax.set_title(f"Shapley {a} - {b} ± s.e.\n(cell: {a} vs {b})", fontsize=10)
    for ax, axis in zip(axes[1:], spec.lines):
        for style, setting in zip(SETTING_STYLES, spec.line_settings):
            rows = table[(table["kind"] == "line") & (table["key"] == axis.key) & (table["setting"] == setting)]
            rows = rows.sort_values("x")
            for colour, factor in zip(FACTOR_COLOURS, (a, b)):
                ax.plot(
                    rows["x"],
                    rows[f"phi_{factor}"] * mult,
                    style,
                    color=colour,
                    marker="o",
                    label=f"{factor} [{setting}]",
                )
        ax.axhline(0.0, color="grey", linewidth=0.6)
        ax.set_xlabel(axis.key)
        ax.set_ylabel(f"Shapley value of {spec.metric} ({unit.strip()})")
        ax.legend(fontsize=CELL_FONT_SIZE)
        ax.set_title(f"{a} and {b} along {axis.key}", fontsize=10)
    fig.suptitle(
        f"{spec.name}: {Path(spec.scenario).stem} vs {Path(spec.baseline).stem}, {spec.metric}, "
        f"{spec.replicates} replicates per point",
        fontsize=11,
    )
    return save_figure(fig, path)

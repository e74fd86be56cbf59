"""The page's race: the charts of a market of two brands or more (sim.model.brands), brands as colours.

The network view colours each owner by the brand they own and everyone else by where they are in the funnel
(grey shades: unaware, aware, turned away); the live charts show each brand's market share (its current owners
over the owners of every brand) and its owners as a share of the population as the model steps, and the funnel
of the whole category. A brand has one colour everywhere: the page's dots, lines and count tiles and the run's
shares.png (`brand_color`, the order of the scenario's `[brands.<name>]` tables).
"""

from __future__ import annotations

import numpy as np
import pandas as pd
from matplotlib.colors import to_hex
from matplotlib.lines import Line2D
from matplotlib.ticker import PercentFormatter

from sim.model.state import Funnel
from sim.viz.charts import SCENARIO_COLORS
from sim.viz.page.live import (
    HEADROOM,
    LINE_WIDTH,
    STATE_MARKER_PX,
    Chart,
    FunnelChart,
    NetworkChart,
)
from sim.viz.page.view import ALL_LAYERS

#: How people who own no brand are drawn in the network view (greys, so they never look like a brand), by state.
NON_OWNER_COLORS = {"unaware": "#d9d9d9", "aware": "#a3a3a3", "rejecters": "#4d4d4d"}
NON_OWNER_LABELS = {"unaware": "unaware", "aware": "aware, no brand", "rejecters": "turned away"}
#: The funnel state of each non-owners' colour.
NON_OWNER_STATES = {"unaware": Funnel.UNAWARE, "aware": Funnel.AWARE, "rejecters": Funnel.REJECTER}
#: The owners axis shows at least this share of the population (so the first owners are not a full axis).
MIN_OWNERS_AXIS = 0.05


def brand_color(b: int) -> str:
    """Brand b's colour (b: its place among the scenario's brands), as in the run's shares.png."""
    return to_hex(SCENARIO_COLORS[b % len(SCENARIO_COLORS)])


def is_race(model) -> bool:
    """Whether a model is a market of two brands or more (a market of one is drawn as one brand)."""
    return bool(getattr(model, "BRANDS", False)) and model.count > 1


class BrandNetworkChart(NetworkChart):
    """The network view of a market: owners in their brand's colour, everyone else in the greys of their state."""

    def dot_key(self, model) -> tuple[list, list[str]]:
        colors = [brand_color(b) for b in range(model.count)] + list(NON_OWNER_COLORS.values())
        labels = [f"owns {name}" for name in model.names] + list(NON_OWNER_LABELS.values())
        return [Line2D([], [], ls="", marker="o", ms=STATE_MARKER_PX, color=c) for c in colors], labels

    def dot_colors(self, model, people: np.ndarray) -> np.ndarray:
        brand, state = model.people.brand[people], model.people.state[people]
        colors = np.full(len(people), NON_OWNER_COLORS["aware"], dtype=object)  # e.g. waiting for a brand
        for name, code in NON_OWNER_STATES.items():
            colors[state == code] = NON_OWNER_COLORS[name]
        for b in range(model.count):
            colors[brand == b] = brand_color(b)
        return colors


class BrandLinesChart(Chart):
    """One line per brand over time: its market share (`shares`) or its owners as a share of the population."""

    def __init__(self, model, kind: str):
        super().__init__(model)
        self.kind = kind
        ax = self.ax
        self.columns = [f"owners_{name}" for name in model.names]
        self.lines = [ax.plot([], [], color=brand_color(b), lw=LINE_WIDTH)[0] for b in range(model.count)]
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_ylim(0, 1 if kind == "shares" else MIN_OWNERS_AXIS)
        self.time_axis(model.cfg.run.days)
        self.title("Market share (% of owners)" if kind == "shares" else "Owners of each brand (% of people)")
        self.legend(self.lines, list(model.names))
        self.fit()

    def values(self, model, frame: pd.DataFrame) -> np.ndarray:
        """(steps, brands): each brand's share of the owners (0 while nobody owns any), or of the population."""
        owners = frame[self.columns].to_numpy(dtype=float)
        if self.kind != "shares":
            return owners / model.n
        total = owners.sum(axis=1, keepdims=True)
        return owners / np.where(total > 0, total, 1.0)

    def update(self, model, frame: pd.DataFrame) -> None:
        time, values = frame["time"].to_numpy(), self.values(model, frame)
        for b, line in enumerate(self.lines):
            line.set_data(time, values[:, b])
        if self.kind != "shares":
            self.ax.set_ylim(0, max(MIN_OWNERS_AXIS, HEADROOM * float(values.max(initial=0.0))))
            self.fit_ticks(self.ax.yaxis)


def race_charts(model, layer: str = ALL_LAYERS, paths: bool = True) -> list[Chart]:
    """The four charts of a market of brands: the network in brand colours, shares, owners, the category's funnel."""
    charts = [BrandNetworkChart(model, layer, paths), BrandLinesChart(model, "shares")]
    return charts + [BrandLinesChart(model, "owners"), FunnelChart(model)]

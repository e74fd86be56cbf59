"""The page's four charts of one model, built once and updated in place at every frame, rendered to PNG.

Reusing a figure keeps its axes, ticks and legend and matplotlib's cached text layout, so a redraw
costs a fraction of drawing anew. Charts are drawn at the size they are shown (CHART_PX, one image
pixel per screen pixel), so their text is CHART_FONT_PX on the screen: readable on a projector.
Each chart's margins are measured once, when it is built or its legend changes (matplotlib's
constrained layout, run once rather than at every frame), so every legend entry and axis label fits
inside the image and legends sit beside the data, never over it.
"""

from __future__ import annotations

import io
import threading

import numpy as np
import pandas as pd
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.layout_engine import ConstrainedLayoutEngine
from matplotlib.legend import Legend
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, PercentFormatter

from sim.model.state import CHANNELS, EMPLOYEE, FUNNEL_COLUMNS, PUBLIC, SEED_USER
from sim.viz.charts import (  # also selects matplotlib's headless Agg backend
    COLORS,
    FUNNEL_ALPHA,
    FUNNEL_LABELS,
    GRID_ALPHA,
    channels_with_adoptions,
)
from sim.viz.page.controls import LAYER_NAMES
from sim.viz.page.view import ALL_LAYERS, adoption_paths

#: Size of each chart on the screen (pixels) and the resolution it is drawn at (pixels per inch).
CHART_PX = (470, 280)
FIG_DPI = 100
#: Text on the charts, in screen pixels (at least 16 to read from the back of a classroom).
CHART_FONT_PX = 16
FONT_PT = CHART_FONT_PX * 72 / FIG_DPI
LINE_WIDTH = 2.5
#: Padding around the measured layout (inches; matplotlib's constrained layout pads) and legend spacing
#: (in font sizes): tight, so a 16 px legend of eight entries fits beside the data in CHART_PX.
LAYOUT_PAD_IN = 0.02
LEGEND_SPACING = 0.25
#: How each funnel state is drawn in the network view (colour as in the run charts).
STATE_COLORS = np.array([COLORS[c] for c in FUNNEL_COLUMNS])
NODE_SIZE = 16
SEED_NODE_SIZE = 45
MARKER_EDGE = "#202020"
RING_WIDTH = 1.2
#: Seed users and employees are drawn large with a dark ring (seed users round, employees diamonds).
RINGED = ((SEED_USER, "o"), (EMPLOYEE, "D"))
RINGED_LABELS = ("seed users", "employees")
#: Legend marker sizes (points) of a funnel state's dot and of a ringed person.
STATE_MARKER_PX = 8
RING_MARKER_PX = 9
#: The ties legend under the network: at most this many entries per row.
TIE_LEGEND_COLUMNS = 3
TIE_WIDTH = 0.5
TIE_ALPHA = 0.45
#: Colour of each layer's ties (the channel colours of the run charts).
LAYER_COLORS = {name: COLORS[name] for name in LAYER_NAMES}
PATH_COLOR = "#111111"
PATH_WIDTH = 1.1
PATH_ALPHA = 0.75
#: zlib level of the PNGs: the fastest, since a frame is sent once over a local connection.
PNG_COMPRESSION = 1
#: Shading under the new-adopters-per-day steps, and headroom above an autoscaled axis.
RATE_ALPHA = 0.35
HEADROOM = 1.15


def _thousands(x: float, _pos=None) -> str:
    return f"{x / 1000:g}k" if abs(x) >= 1000 else f"{x:g}"


class Chart:
    """One figure of the page: `update` changes its data in place, `png` renders it."""

    kind = ""  # key of the chart's PNG in LiveCharts.render

    def __init__(self, model):
        self.fig = Figure(figsize=(CHART_PX[0] / FIG_DPI, CHART_PX[1] / FIG_DPI), dpi=FIG_DPI)
        self.ax = self.fig.add_subplot()
        self.ax.tick_params(labelsize=FONT_PT)
        self.tick_width: dict = {}  # y axis -> characters of its longest tick label when last fitted

    def update(self, model, frame: pd.DataFrame) -> None:
        raise NotImplementedError

    def png(self) -> bytes:
        buf = io.BytesIO()
        self.fig.savefig(buf, format="png", dpi=FIG_DPI, pil_kwargs={"compress_level": PNG_COMPRESSION})
        return buf.getvalue()

    def title(self, text: str) -> None:
        self.heading = self.ax.set_title(text, fontsize=FONT_PT, loc="left")

    def time_axis(self, days: float) -> None:
        """Days on the x axis, fixed to the scenario's horizon so curves grow from left to right."""
        self.ax.set_xlim(0, days)
        self.ax.set_xlabel("day", fontsize=FONT_PT, labelpad=1)
        self.ax.grid(alpha=GRID_ALPHA)

    def fit(self) -> None:
        """Set the margins so titles, tick labels and legends fit inside the figure, beside the axes.

        Runs matplotlib's constrained layout once (not at every frame, which would cost more than the
        drawing); called when a chart is built and when its legend changes.
        """
        ConstrainedLayoutEngine(h_pad=LAYOUT_PAD_IN, w_pad=LAYOUT_PAD_IN, hspace=0, wspace=0).execute(self.fig)

    def legend(self, handles: list, labels: list[str], below: bool = False, ncols: int = 1) -> Legend:
        """A legend beside the axes: right of them (centred), or at the figure's bottom left (`below`, in
        `ncols` columns, so it may be wider than the axes)."""
        if below:
            place = dict(loc="lower left", bbox_to_anchor=(0.0, 0.0), bbox_transform=self.fig.transFigure)
        else:
            place = dict(loc="center left", bbox_to_anchor=(1.0, 0.5))
        legend = Legend(
            self.ax,
            handles,
            labels,
            **place,
            ncols=ncols,
            frameon=False,
            fontsize=FONT_PT,
            handlelength=1.0,
            handletextpad=0.4,
            labelspacing=LEGEND_SPACING,
            columnspacing=1.0,
            borderaxespad=0.2,
            borderpad=0.1,
        )
        legend.set_clip_on(False)  # outside the axes, which would clip it
        self.ax.add_artist(legend)
        return legend

    def fit_ticks(self, axis) -> None:
        """Fit again when the y tick labels `axis` will show get longer or shorter (a new order of magnitude)."""
        low, high = axis.get_view_interval()
        formatter = axis.get_major_formatter()
        ticks = axis.get_major_locator().tick_values(low, high)
        width = max(len(formatter(t)) for t in ticks)  # FuncFormatter/PercentFormatter: label of a value
        if width != self.tick_width.get(axis):
            self.tick_width[axis] = width
            self.fit()


class NetworkChart(Chart):
    """The sampled people coloured by funnel state, the ties of the chosen layer(s), who convinced whom."""

    kind = "network"

    def __init__(self, model, layer: str = ALL_LAYERS, paths: bool = True):
        super().__init__(model)
        view, ax = model.network_view, self.ax
        self.layers = view.layers if layer == ALL_LAYERS else [x for x in view.layers if x == layer]
        self.show_paths = paths
        for name in self.layers:
            ties = view.ties[name]
            if len(ties):
                ax.add_collection(
                    LineCollection(
                        view.pos[ties], colors=LAYER_COLORS[name], linewidths=TIE_WIDTH, alpha=TIE_ALPHA, zorder=1
                    )
                )
        self.paths = LineCollection([], colors=PATH_COLOR, linewidths=PATH_WIDTH, alpha=PATH_ALPHA, zorder=2)
        ax.add_collection(self.paths)
        kind = model.people.kind[view.people]
        self.groups = [(kind == PUBLIC, ax.scatter(*view.pos[kind == PUBLIC].T, s=NODE_SIZE, lw=0, zorder=3))]
        for who, marker in RINGED:
            dots = ax.scatter(
                *view.pos[kind == who].T,
                s=SEED_NODE_SIZE,
                marker=marker,
                edgecolors=MARKER_EDGE,
                lw=RING_WIDTH,
                zorder=4,
            )
            self.groups.append((kind == who, dots))
        ax.set_axis_off()
        ax.autoscale_view()
        sample = "everyone" if len(view.people) == model.n else f"{len(view.people)} people near seed users"
        self.title(f"Network: {sample}")
        handles, labels = self.dot_key(model)
        for (who, marker), label in zip(RINGED, RINGED_LABELS, strict=True):
            if (kind == who).any():
                handles.append(
                    Line2D(
                        [], [], ls="", marker=marker, ms=RING_MARKER_PX, mfc="white", mec=MARKER_EDGE, mew=RING_WIDTH
                    )
                )
                labels.append(label)
        self.key = self.legend(handles, labels)
        ties = [Line2D([], [], color=LAYER_COLORS[x], lw=2) for x in self.layers]
        names = [LAYER_NAMES[x] for x in self.layers]
        if paths:
            ties.append(Line2D([], [], color=PATH_COLOR, lw=PATH_WIDTH))
            names.append("convinced")
        self.ties_key = self.legend(ties, names, below=True, ncols=min(len(ties), TIE_LEGEND_COLUMNS)) if ties else None
        self.fit()

    def dot_key(self, model) -> tuple[list, list[str]]:
        """The legend entries of the dots' colours: the funnel states."""
        handles = [Line2D([], [], ls="", marker="o", ms=STATE_MARKER_PX, color=COLORS[c]) for c in FUNNEL_COLUMNS]
        return handles, [FUNNEL_LABELS[c] for c in FUNNEL_COLUMNS]

    def dot_colors(self, model, people: np.ndarray) -> np.ndarray:
        """The colour of each of `people` (ids) now: their funnel state's."""
        return STATE_COLORS[model.people.state[people]]

    def fit(self) -> None:
        """The drawing between the title, the state legend at its right and the ties legend under it.

        Measured directly: the axes are off, and constrained layout does not move the drawing above a
        legend anchored to the figure.
        """
        self.fig.draw_without_rendering()  # places the title and legends
        width, height = self.fig.bbox.width, self.fig.bbox.height
        pad = LAYOUT_PAD_IN * FIG_DPI
        axes = self.ax.get_window_extent()
        right = self.key.get_window_extent().x1 - axes.x1 + pad  # the state legend and its gap
        below = (self.ties_key.get_window_extent().y1 if self.ties_key else 0.0) + pad
        title = self.heading.get_window_extent().y1 - axes.y1 + pad
        self.ax.set_position([pad / width, below / height, 1 - (right + pad) / width, 1 - (below + title) / height])

    def update(self, model, frame: pd.DataFrame) -> None:
        view = model.network_view
        colors = self.dot_colors(model, view.people)
        for members, dots in self.groups:
            dots.set_facecolor(colors[members])
        if self.show_paths:
            pairs = adoption_paths(model, view, self.layers)
            self.paths.set_segments(view.pos[pairs] if len(pairs) else [])


class AdoptionChart(Chart):
    """The S-curve of the share who ever adopted (left axis) and new adopters per day (right axis)."""

    kind = "adoption"

    def __init__(self, model):
        super().__init__(model)
        ax = self.ax
        (self.curve,) = ax.plot([], [], color=COLORS["adopted"], lw=LINE_WIDTH)
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        ax.set_ylabel("ever adopted", color=COLORS["adopted"], fontsize=FONT_PT, labelpad=1)
        self.time_axis(model.cfg.run.days)
        self.rate_ax = ax.twinx()
        self.rate_ax.tick_params(labelsize=FONT_PT)
        self.rate_ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
        self.rate = self.rate_ax.stairs(
            [0.0], [0.0, model.dt], fill=True, color=COLORS["new_adopters"], alpha=RATE_ALPHA, lw=0
        )
        self.rate_ax.set_ylabel("new per day", color=COLORS["new_adopters"], fontsize=FONT_PT, labelpad=1)
        ax.set_zorder(self.rate_ax.get_zorder() + 1)  # the S-curve over the bars
        ax.patch.set_visible(False)
        self.title("Adoption S-curve")
        self.fit()

    def update(self, model, frame: pd.DataFrame) -> None:
        time = frame["time"].to_numpy()
        self.curve.set_data(time, frame["adopted_total"].to_numpy() / model.n)
        per_day = frame["new_adopters"].to_numpy()[1:] / model.dt  # step k covers time[k-1]..time[k]
        if len(per_day):
            self.rate.set_data(per_day, time)
        self.rate_ax.set_ylim(0, max(1.0, HEADROOM * float(per_day.max(initial=0.0))))
        self.fit_ticks(self.rate_ax.yaxis)


class FunnelChart(Chart):
    """Stacked shares of the population in each funnel state over time."""

    kind = "funnel"

    def __init__(self, model):
        super().__init__(model)
        ax = self.ax
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        self.time_axis(model.cfg.run.days)
        self.title("The funnel (share of people)")
        handles = [Patch(color=COLORS[c], alpha=FUNNEL_ALPHA) for c in FUNNEL_COLUMNS]
        self.legend(handles[::-1], [FUNNEL_LABELS[c] for c in FUNNEL_COLUMNS][::-1])
        self.fit()
        self.layers: list = []

    def update(self, model, frame: pd.DataFrame) -> None:
        for layer in self.layers:
            layer.remove()
        self.layers = self.ax.stackplot(
            frame["time"].to_numpy(),
            *(frame[c].to_numpy() / model.n for c in FUNNEL_COLUMNS),
            colors=[COLORS[c] for c in FUNNEL_COLUMNS],
            alpha=FUNNEL_ALPHA,
            lw=0,
        )


class ChannelChart(Chart):
    """Cumulative adoptions by the channel that persuaded each adopter (channels with any)."""

    kind = "channels"

    def __init__(self, model):
        super().__init__(model)
        ax = self.ax
        self.lines = {c: ax.plot([], [], color=COLORS[c], lw=LINE_WIDTH, label=c)[0] for c in CHANNELS}
        ax.yaxis.set_major_formatter(FuncFormatter(_thousands))
        self.time_axis(model.cfg.run.days)
        self.title("Adoptions by channel (people)")
        self.shown: list[str] = []
        self.key: Legend | None = None
        self.fit()

    def update(self, model, frame: pd.DataFrame) -> None:
        time = frame["time"].to_numpy()
        for c, line in self.lines.items():
            line.set_data(time, frame[f"adopt_{c}"].to_numpy())
        shown = channels_with_adoptions(frame)
        if shown != self.shown:
            self.shown = shown
            if self.key is not None:
                self.key.remove()
            self.key = self.legend([self.lines[c] for c in shown], shown)
            self.fit()
        top = max((frame[f"adopt_{c}"].max() for c in shown), default=0)
        self.ax.set_ylim(0, max(1.0, HEADROOM * float(top)))
        self.fit_ticks(self.ax.yaxis)


KINDS = ("network", "adoption", "funnel", "channels")


class LiveCharts:
    """The page's four charts of one model (a market of brands: the race's, sim.viz.page.race); `render` brings
    them to the model's current step."""

    def __init__(self, model, layer: str = ALL_LAYERS, paths: bool = True):
        if getattr(model, "BRANDS", False) and model.count > 1:  # a market of brands: the race, brands as colours
            from sim.viz.page.race import race_charts  # it builds on this module's charts

            self.charts = race_charts(model, layer, paths)
        else:
            self.charts = [
                NetworkChart(model, layer, paths),
                AdoptionChart(model),
                FunnelChart(model),
                ChannelChart(model),
            ]
        self._lock = threading.Lock()  # matplotlib figures must not be drawn by two threads at once

    def render(self, model) -> dict[str, bytes]:
        """PNG of each chart at the model's current step, by chart kind."""
        with self._lock:
            frame = model.frame()
            for chart in self.charts:
                chart.update(model, frame)
            return {chart.kind: chart.png() for chart in self.charts}

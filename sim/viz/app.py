"""The interactive page: watch word of mouth spread, step by step, in a browser.

Built on Mesa's `SolaraViz`, which gives the sidebar (play, pause, step, reset; the model-parameter
controls). The main area is drawn here (`Dashboard`): headline counts, a sample of the social
network coloured by funnel state, the adoption S-curve with new adopters per day, the funnel over
time and adoptions by channel, all redrawn as the model steps.

`AppModel` is a `WomModel` built from a scenario file plus the page's controls, because SolaraViz
re-creates the model class with the controls as keyword arguments when Reset is pressed. Each
control sets one or more scenario keys (`CONTROLS`); strategy sections with an `enabled` switch
that appear in `sim.config.schema` get a switch automatically (`strategy_controls`). The network view is a
sample of at most NETWORK_SAMPLE people laid out once per model (`network_view`), and the charts are
matplotlib figures built once per model and updated in place (`LiveCharts`), so a redraw is quick.

Start it with `wom app [SCENARIO.toml] [--port N]` (see `sim.cli.present` and docs/app.md), or
`solara run sim.viz.app` with WOM_APP_SCENARIO set.
"""

from __future__ import annotations

import functools
import html
import io
import os
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import networkx as nx
import numpy as np
import pandas as pd
import solara
from matplotlib.collections import LineCollection
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import PercentFormatter
from mesa.visualization import SolaraViz

from sim.config.errors import ScenarioError
from sim.config.scenario import load_scenario, scenario_from_dict, set_dotted
from sim.config.schema import Mechanism, Scenario
from sim.model.channels import EdgeChannel, csr_ranges
from sim.model.model import WomModel
from sim.model.state import CHANNELS, EMPLOYEE, FUNNEL_COLUMNS, PUBLIC, SEED_USER
from sim.viz import SCENARIO_ENV
from sim.viz.charts import (  # also selects matplotlib's headless Agg backend
    COLORS,
    FUNNEL_ALPHA,
    FUNNEL_LABELS,
    GRID_ALPHA,
    LINE_WIDTH,
    TIME_LABEL,
    channels_with_adoptions,
)

# --- Where things are ---------------------------------------------------------------------------
#: The project folder (scenario paths in the picker are relative to it).
PROJECT_ROOT = Path(__file__).resolve().parents[2]
SCENARIOS_DIR = PROJECT_ROOT / "scenarios"
DEFAULT_SCENARIO = "scenarios/default.toml"

# --- Page settings --------------------------------------------------------------------------------
PAGE_TITLE = "wom-sim: word of mouth, step by step"
#: Default population on the page: small enough that a step and its redraw take a blink.
APP_POPULATION = 2000
POPULATION_RANGE = (200, 50_000, 100)
SEED_RANGE = (0, 99, 1)
#: Milliseconds between steps while playing (Mesa's "Play Interval" slider starts here).
PLAY_INTERVAL_MS = 150
#: Seconds between the page's checks whether the model has moved on (see Dashboard).
FOLLOW_INTERVAL_S = 0.1

# --- Network view ---------------------------------------------------------------------------------
#: At most this many people are drawn; a larger population is shown by a sample.
NETWORK_SAMPLE = 400
#: The sample grows breadth-first from this many seed users, so it shows their neighbourhoods.
SAMPLE_START_PEOPLE = 8
#: Fixed seed of the sample and its layout, so they do not jump between resets.
LAYOUT_SEED = 7
LAYOUT_ITERATIONS = 60
NODE_SIZE = 22
SEED_NODE_SIZE = 60
EDGE_COLOR = "#b0b0b0"
EDGE_WIDTH = 0.5
EDGE_ALPHA = 0.6
MARKER_EDGE = "#202020"

# --- Chart look -----------------------------------------------------------------------------------
FIG_SIZE = (6.4, 4.2)
FIG_DPI = 100
#: Fixed margins (figure fractions) per chart: cheaper than a tight layout at every step.
MARGINS = {
    "network": dict(left=0.01, right=0.99, bottom=0.15, top=0.93),
    "adoption": dict(left=0.12, right=0.88, bottom=0.12, top=0.93),
    "funnel": dict(left=0.13, right=0.78, bottom=0.12, top=0.93),
    "channels": dict(left=0.13, right=0.78, bottom=0.12, top=0.93),
}


# ==================================================================================================
# Controls: what each slider or switch sets in the scenario
# ==================================================================================================


@dataclass(frozen=True)
class Control:
    """One control of the page: its AppModel keyword, the scenario keys it sets, and its widget."""

    name: str
    keys: tuple[str, ...]
    label: str
    widget: str  # "SliderFloat", "SliderInt", "Checkbox" or "Select" (Mesa's UserInputs types)
    min: float | None = None
    max: float | None = None
    step: float | None = None
    values: tuple[str, ...] = ()

    def param(self, value: Any) -> dict:
        """Mesa `model_params` entry showing `value`; slider ranges widen to include it."""
        spec: dict[str, Any] = {"type": self.widget, "label": self.label, "value": value}
        if self.widget.startswith("Slider"):
            spec |= {"min": min(self.min, value), "max": max(self.max, value), "step": self.step}
        elif self.widget == "Select":
            spec["values"] = list(self.values)
        return spec


ONLINE_LAYERS = ("forum", "weibo", "wechat")

#: The three factors of the iron triangle, seed users, negative WOM and the tactics in sim.config.
CONTROLS: tuple[Control, ...] = (
    Control("quality", ("engine.quality",), "Engine: product quality", "SliderFloat", 0.0, 1.2, 0.05),
    *(
        Control(layer, (f"channels.{layer}.enabled",), f"Accelerator: {name} on", "Checkbox")
        for layer, name in zip(ONLINE_LAYERS, ("forum", "Weibo", "WeChat groups"))
    ),
    Control(
        "accelerator",
        tuple(f"channels.{layer}.transmission_factor" for layer in ONLINE_LAYERS),
        "Accelerator: strength (x persuasion)",
        "SliderFloat",
        0.0,
        5.0,
        0.25,
    ),
    Control("growth", ("relationship.growth",), "Relationship: tie growth per talk", "SliderFloat", 0.0, 0.5, 0.01),
    Control(
        "brand_growth", ("relationship.brand_growth",), "Relationship: brand-tie growth", "SliderFloat", 0.0, 0.5, 0.01
    ),
    Control("seed_count", ("seed_users.count",), "Seed users (people)", "SliderInt", 0, 500, 10),
    Control(
        "seed_choice", ("seed_users.choice",), "Seed users chosen", "Select", values=("random", "hubs", "community")
    ),
    Control(
        "negative_bias",
        ("wom.negative_transmission_factor",),
        "Negative WOM: complaints persuade x",
        "SliderFloat",
        0.0,
        10.0,
        0.5,
    ),
    Control("employees", ("population.employees",), "Tactic: employees as first fans", "SliderInt", 0, 100, 5),
    Control(
        "official_posts", ("official.posts_per_day",), "Tactic: official posts per day", "SliderFloat", 0.0, 5.0, 0.5
    ),
    Control("advertising", ("advertising.p",), "Tactic: ads (Bass p per day)", "SliderFloat", 0.0, 0.05, 0.005),
)

#: Longest strategy label taken from its section's docstring; longer ones use the section's name.
MAX_STRATEGY_LABEL = 30


def strategy_label(name: str, section: type[Mechanism]) -> str:
    """'Strategy: Hit product': the docstring's words before a colon when short, else the section name."""
    first = (section.__doc__ or "").strip().splitlines()[0] if section.__doc__ else ""
    words = first.split(":", 1)[0].strip() if ":" in first else ""
    return f"Strategy: {words if 0 < len(words) <= MAX_STRATEGY_LABEL else name.replace('_', ' ').capitalize()}"


@functools.cache
def strategy_controls() -> tuple[Control, ...]:
    """A switch for every playbook mechanism (a `sim.config.schema.Mechanism` section) of the scenario schema.

    Mechanisms are added to the schema over time; discovering them keeps the page in step. The
    control's name is its dotted scenario key (e.g. "events.enabled").
    """
    sections = {
        name: field.annotation
        for name, field in Scenario.model_fields.items()
        if isinstance(field.annotation, type) and issubclass(field.annotation, Mechanism)
    }
    return tuple(
        Control(f"{name}.enabled", (f"{name}.enabled",), strategy_label(name, section), "Checkbox")
        for name, section in sections.items()
    )


def all_controls() -> tuple[Control, ...]:
    """Every control that sets scenario keys: the fixed ones, then the discovered strategies."""
    return CONTROLS + strategy_controls()


def scenario_value(scenario: Scenario, key: str) -> Any:
    """The value of a dotted key in a scenario, e.g. 'engine.quality'."""
    return functools.reduce(getattr, key.split("."), scenario)


def control_values(scenario: Scenario) -> dict[str, Any]:
    """The value each control shows for a scenario (the first of its keys)."""
    return {c.name: scenario_value(scenario, c.keys[0]) for c in all_controls()}


# ==================================================================================================
# Scenarios on the page
# ==================================================================================================


def scenario_choices(extra: str | None = None) -> list[str]:
    """Scenario files offered by the picker: scenarios/**/*.toml (relative paths), plus `extra`."""
    found = sorted(p.relative_to(PROJECT_ROOT).as_posix() for p in SCENARIOS_DIR.rglob("*.toml"))
    if extra and extra not in found:
        found.insert(0, extra)
    return found


def resolve_scenario(path: str | Path) -> Path:
    """A scenario path as given, or relative to the project folder when it is not found as given."""
    path = Path(path)
    if path.is_absolute() or path.exists():
        return path
    return PROJECT_ROOT / path


def startup_scenario() -> str:
    """The scenario the page starts with ($WOM_APP_SCENARIO, set by `wom app`), as the picker names it."""
    path = os.environ.get(SCENARIO_ENV)
    return scenario_label(path) if path else DEFAULT_SCENARIO


def scenario_label(path: str | Path) -> str:
    """How the picker names a scenario file: relative to the project folder when inside it."""
    path = Path(path).resolve()
    try:
        return path.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


def fit_seed_users(data: dict) -> list[str]:
    """Make the seed users of a scenario dict possible on the page's population; returns notes.

    The controls can ask for combinations the model refuses (community seeds with that community
    switched off, more seed users than people or community members). Rather than fail in class,
    the page adjusts them and says so.
    """
    notes = []
    pop, seeds = data.setdefault("population", {}), data.setdefault("seed_users", {})
    n = pop.get("size", 1)
    employees = min(pop.get("employees", 0), n)
    if employees != pop.get("employees", 0):
        notes.append(f"employees reduced to {employees}: only {n} people")
        pop["employees"] = employees
    community = seeds.get("community", "forum")
    layer = data.get("channels", {}).get(community, {})
    choice = seeds.get("choice", "random")
    if choice == "community" and not layer.get("enabled", False):
        notes.append(f"seed users chosen at random: the {community} is switched off")
        seeds["choice"] = choice = "random"
    room = n - employees
    if choice == "community" and community == "forum":
        room = max(0, round(layer.get("membership", 0.0) * n) - employees)
    count = seeds.get("count", 0)
    if count > room:
        notes.append(f"seed users reduced from {count} to {room}: no more people can be chosen")
        seeds["count"] = room
    return notes


def build_scenario(base: Scenario, settings: dict[str, Any], path: Path) -> tuple[Scenario, list[str]]:
    """A file's scenario with `settings` ({dotted key: value}) applied and seeds fitted; with notes."""
    data = base.model_dump()
    for key, value in settings.items():
        set_dotted(data, key, value, source=str(path))
    notes = fit_seed_users(data)
    return scenario_from_dict(data, source=str(path), base_dir=path.parent), notes


def _shown(value: Any) -> str:
    """A setting's value as shown on the page."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def changes_from_file(model: AppModel) -> list[str]:
    """'label: file value -> value' for every page setting that differs from the scenario file."""
    changes = []
    if model.n != model.file_scenario.population.size:
        changes.append(f"Population: {_shown(model.file_scenario.population.size)} → {_shown(model.n)}")
    for c in all_controls():
        now, before = scenario_value(model.cfg, c.keys[0]), scenario_value(model.file_scenario, c.keys[0])
        if now != before:
            changes.append(f"{c.label}: {_shown(before)} → {_shown(now)}")
    return changes


# ==================================================================================================
# The model the page drives
# ==================================================================================================


class AppModel(WomModel):
    """A WomModel built from a scenario file and the page's controls (keyword arguments).

    Page settings always apply: the population size, the random seed and the fast vector engine.
    With `apply_controls` the controls in `all_controls()` (passed by name, e.g. quality=0.9,
    forum=False, **{"events.enabled": True}) set their scenario keys; without it the file's own
    values are used. The model stops (`running = False`) at the end of the scenario's horizon.
    """

    def __init__(
        self,
        scenario_file: str = DEFAULT_SCENARIO,
        apply_controls: bool = True,
        population: int = APP_POPULATION,
        seed: int = 0,
        **controls: Any,
    ):
        # SolaraViz passes its own (Mesa) `scenario` on reset; ours comes from the file.
        controls.pop("scenario", None)
        known = {c.name: c for c in all_controls()}
        unknown = sorted(set(controls) - set(known))
        if unknown:
            raise TypeError(f"AppModel got unknown controls {unknown}; known: {sorted(known)}")
        page_settings: dict[str, Any] = {"population.size": int(population), "run.backend": "vector"}
        settings = dict(page_settings)
        if apply_controls:
            for name, value in controls.items():
                settings |= dict.fromkeys(known[name].keys, value)
        path = resolve_scenario(scenario_file)
        file_scenario = load_scenario(path)
        try:
            scenario, notes = build_scenario(file_scenario, settings, path)
        except ScenarioError as exc:  # a combination the schema refuses: show the file, say why
            scenario, notes = build_scenario(file_scenario, page_settings, path)
            notes.insert(0, f"the controls give an invalid scenario, so the file's values are used. {exc}")
        super().__init__(scenario, seed)
        self.scenario_file = str(scenario_file)
        self.file_scenario = file_scenario
        self.notes = notes
        self.running = self.step_index < scenario.run.n_steps

    def step(self) -> None:
        """One step of the model; stop at the end of the scenario's horizon."""
        super().step()
        self.running = self.step_index < self.cfg.run.n_steps

    @functools.cached_property
    def network_view(self) -> NetworkView:
        """The people drawn in the network view and where: computed once per model."""
        return network_view(self)

    @functools.cached_property
    def charts(self) -> LiveCharts:
        """The page's charts of this model, built on first use."""
        return LiveCharts(self)

    def frame(self) -> pd.DataFrame:
        """The recorded steps as a data frame (one row per step)."""
        return pd.DataFrame.from_records(self.records)


def model_params(scenario_file: str) -> dict[str, dict]:
    """SolaraViz `model_params`: the picker, page settings and every control at the file's values."""
    base = load_scenario(resolve_scenario(scenario_file))
    values = control_values(base)
    population = min(base.population.size, APP_POPULATION)
    params = {
        "scenario_file": {
            "type": "Select",
            "label": "Scenario (press Reset to load)",
            "value": scenario_file,
            "values": scenario_choices(scenario_file),
        },
        "apply_controls": {
            "type": "Checkbox",
            "label": "Use the controls below (off: the file's values)",
            "value": True,
        },
        "population": Control("population", (), "Population (people)", "SliderInt", *POPULATION_RANGE).param(
            population
        ),
        "seed": Control("seed", (), "Random seed", "SliderInt", *SEED_RANGE).param(0),
    }
    return params | {c.name: c.param(values[c.name]) for c in all_controls()}


# ==================================================================================================
# The network view: a sample of people, laid out once
# ==================================================================================================


@dataclass(frozen=True)
class NetworkView:
    """People drawn (ids into the model's arrays), their positions, and the ties among them."""

    people: np.ndarray  # (k,) person ids
    pos: np.ndarray  # (k, 2) layout positions
    edges: np.ndarray  # (m, 2) pairs of indices into `people`
    layer: str | None  # name of the layer whose ties are drawn


def sample_people(neighbours, n: int, start: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Up to `size` people: breadth-first from `start` over `neighbours(ids) -> ids`, topped up at random.

    Growing from a few seed users shows how word of mouth moves through their neighbourhoods; the
    last ring reached is cut at random so the neighbourhoods stay about equally large.
    """
    if n <= size:
        return np.arange(n)
    chosen = np.zeros(n, dtype=bool)
    frontier = np.unique(start)[:size]
    chosen[frontier] = True
    total = len(frontier)
    while total < size and len(frontier) and neighbours is not None:
        ring = np.unique(neighbours(frontier))
        ring = rng.permutation(ring[~chosen[ring]])[: size - total]
        chosen[ring] = True
        total += len(ring)
        frontier = ring
    if total < size:
        rest = np.flatnonzero(~chosen)
        chosen[rng.choice(rest, size - total, replace=False)] = True
    return np.flatnonzero(chosen)


def _drawn_layer(model: WomModel) -> EdgeChannel | None:
    """The layer whose ties the view draws: offline talk if present, else another pairwise layer."""
    edge_channels = [ch for ch in model.channels.values() if isinstance(ch, EdgeChannel)]
    preferred = [ch for ch in edge_channels if ch.name == "offline"]
    return (preferred or edge_channels or [None])[0]


def network_view(model: WomModel, size: int = NETWORK_SAMPLE) -> NetworkView:
    """Sample up to `size` people around seed users and lay out their ties (spring layout, seeded)."""
    rng = np.random.default_rng(LAYOUT_SEED)
    channel = _drawn_layer(model)
    layer = channel.layer if channel is not None else None
    seeds = np.flatnonzero(model.kind == SEED_USER)
    if len(seeds) == 0:
        seeds = np.arange(model.n)
    start = rng.permutation(seeds)[:SAMPLE_START_PEOPLE]

    def neighbours(ids: np.ndarray) -> np.ndarray:
        return layer.indices[csr_ranges(layer.indptr, ids)[0]].astype(np.int64)

    people = sample_people(neighbours if layer is not None else None, model.n, start, size, rng)
    graph = nx.Graph()
    graph.add_nodes_from(range(len(people)))
    edges = np.empty((0, 2), dtype=np.int64)
    if layer is not None:
        sub = layer.subgraph(people)
        src = np.repeat(np.arange(sub.n), sub.out_degree())
        dst = sub.indices.astype(np.int64)
        keep = src < dst if not sub.directed else np.ones(len(src), dtype=bool)
        edges = np.unique(np.sort(np.column_stack([src[keep], dst[keep]]), axis=1), axis=0)
        graph.add_edges_from(map(tuple, edges))
    layout = nx.spring_layout(graph, seed=LAYOUT_SEED, iterations=LAYOUT_ITERATIONS)
    pos = np.array([layout[i] for i in range(len(people))]).reshape(-1, 2)
    return NetworkView(people, pos, edges, channel.name if channel is not None else None)


# ==================================================================================================
# Charts: built once per model, updated in place at every step, rendered to PNG for the page
# ==================================================================================================
# Reusing a figure keeps its axes, ticks and legend and matplotlib's cached text layout, so a redraw
# costs a fraction of drawing anew. Mesa plays the model faster than the page can redraw otherwise.

#: How each funnel state is drawn in the network view (colour as in the run charts).
STATE_COLORS = np.array([COLORS[c] for c in FUNNEL_COLUMNS])
#: Shading under the new-adopters-per-day steps.
RATE_ALPHA = 0.35
#: Headroom above the highest value of an autoscaled axis.
HEADROOM = 1.15
TITLE_SIZE = 10
LEGEND_SIZE = 9


def figure_png(fig: Figure) -> bytes:
    """The figure as PNG bytes."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=FIG_DPI)
    return buf.getvalue()


def time_axis(ax, days: float) -> None:
    """Days on the x axis, fixed to the scenario's horizon so curves grow from left to right."""
    ax.set_xlim(0, days)
    ax.set_xlabel(TIME_LABEL)
    ax.grid(alpha=GRID_ALPHA)


class Chart:
    """One figure of the page: `update` changes its data in place, `png` renders it."""

    kind = ""  # key of MARGINS

    def __init__(self, model: AppModel):
        self.fig = Figure(figsize=FIG_SIZE)
        self.fig.subplots_adjust(**MARGINS[self.kind])
        self.ax = self.fig.add_subplot()

    def update(self, model: AppModel, frame: pd.DataFrame) -> None:
        raise NotImplementedError

    def png(self) -> bytes:
        return figure_png(self.fig)

    def _legend_right(self, handles: list, labels: list[str]) -> None:
        self.ax.legend(
            handles, labels, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False, fontsize=LEGEND_SIZE
        )


class NetworkChart(Chart):
    """The sampled people at their layout positions, coloured by funnel state; seed users ringed."""

    kind = "network"

    def __init__(self, model: AppModel):
        super().__init__(model)
        view, ax = model.network_view, self.ax
        if len(view.edges):
            ax.add_collection(
                LineCollection(
                    view.pos[view.edges], colors=EDGE_COLOR, linewidths=EDGE_WIDTH, alpha=EDGE_ALPHA, zorder=1
                )
            )
        kind = model.kind[view.people]
        self.groups = [(kind == PUBLIC, ax.scatter(*view.pos[kind == PUBLIC].T, s=NODE_SIZE, lw=0, zorder=2))]
        for who, marker in ((SEED_USER, "o"), (EMPLOYEE, "D")):
            dots = ax.scatter(
                *view.pos[kind == who].T,
                s=SEED_NODE_SIZE,
                marker=marker,
                edgecolors=MARKER_EDGE,
                linewidths=1.4,
                zorder=3,
            )
            self.groups.append((kind == who, dots))
        ax.set_axis_off()
        ax.autoscale_view()
        ties = f"{view.layer} ties" if view.layer else "no pairwise ties"
        sample = (
            f"all {model.n:,} people"
            if len(view.people) == model.n
            else f"{len(view.people):,} of {model.n:,} people around seed users"
        )
        ax.set_title(f"Social network: {sample} ({ties})", fontsize=TITLE_SIZE)
        handles = [
            Line2D([], [], ls="", marker="o", ms=7, color=COLORS[c], label=FUNNEL_LABELS[c]) for c in FUNNEL_COLUMNS
        ]
        for marker, label, kind_code in (("o", "Seed user", SEED_USER), ("D", "Employee", EMPLOYEE)):
            if (model.kind == kind_code).any():
                handles.append(
                    Line2D([], [], ls="", marker=marker, ms=8, mfc="white", mec=MARKER_EDGE, mew=1.4, label=label)
                )
        ax.legend(
            handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=4, frameon=False, fontsize=LEGEND_SIZE
        )

    def update(self, model: AppModel, frame: pd.DataFrame) -> None:
        state = model.state[model.network_view.people]
        for members, dots in self.groups:
            dots.set_facecolor(STATE_COLORS[state[members]])


class AdoptionChart(Chart):
    """The S-curve of the share who ever adopted (left axis) and new adopters per day (right axis)."""

    kind = "adoption"

    def __init__(self, model: AppModel):
        super().__init__(model)
        ax = self.ax
        (self.curve,) = ax.plot([], [], color=COLORS["adopted"], lw=LINE_WIDTH)
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_ylabel("Ever adopted (% of population)", color=COLORS["adopted"])
        time_axis(ax, model.cfg.run.days)
        self.rate_ax = ax.twinx()
        self.rate = self.rate_ax.stairs(
            [0.0], [0.0, model.dt], fill=True, color=COLORS["new_adopters"], alpha=RATE_ALPHA, lw=0
        )
        self.rate_ax.set_ylabel("New adopters per day", color=COLORS["new_adopters"])
        ax.set_zorder(self.rate_ax.get_zorder() + 1)  # the S-curve over the bars
        ax.patch.set_visible(False)
        ax.set_title("Adoption S-curve and new adopters per day", fontsize=TITLE_SIZE)

    def update(self, model: AppModel, frame: pd.DataFrame) -> None:
        time = frame["time"].to_numpy()
        self.curve.set_data(time, frame["adopted_total"].to_numpy() / model.n)
        per_day = frame["new_adopters"].to_numpy()[1:] / model.dt  # step k covers time[k-1]..time[k]
        if len(per_day):
            self.rate.set_data(per_day, time)
        self.rate_ax.set_ylim(0, max(1.0, HEADROOM * float(per_day.max(initial=0.0))))


class FunnelChart(Chart):
    """Stacked shares of the population in each funnel state over time."""

    kind = "funnel"

    def __init__(self, model: AppModel):
        super().__init__(model)
        ax = self.ax
        ax.set_ylim(0, 1)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_ylabel("Share of population")
        time_axis(ax, model.cfg.run.days)
        ax.set_title("The funnel over time", fontsize=TITLE_SIZE)
        handles = [Patch(color=COLORS[c], alpha=FUNNEL_ALPHA) for c in FUNNEL_COLUMNS]
        self._legend_right(handles[::-1], [FUNNEL_LABELS[c] for c in FUNNEL_COLUMNS][::-1])
        self.layers: list = []

    def update(self, model: AppModel, frame: pd.DataFrame) -> None:
        for layer in self.layers:
            layer.remove()
        self.layers = self.ax.stackplot(
            frame["time"],
            *(frame[c] / model.n for c in FUNNEL_COLUMNS),
            colors=[COLORS[c] for c in FUNNEL_COLUMNS],
            alpha=FUNNEL_ALPHA,
            lw=0,
        )


class ChannelChart(Chart):
    """Cumulative adoptions by the channel that persuaded each adopter (channels with any)."""

    kind = "channels"

    def __init__(self, model: AppModel):
        super().__init__(model)
        ax = self.ax
        self.lines = {c: ax.plot([], [], color=COLORS[c], lw=LINE_WIDTH, label=c)[0] for c in CHANNELS}
        ax.set_ylabel("Adoptions (people, cumulative)")
        time_axis(ax, model.cfg.run.days)
        ax.set_title("Adoptions by channel", fontsize=TITLE_SIZE)
        self.shown: list[str] = []

    def update(self, model: AppModel, frame: pd.DataFrame) -> None:
        time = frame["time"].to_numpy()
        for c, line in self.lines.items():
            line.set_data(time, frame[f"adopt_{c}"].to_numpy())
        shown = channels_with_adoptions(frame)
        if shown != self.shown:
            self.shown = shown
            self._legend_right([self.lines[c] for c in shown], shown)
        top = max((frame[f"adopt_{c}"].max() for c in shown), default=0)
        self.ax.set_ylim(0, max(1.0, HEADROOM * float(top)))


class LiveCharts:
    """The page's four charts of one model; `render` brings them to the model's current step."""

    KINDS = (NetworkChart, AdoptionChart, FunnelChart, ChannelChart)

    def __init__(self, model: AppModel):
        self.charts = [kind(model) for kind in self.KINDS]
        self._lock = threading.Lock()  # matplotlib figures must not be drawn by two threads at once

    def render(self, model: AppModel) -> dict[str, bytes]:
        """PNG of each chart at the model's current step, by chart kind."""
        with self._lock:
            frame = model.frame()
            for chart in self.charts:
                chart.update(model, frame)
            return {chart.kind: chart.png() for chart in self.charts}


# ==================================================================================================
# The page (Solara components)
# ==================================================================================================

PAGE_CSS = """
.wom-counts { display: flex; flex-wrap: wrap; gap: 10px; margin: 4px 0 8px 0; }
.wom-tile { background: #f6f7f9; border-radius: 8px; padding: 6px 14px; min-width: 110px; }
.wom-tile .wom-value { font-size: 1.5em; font-weight: 600; line-height: 1.2; }
.wom-tile .wom-label { font-size: 0.85em; color: #555; }
.wom-swatch { display: inline-block; width: 10px; height: 10px; border-radius: 5px; margin-right: 5px; }
.wom-scenario { font-size: 0.95em; color: #444; margin-bottom: 2px; }
.wom-changes { font-size: 0.9em; color: #555; }
/* Sidebar (Mesa's controls): slider labels on their own line above a full-width slider whose value
   is always shown; compact checkboxes. */
.v-navigation-drawer .v-slider.v-input--horizontal { display: flex; flex-direction: column; align-items: stretch;
    margin: 6px 0 0 0; }
.v-navigation-drawer .v-slider .v-input__prepend { margin: 0; }
.v-navigation-drawer .v-slider__label { white-space: normal; }
.v-navigation-drawer .v-slider .v-input__control { margin: 0 36px 0 8px; }
.v-navigation-drawer .v-slider-thumb__label-container { display: block !important; }
.v-navigation-drawer .v-slider-thumb__label { top: auto !important; bottom: auto !important; transform: none !important;
    left: 20px !important; height: 20px !important; min-width: 0 !important; padding: 0 4px !important;
    background: transparent !important; color: #333 !important; font-size: 0.8em !important; }
.v-navigation-drawer .v-slider-thumb__label-wedge { display: none !important; }
.v-navigation-drawer .v-checkbox .v-input__details { display: none; }
.v-navigation-drawer .v-checkbox .v-selection-control { min-height: 34px; }
"""

#: Headline tiles: (css class, label, colour key or None, value of a record row).
TILES = (
    ("wom-day", "day", None, lambda r, n: f"{r['time']:g}"),
    ("wom-adopted", "ever adopted", "adopted", lambda r, n: f"{r['adopted_total']:,} ({r['adopted_total'] / n:.0%})"),
    ("wom-adopters", "adopters", "adopters", lambda r, n: f"{r['adopters']:,}"),
    ("wom-fans", "fans", "fans", lambda r, n: f"{r['fans']:,}"),
    ("wom-detractors", "detractors", "detractors", lambda r, n: f"{r['detractors']:,}"),
    ("wom-aware", "aware", "aware", lambda r, n: f"{r['aware']:,}"),
    ("wom-rejecters", "rejecters", "rejecters", lambda r, n: f"{r['rejecters']:,}"),
)


def counts_html(model: AppModel) -> str:
    """The headline counts of the latest step as HTML tiles (classes let tests find them)."""
    row, n = model.records[-1], model.n
    tiles = []
    for css, label, color, value in TILES:
        swatch = f'<span class="wom-swatch" style="background:{COLORS[color]}"></span>' if color else ""
        tiles.append(
            f'<div class="wom-tile {css}"><div class="wom-value">{html.escape(value(row, n))}</div>'
            f'<div class="wom-label">{swatch}{label}</div></div>'
        )
    return f'<div class="wom-counts">{"".join(tiles)}</div>'


@solara.component
def ChartImage(png: bytes, css: str):
    """One PNG chart, as wide as its column (the css class lets tests find it)."""
    with solara.Div(classes=[css]):
        solara.Image(png, width="100%")


@solara.component
def Dashboard(model: AppModel):
    """Counts, network and charts of the current model, redrawn as it steps.

    A small watcher thread redraws whenever the model has moved on (every FOLLOW_INTERVAL_S at most).
    The page does not wait for Mesa's redraw signal, which a fast play loop can starve; the model
    may then run a few days ahead of the drawing, but the page never freezes while playing.
    """
    shown_step, set_shown_step = solara.use_state(model.step_index)

    def follow(cancel: threading.Event) -> None:
        while not cancel.wait(FOLLOW_INTERVAL_S):
            if model.step_index != shown_step:
                set_shown_step(model.step_index)
                return  # the redraw starts a new watcher

    solara.use_thread(follow, dependencies=[model, shown_step], intrusive_cancel=False)
    pngs = solara.use_memo(lambda: model.charts.render(model), [model, shown_step])
    sc = model.cfg
    solara.Style(PAGE_CSS)
    solara.HTML(
        tag="div",
        classes=["wom-scenario"],
        unsafe_innerHTML=html.escape(
            f"{sc.name}: {sc.description} (file {model.scenario_file}, {model.n:,} people, {sc.run.days:g} days)"
        ),
    )
    changes = changes_from_file(model)
    solara.HTML(
        tag="div",
        classes=["wom-changes"],
        unsafe_innerHTML=html.escape(
            "Changed from the file: " + "; ".join(changes) if changes else "As in the scenario file."
        ),
    )
    solara.HTML(tag="div", unsafe_innerHTML=counts_html(model))
    for note in model.notes:
        solara.Warning(note, dense=True)
    for row in (("network", "adoption"), ("funnel", "channels")):
        with solara.Columns([1, 1]):
            for kind in row:
                ChartImage(pngs[kind], f"wom-{kind}")


@solara.component
def Page():
    """The whole page: Mesa's SolaraViz (sidebar: controls and parameters) around the Dashboard."""
    scenario_file = solara.use_memo(startup_scenario, [])
    params = solara.use_memo(lambda: model_params(scenario_file), [])
    first = solara.use_memo(lambda: AppModel(**{k: v["value"] for k, v in params.items()}), [])
    model = solara.use_reactive(first)
    SolaraViz(model, components=[], model_params=params, name=PAGE_TITLE, play_interval=PLAY_INTERVAL_MS)
    Dashboard(model.value)

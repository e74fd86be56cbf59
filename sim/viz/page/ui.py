"""The page itself (Solara components): the sidebar of controls, the player, the counts and the charts.

`Session` holds one browser tab's state: the controls (`Settings`), the model they built, its charts
and the last drawn `Frame`. Picking a scenario loads that file's values into every control and
builds its model at once; other controls take effect on Reset (building a model of a million people
takes a while, so it does not happen on every slider move). Playing steps the model as fast as the
chosen speed asks and redraws at most every FRAME_S seconds: the steps between two frames are not
drawn one by one, which is how the page keeps up with the vector engine (see docs/app.md, Speed).
"""

from __future__ import annotations

import html
import json
import os
import threading
import time
from dataclasses import dataclass

import solara

from sim.config.schema import Scenario
from sim.run.series_metrics import brand_names
from sim.viz import SCENARIO_ENV
from sim.viz.charts import COLORS
from sim.viz.page.controls import (
    DEFAULT_SCENARIO,
    MARKET_CONTROLS,
    SEED_RANGE,
    Control,
    Settings,
    all_controls,
    brand_controls,
    changes_from_file,
    file_settings,
    load_file,
    population_choices,
    scenario_choices,
    scenario_label,
)
from sim.viz.page.live import CHART_PX, LiveCharts
from sim.viz.page.model import AppModel
from sim.viz.page.race import brand_color
from sim.viz.page.view import ALL_LAYERS, LAYERS

PAGE_TITLE = "wom-sim: word of mouth, step by step"
#: Seconds between two frames while playing, at least; a frame also waits until the model has
#: stepped for DRAW_SHARE_INVERSE times as long as the last frame took to draw.
FRAME_S = 0.25
DRAW_SHARE_INVERSE = 2
#: Play speeds offered (steps per second of play); "fastest" steps as fast as the machine can.
FASTEST = "fastest"
SPEEDS = ("1", "2", "5", "10", "20", "50", FASTEST)
DEFAULT_SPEED = "10"
LAYER_CHOICES = (ALL_LAYERS, *LAYERS)


def startup_scenario() -> str:
    """The scenario the page starts with ($WOM_APP_SCENARIO, set by `wom app`), as the picker names it."""
    path = os.environ.get(SCENARIO_ENV)
    return scenario_label(path) if path else DEFAULT_SCENARIO


@dataclass(frozen=True)
class Frame:
    """What the page shows of one moment of a model: its charts, counts and state."""

    step: int
    record: dict
    n: int
    pngs: dict[str, bytes]
    finished: bool
    drawn_at: float  # time.monotonic() when drawn


class Session:
    """One browser tab: its controls, model, charts and last frame, and the player that steps the model."""

    def __init__(self, scenario_file: str):
        self.settings = solara.reactive(file_settings(scenario_file))
        self.applied = self.settings.value  # the settings the current model was built from
        self.layer = solara.reactive(ALL_LAYERS)
        self.paths = solara.reactive(True)
        self.speed = solara.reactive(DEFAULT_SPEED)
        self.playing = solara.reactive(False)
        self.frame = solara.reactive(None)
        self.lock = threading.RLock()  # the model and its charts are used by one thread at a time
        self.model: AppModel | None = None
        self.charts: LiveCharts | None = None
        self.steps_played = 0  # since Play was last pressed, and the seconds it took (for the speed test)
        self.play_started = 0.0
        self.reset()

    # --- actions -----------------------------------------------------------------------------------
    def pick(self, scenario_file: str) -> None:
        """Load a scenario file's values into every control and build its model."""
        self.settings.value = file_settings(scenario_file, self.settings.value.seed)
        self.reset()

    def set_control(self, name: str, value) -> None:
        self.settings.value = self.settings.value.with_value(name, value)

    def reset(self) -> None:
        """Build a new model from the controls (stops playing)."""
        self.playing.value = False
        with self.lock:
            self.applied = self.settings.value
            self.model = AppModel.from_settings(self.applied)
            self.charts = LiveCharts(self.model, self.layer.value, self.paths.value)
            self.draw()

    def redraw_view(self) -> None:
        """Rebuild the charts after a change of the network view's layer or paths."""
        with self.lock:
            self.charts = LiveCharts(self.model, self.layer.value, self.paths.value)
            self.draw()

    def step(self) -> None:
        with self.lock:
            if not self.model.finished:
                self.model.step()
            self.draw()

    def draw(self) -> None:
        """Render the charts at the model's current step and show them."""
        with self.lock:
            m = self.model
            pngs = self.charts.render(m)
            self.frame.value = Frame(m.step_index, dict(m.records[-1]), m.n, pngs, m.finished, time.monotonic())

    def play(self, cancel: threading.Event) -> None:
        """Step and draw until paused, cancelled or finished (runs in a thread while playing)."""
        self.steps_played, self.play_started = 0, time.monotonic()
        draw_s = 0.0
        while not cancel.is_set() and self.playing.value and not self.model.finished:
            speed = self.speed.value
            rate = None if speed == FASTEST else float(speed)
            frame_start = time.monotonic()
            budget = max(FRAME_S, DRAW_SHARE_INVERSE * draw_s)
            with self.lock:
                while (
                    self.playing.value
                    and not cancel.is_set()
                    and not self.model.finished
                    and time.monotonic() - frame_start < budget
                ):  # Pause takes effect within one step
                    due = rate is None or self.steps_played < (time.monotonic() - self.play_started) * rate
                    if not due:
                        break
                    self.model.step()
                    self.steps_played += 1
                drawing = time.monotonic()
                self.draw()
                draw_s = time.monotonic() - drawing
            rest = FRAME_S - (time.monotonic() - frame_start)
            if rest > 0:
                cancel.wait(rest)
        self.playing.value = False


# --- Components -------------------------------------------------------------------------------------

#: Smallest text on the page (px): labels, values and counts, readable on a projector.
TEXT_PX = 16

PAGE_CSS = f"""
.wom-root {{ display: flex; width: 100vw; height: 100vh; overflow: hidden; font-size: {TEXT_PX}px; }}
.wom-side {{ width: 300px; min-width: 300px; overflow-y: auto; padding: 4px 8px; background: #fafafa;
    border-right: 1px solid #ddd; }}
.wom-main {{ flex: 1; min-width: 0; overflow: auto; padding: 2px 8px; }}
.wom-main > div, .wom-main > span {{ margin: 0 !important; }}
.wom-side .v-input {{ font-size: {TEXT_PX}px; }}
.wom-side .v-input__details {{ display: none; }}
.wom-side .v-selection-control {{ min-height: 32px; }}
.wom-side .v-selection-control__wrapper, .wom-side .v-selection-control__input {{ height: 32px; }}
/* Every label at full size: a select's floating label is not shrunk to 12 px. */
.wom-side .v-label {{ font-size: {TEXT_PX}px; opacity: 0.85; }}
.wom-side .v-field {{ --v-field-label-scale: {TEXT_PX}px; font-size: {TEXT_PX}px; }}
.wom-side .v-field__input {{ padding-top: 23px; padding-bottom: 1px; min-height: 48px; }}
.wom-side .v-btn {{ font-size: {TEXT_PX}px; }}
/* A slider's label above its track: a long label never squeezes the track, every track is full width. */
.wom-side .v-slider.v-input--horizontal {{ grid-template-areas: "prepend" "control"; grid-template-columns: 100%;
    margin: 2px 0 0 0; }}
.wom-side .v-slider .v-input__prepend {{ margin: 0; }}
.wom-side .v-slider .v-slider__label {{ margin: 0; white-space: normal; }}
.wom-side .v-slider .v-input__control {{ min-height: 28px; margin: 0 10px; }}
/* Rarely used controls in folded sections, with a compact header. */
.wom-side .v-expansion-panels {{ margin-top: 3px; }}
.wom-side .v-expansion-panel {{ margin: 0 !important; }}
.wom-side > div {{ row-gap: 4px !important; }}  /* the sidebar's column of controls */
.wom-side .v-expansion-panel-title {{ min-height: 36px !important; padding: 4px 10px; font-size: {TEXT_PX}px;
    font-weight: 600; }}
.wom-side .v-expansion-panel-text__wrapper {{ padding: 0 8px 6px 8px; }}
.wom-buttons {{ display: flex; gap: 6px; margin: 4px 0; }}
.wom-buttons .v-btn {{ flex: 1; min-width: 0 !important; }}
.wom-head {{ white-space: nowrap; overflow: hidden; text-overflow: ellipsis; font-size: {TEXT_PX}px; }}
.wom-head b {{ font-size: 18px; }}
.wom-changes {{ font-size: {TEXT_PX}px; color: #555; }}
.wom-pending {{ color: #a05a00; font-weight: 600; }}
.wom-counts {{ display: flex; flex-wrap: wrap; gap: 6px; margin: 2px 0; }}
.wom-tile {{ background: #f3f4f6; border-radius: 6px; padding: 1px 10px; }}
.wom-tile .wom-value {{ font-size: 20px; font-weight: 600; line-height: 1.2; }}
.wom-tile .wom-label {{ font-size: {TEXT_PX}px; color: #444; line-height: 1.25; }}
.wom-swatch {{ display: inline-block; width: 12px; height: 12px; border-radius: 6px; margin-right: 4px; }}
.wom-finished {{ background: #fff3cd; border: 2px solid #d39e00; border-radius: 6px; padding: 2px 12px;
    font-size: 18px; font-weight: 600; }}
/* Two charts a row where they fit (1280 px wide), one a row on a narrower screen (1024 px): never cut. */
.wom-charts {{ display: grid; grid-template-columns: repeat(auto-fill, {CHART_PX[0]}px); gap: 4px 8px; }}
.wom-chart img {{ width: {CHART_PX[0]}px; height: {CHART_PX[1]}px; display: block; }}
.wom-params {{ display: none; }}
/* Solara's "This website runs on Solara" banner would cover a chart on a projector. */
.solara-watermark, .v-footer {{ display: none !important; }}
"""

#: Headline tiles: (css class, label, colour key or None, value of a record row).
TILES = (
    ("wom-day", "day", None, lambda r, n: f"{r['time']:g}"),
    ("wom-adopted", "ever adopted", "adopted", lambda r, n: f"{r['adopted_total']:,} ({r['adopted_total'] / n:.0%})"),
    ("wom-adopters", "adopters", "adopters", lambda r, n: f"{r['adopters']:,}"),
    ("wom-fans", "fans", "fans", lambda r, n: f"{r['fans']:,}"),
    ("wom-detractors", "detractors", "detractors", lambda r, n: f"{r['detractors']:,}"),
    ("wom-aware", "aware", "aware", lambda r, n: f"{r['aware']:,}"),
)


#: Tiles a market of brands leaves out for its brands' owners (adopters, fans and detractors of any brand).
ONE_BRAND_TILES = ("wom-adopters", "wom-fans", "wom-detractors")


def counts_html(record: dict, n: int) -> str:
    """The headline counts of a step as HTML tiles (classes let tests find them); a market of brands shows each
    brand's owners, in its colour, in place of adopters, fans and detractors."""
    brands = brand_names(record)
    tiles = []
    for css, label, color, value in TILES:
        if brands and css in ONE_BRAND_TILES:
            continue
        shown = color and not (brands and css == "wom-adopted")  # in a market, blue is a brand's
        swatch = f'<span class="wom-swatch" style="background:{COLORS[color]}"></span>' if shown else ""
        tiles.append(
            f'<div class="wom-tile {css}"><div class="wom-value">{html.escape(value(record, n))}</div>'
            f'<div class="wom-label">{swatch}{label}</div></div>'
        )
        if css == "wom-adopted":
            tiles += [_brand_tile(b, name, record[f"owners_{name}"], n) for b, name in enumerate(brands)]
    return f'<div class="wom-counts">{"".join(tiles)}</div>'


def _brand_tile(b: int, name: str, owners: int, n: int) -> str:
    swatch = f'<span class="wom-swatch" style="background:{brand_color(b)}"></span>'
    return (
        f'<div class="wom-tile wom-brand"><div class="wom-value">{owners:,} ({owners / n:.0%})</div>'
        f'<div class="wom-label">{swatch}own {html.escape(name)}</div></div>'
    )


def _widened(control: Control, value) -> tuple[float, float]:
    return min(control.min, value), max(control.max, value)


@solara.component
def ControlWidget(session: Session, control: Control, value):
    """One control bound to the session's settings."""

    def on_value(v):
        session.set_control(control.name, v)

    label = control.label
    if control.widget == "Checkbox":
        solara.Checkbox(label=label, value=bool(value), on_value=on_value)
    elif control.widget == "Select":
        solara.Select(label=label, value=value, values=list(control.values), on_value=on_value)
    elif control.widget == "SliderInt":
        lo, hi = _widened(control, value)
        solara.SliderInt(
            f"{label}: {value:,}", value=int(value), min=int(lo), max=int(hi), step=int(control.step), on_value=on_value
        )
    else:
        lo, hi = _widened(control, value)
        solara.SliderFloat(
            f"{label}: {value:g}", value=float(value), min=lo, max=hi, step=control.step, on_value=on_value
        )


#: The sidebar's sections of scenario controls: (title, open at start, control names). The iron triangle
#: is open (the lessons move its sliders); the rest is folded so the main controls fit a 720 px screen.
#: All of them take effect on Reset (the first title says so; the page says "Press Reset to apply").
#: Every control not named here is a strategy switch (discovered from the schema).
PEOPLE_SECTION = "People and seed users"
VIEW_SECTION = "Network view"
NAMED_SECTIONS = (
    (
        "Iron triangle (on Reset)",
        True,
        ("quality", "forum", "weibo", "wechat", "accelerator", "growth", "brand_growth"),
    ),
    (PEOPLE_SECTION, False, ("seed_count", "seed_choice", "employees")),
    ("Complaints, posts and ads", False, ("negative_bias", "official_posts", "advertising")),
)
STRATEGIES_SECTION = "Strategies"


BRANDS_SECTION, MARKET_SECTION = "Brands (on Reset)", "Market"


def control_sections(scenario: Scenario | None = None) -> list[tuple[str, bool, tuple[str, ...]]]:
    """The sidebar's sections of a scenario's controls, each control in exactly one (strategies last); a market
    of brands: its brands' quality sliders (open), people, then the market-wide controls."""
    if scenario is not None and scenario.brands:
        brands = tuple(c.name for c in brand_controls(scenario))
        return [(BRANDS_SECTION, True, brands), (PEOPLE_SECTION, False, ()), (MARKET_SECTION, False, MARKET_CONTROLS)]
    named = {name for _, _, names in NAMED_SECTIONS for name in names}
    strategies = tuple(c.name for c in all_controls() if c.name not in named)
    return [*NAMED_SECTIONS, (STRATEGIES_SECTION, False, strategies)]


@solara.component
def Section(title: str, expanded: bool, children=()):
    """A sidebar section that folds away (open at start when `expanded`)."""
    solara.Details(summary=title, children=list(children), expand=expanded)


@solara.component
def Sidebar(session: Session):
    """Scenario, player buttons and speed, then the scenario's controls by section, then the network view."""
    s = session.settings.value
    frame = session.frame.value
    playing = session.playing.value
    finished = frame is not None and frame.finished
    solara.Select(
        label="Scenario (loads its values)",
        value=s.scenario_file,
        values=scenario_choices(s.scenario_file),
        on_value=session.pick,
    )
    with solara.Div(classes=["wom-buttons"]):
        solara.Button("Reset", on_click=session.reset, color="primary")
        solara.Button(
            "Pause" if playing else "Play", on_click=lambda: session.playing.set(not playing), disabled=finished
        )
        solara.Button("Step", on_click=session.step, disabled=playing or finished)
    solara.Select(
        label="Speed (days per second)", value=session.speed.value, values=list(SPEEDS), on_value=session.speed.set
    )

    def set_layer(v):
        session.layer.set(v)
        session.redraw_view()

    def set_paths(v):
        session.paths.set(v)
        session.redraw_view()

    def set_population(v):
        session.settings.set(Settings(s.scenario_file, int(v.replace(",", "")), s.seed, s.values))

    def set_seed(v):
        session.settings.set(Settings(s.scenario_file, s.population, int(v), s.values))

    scenario = load_file(s.scenario_file)
    controls = {c.name: c for c in all_controls(scenario)}
    for title, expanded, names in control_sections(scenario):
        with Section(title, expanded):
            if title == PEOPLE_SECTION:
                sizes = population_choices(s.population)
                solara.Select(
                    label="Population (people)",
                    value=f"{s.population:,}",
                    values=[f"{n:,}" for n in sizes],
                    on_value=set_population,
                )
                solara.SliderInt(
                    f"Random seed: {s.seed}", value=s.seed, min=SEED_RANGE[0], max=SEED_RANGE[1], on_value=set_seed
                )
            for name in names:
                ControlWidget(session, controls[name], s.values[name])
    with Section(VIEW_SECTION, expanded=False):
        solara.Select(label="Ties shown", value=session.layer.value, values=list(LAYER_CHOICES), on_value=set_layer)
        solara.Checkbox(label="Show who convinced whom", value=session.paths.value, on_value=set_paths)


@solara.component
def Dashboard(session: Session):
    """The scenario line, what differs from the file, the counts and the four charts."""
    frame = session.frame.value
    s = session.settings.value
    model = session.model
    sc = model.cfg
    solara.Style(PAGE_CSS)
    # One line, cut with an ellipsis (the whole text on hover), so the charts keep their place on a projector.
    head = f"{model.n:,} people, {sc.run.days:g} days. <b>{html.escape(sc.name)}</b>: {html.escape(sc.description)}"
    solara.HTML(tag="div", classes=["wom-head"], unsafe_innerHTML=head, attributes={"title": sc.description})
    changes = changes_from_file(s)
    pending = s != session.applied
    text = "Changed from the file: " + "; ".join(changes) if changes else "As in the scenario file."
    extra = ' <span class="wom-pending">Press Reset to apply.</span>' if pending else ""
    solara.HTML(tag="div", classes=["wom-changes"], unsafe_innerHTML=html.escape(text) + extra)
    params = {"scenario_file": s.scenario_file, "population": s.population, "values": s.values}
    solara.HTML(tag="pre", classes=["wom-params"], unsafe_innerHTML=html.escape(json.dumps(params)))
    with solara.Row(style={"align-items": "center", "gap": "10px", "flex-wrap": "wrap"}):
        solara.HTML(tag="div", unsafe_innerHTML=counts_html(frame.record, frame.n))
        if frame.finished:
            solara.HTML(
                tag="div",
                classes=["wom-finished"],
                unsafe_innerHTML=f"Finished at day {frame.record['time']:g} - press Reset to run again",
            )
    for note in model.notes:
        solara.HTML(tag="div", classes=["wom-changes", "wom-note"], unsafe_innerHTML=html.escape("Note: " + note))
    with solara.Div(classes=["wom-charts"]):
        for kind in frame.pngs:  # the one-brand charts (KINDS), or a market's race (sim.viz.page.race)
            with solara.Div(classes=["wom-chart", f"wom-{kind}"]):
                solara.Image(frame.pngs[kind])


@solara.component
def Page():
    """The whole page: the sidebar of controls beside the dashboard."""
    session = solara.use_memo(lambda: Session(startup_scenario()), [])
    solara.use_thread(session.play, dependencies=[session.playing.value], intrusive_cancel=False)
    solara.Title(PAGE_TITLE)
    with solara.Div(classes=["wom-root"]):
        with solara.Div(classes=["wom-side"]):
            Sidebar(session)
        with solara.Div(classes=["wom-main"]):
            Dashboard(session)


@solara.component
def Layout(children=()):
    """The page without Solara's default app bar, so the charts get the whole window."""
    solara.Column(children=list(children), style={"padding": "0"})

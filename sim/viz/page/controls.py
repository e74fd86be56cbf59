"""The page's controls: what each one sets in a scenario, the scenario picker, and what differs from the file.

Each control sets one or more dotted scenario keys (`CONTROLS`); every playbook mechanism of the
scenario schema (a `sim.config.section.MechanismSection` section with an `enabled` switch) gets a switch of
its own (`strategy_controls`), so a mechanism added to the schema appears on the page. A market of brands
(`[brands.<name>]`) gets a quality slider per brand (`brand_controls`: `brands.<name>.engine.quality`) and the
market-wide controls that act in it (`MARKET_CONTROLS`): its brands have already taken the top-level
brand-level sections, so a top-level slider would change nothing, and channels, employees and the
strategies are refused in a market (sim.config.brands.MULTI_BRAND_LIMITS). Picking a
scenario file loads that file's values into every control (`file_values`); `changes_from_file`
lists what the controls change against the file.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sim.config.scenario import load_scenario, scenario_from_dict, set_dotted
from sim.config.schema import Scenario
from sim.config.section import MechanismSection
from sim.config.shipped import shipped_folder

#: The project folder (scenario paths in the picker are relative to it).
#: The shipped scenarios folder (the checkout's scenarios/, or the installed package's copy) and its parent,
#: against which the picker names files ("scenarios/playbook/miui.toml").
SCENARIOS_DIR = shipped_folder("scenarios")
PROJECT_ROOT = SCENARIOS_DIR.parent
DEFAULT_SCENARIO = "scenarios/default.toml"

#: Population sizes offered by the page (people); a file's own size is added when it is not one of them.
POPULATION_CHOICES = (1_000, 2_000, 5_000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000)
SEED_RANGE = (0, 99, 1)


@dataclass(frozen=True)
class Control:
    """One control of the page: its name, the scenario keys it sets, its label and its widget."""

    name: str
    keys: tuple[str, ...]
    label: str
    widget: str  # "SliderFloat", "SliderInt", "Checkbox" or "Select"
    min: float | None = None
    max: float | None = None
    step: float | None = None
    values: tuple[str, ...] = ()
    help: str = ""


ONLINE_LAYERS = ("forum", "weibo", "wechat")
LAYER_NAMES = {"offline": "offline talk", "forum": "forum", "weibo": "Weibo", "wechat": "WeChat groups"}

#: The three factors of the iron triangle, seed users, negative word of mouth and the tactics.
CONTROLS: tuple[Control, ...] = (
    Control(
        "quality", ("engine.quality",), "Product quality", "SliderFloat", 0.0, 1.2, 0.05, help="engine of the triangle"
    ),
    *(
        Control(layer, (f"channels.{layer}.enabled",), f"{LAYER_NAMES[layer]} on", "Checkbox", help="accelerator")
        for layer in ONLINE_LAYERS
    ),
    Control(
        "accelerator",
        tuple(f"channels.{layer}.transmission_factor" for layer in ONLINE_LAYERS),
        "Online posts persuade (x talk)",
        "SliderFloat",
        0.0,
        5.0,
        0.25,
        help="accelerator",
    ),
    Control(
        "growth", ("relationship.growth",), "Trust gained per talk", "SliderFloat", 0.0, 0.5, 0.01, help="relationship"
    ),
    Control(
        "brand_growth",
        ("relationship.brand_growth",),
        "Brand tie gained per participation",
        "SliderFloat",
        0.0,
        0.5,
        0.01,
        help="relationship: makes fans",
    ),
    Control("seed_count", ("seed_users.count",), "Seed users (people)", "SliderInt", 0, 500, 10),
    Control("seed_choice", ("seed_users.choice",), "Seed users are", "Select", values=("random", "hubs", "community")),
    Control(
        "negative_bias",
        ("wom.negative_transmission_factor",),
        "Complaints persuade (x praise)",
        "SliderFloat",
        0.0,
        10.0,
        0.5,
    ),
    Control("employees", ("population.employees",), "Employees as first fans", "SliderInt", 0, 100, 5),
    Control("official_posts", ("official.posts_per_day",), "Official posts per day", "SliderFloat", 0.0, 5.0, 0.5),
    Control(
        "advertising", ("advertising.spend_per_day",), "Ads: spend per day", "SliderFloat", 0.0, 200_000.0, 10_000.0
    ),
)

#: The controls that act in a market of brands: market-wide keys its brands share (sim.config.brands.MARKET_WIDE).
MARKET_CONTROLS = ("growth", "negative_bias")
#: The key of a brand's quality slider under `brands.<name>.`; its range is the one-brand quality slider's.
BRAND_QUALITY_KEY = "engine.quality"

#: Longest strategy label taken from its section's docstring; longer ones use the section's name.
MAX_STRATEGY_LABEL = 30


def strategy_label(name: str, section: type[MechanismSection]) -> str:
    """'Hit product': the docstring's words before a colon when short, else the section name."""
    first = (section.__doc__ or "").strip().splitlines()[0] if section.__doc__ else ""
    words = first.split(":", 1)[0].strip() if ":" in first else ""
    return words if 0 < len(words) <= MAX_STRATEGY_LABEL else name.replace("_", " ").capitalize()


@functools.cache
def strategy_controls() -> tuple[Control, ...]:
    """A switch for every playbook mechanism (a `Mechanism` section) of the scenario schema.

    The control's name is its dotted scenario key (e.g. "events.enabled").
    """
    sections = {
        name: field.annotation
        for name, field in Scenario.model_fields.items()
        if isinstance(field.annotation, type) and issubclass(field.annotation, MechanismSection)
    }
    return tuple(
        Control(f"{name}.enabled", (f"{name}.enabled",), strategy_label(name, section), "Checkbox", help="strategy")
        for name, section in sections.items()
    )


def brand_controls(scenario: Scenario) -> tuple[Control, ...]:
    """A quality slider per brand of a market (named by its key, `brands.<name>.engine.quality`)."""
    quality = next(c for c in CONTROLS if c.keys == (BRAND_QUALITY_KEY,))
    return tuple(
        Control(
            f"brands.{name}.{BRAND_QUALITY_KEY}",
            (f"brands.{name}.{BRAND_QUALITY_KEY}",),
            f"Quality of {name}",
            quality.widget,
            quality.min,
            quality.max,
            quality.step,
            help=f"engine of brand {name}",
        )
        for name in scenario.brands
    )


def all_controls(scenario: Scenario | None = None) -> tuple[Control, ...]:
    """Every control that sets keys of `scenario`: the fixed ones, then the discovered strategies; for a market
    of brands a quality slider per brand, then the market-wide controls (`MARKET_CONTROLS`)."""
    if scenario is not None and scenario.brands:
        fixed = {c.name: c for c in CONTROLS}
        return brand_controls(scenario) + tuple(fixed[name] for name in MARKET_CONTROLS)
    return CONTROLS + strategy_controls()


def scenario_value(scenario: Scenario, key: str) -> Any:
    """The value of a dotted key in a scenario, e.g. 'engine.quality' or 'brands.a.engine.quality'."""
    value: Any = scenario
    for part in key.split("."):
        value = value[part] if isinstance(value, dict) else getattr(value, part)
    return value


def control_values(scenario: Scenario) -> dict[str, Any]:
    """The value each control of the scenario shows (the first of its keys)."""
    return {c.name: scenario_value(scenario, c.keys[0]) for c in all_controls(scenario)}


# --- Scenario files ---------------------------------------------------------------------------------


def scenario_choices(extra: str | None = None) -> list[str]:
    """Scenario files offered by the picker: scenarios/**/*.toml (relative paths), markets of brands included,
    plus `extra`."""
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


def scenario_label(path: str | Path) -> str:
    """How the picker names a scenario file: relative to the project folder when inside it."""
    path = Path(path).resolve()
    try:
        return path.relative_to(PROJECT_ROOT).as_posix()
    except ValueError:
        return str(path)


@functools.lru_cache(maxsize=64)
def _load(path: str, mtime: float) -> Scenario:
    return load_scenario(path)


def load_file(scenario_file: str) -> Scenario:
    """The scenario of a picker entry (cached while the file is unchanged)."""
    path = resolve_scenario(scenario_file)
    return _load(str(path), path.stat().st_mtime if path.exists() else 0.0)


@dataclass(frozen=True)
class Settings:
    """Everything the page's controls say: scenario file, population, random seed and control values."""

    scenario_file: str
    population: int
    seed: int
    values: dict[str, Any]

    def with_value(self, name: str, value: Any) -> Settings:
        return Settings(self.scenario_file, self.population, self.seed, self.values | {name: value})


def file_settings(scenario_file: str, seed: int = 0) -> Settings:
    """The controls loaded with a scenario file's values (what picking the file does)."""
    scenario = load_file(scenario_file)
    return Settings(scenario_file, scenario.population.size, seed, control_values(scenario))


def population_choices(current: int) -> list[int]:
    """Population sizes the page offers, including `current`."""
    return sorted(set(POPULATION_CHOICES) | {int(current)})


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


def shown(value: Any) -> str:
    """A setting's value as shown on the page."""
    if isinstance(value, bool):
        return "on" if value else "off"
    if isinstance(value, float):
        return f"{value:g}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def changes_from_file(settings: Settings) -> list[str]:
    """'label: file value -> value' for every control that differs from the scenario file."""
    base = file_settings(settings.scenario_file, settings.seed)
    changes = []
    if settings.population != base.population:
        changes.append(f"Population: {shown(base.population)} → {shown(settings.population)}")
    for c in all_controls(load_file(settings.scenario_file)):
        before, now = base.values[c.name], settings.values.get(c.name, base.values[c.name])
        if now != before:
            changes.append(f"{c.label}: {shown(before)} → {shown(now)}")
    return changes

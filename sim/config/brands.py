"""Competing brands in one market (issue 26, part 1): the `[brands.<name>]` tables of a scenario.

A scenario without `[brands]` has one brand, configured by its top-level sections, exactly as before. With
`[brands.<name>]` tables (1 to `MAX_BRANDS`, plain names: `BRAND_NAME_RULE`) every brand starts from the
top-level brand-level sections (`BRAND_SECTIONS`: what a brand decides or is) and its own table overrides
any of their keys, plus `entry_day`, the day the brand enters the market. The market-wide sections
(`MARKET_WIDE`: the run, the population, how people talk and meet, the channels, who can buy at all) are
shared: one of them under a brand is an error naming its key.

`inherit_brand_sections` does the merging on the raw tables (before validation, so a brand's table is
validated as a whole with the same section classes and errors name `brands.<name>.<key>`);
`check_brands` is the check across sections (the entry day inside the horizon; what a market of several
brands does not model yet, `MULTI_BRAND_LIMITS`).
"""

from __future__ import annotations

import re
from typing import Any

from pydantic import Field, create_model

from sim.config.behaviour import EngineConfig
from sim.config.budget import BudgetConfig
from sim.config.channels import AdvertisingConfig, OfficialConfig
from sim.config.limits import MAX_DAYS
from sim.config.mechanisms import MECHANISM_SECTIONS
from sim.config.money import MoneyConfig
from sim.config.population import SeedUsersConfig
from sim.config.section import NEVER, KeyConflict, Probability, Section
from sim.config.toml import deep_merge

#: Largest switching hazard per value unit of shortfall (per day per value unit).
MAX_SWITCH_RATE = 100.0
#: Most F-codes an owner hands out per day (codes per owner per day).
MAX_F_CODES = 100.0
#: Largest switching cost (value units: the scale of quality and expectation).
MAX_SWITCH_COST = 10.0


class SwitchingConfig(Section):
    """Owners reconsidering their brand (issue 26, part 3): switching to a rival or leaving the category. Off
    by default (every rate 0), and only with [brands] (a scenario of one brand is unchanged)."""

    dissatisfaction: float = Field(
        0.0,
        ge=0,
        le=MAX_SWITCH_RATE,
        description="Hazard (per day per value unit) with which an owner whose lived margin (experience minus "
        "expectation at purchase) is below 0 reconsiders their brand: rate x shortfall.",
    )
    persuasion: Probability = Field(
        0.0,
        ge=0,
        le=1,
        description="Chance that a step's persuasive message from a rival brand (its ads or its owners' talk) makes "
        "an owner reconsider their brand.",
    )
    cost: float = Field(
        0.0,
        ge=0,
        le=MAX_SWITCH_COST,
        description="Switching cost (value units): subtracted from every rival's margin when an owner reconsiders.",
    )
    loyalty: Probability = Field(
        0.0,
        ge=0,
        le=1,
        description="Weight of the brand tie: an owner reconsiders with the chances above times "
        "(1 - loyalty x brand tie), the brand tie of the relationship chain (0-1).",
    )
    leave: Probability = Field(
        0.0,
        ge=0,
        le=1,
        description="Chance that a reconsidering owner with a lived margin below 0 who keeps their brand leaves the "
        "category instead (owns nothing, open to every brand again).",
    )
    fan_screening: Probability = Field(
        0.0,
        ge=0,
        le=1,
        description="Fans screen out outside information (seed S75): the share of a rival's persuasion a fan "
        "(an owner whose brand tie passed relationship.fan_threshold) discards, so a fan reconsiders after a "
        "rival's message with persuasion x (1 - fan_screening); other owners are not screened (0 = nobody screens).",
    )

    @property
    def on(self) -> bool:
        """Whether owners ever reconsider (any rate above 0)."""
        return self.dissatisfaction > 0 or self.persuasion > 0


#: Largest give-up hazard of a waiting buyer (per day) and talk weight of one waiting for a scarce brand.
MAX_GIVE_UP, MAX_SCARCITY_TALK = 100.0, 10.0


class SupplyConfig(Section):
    """A brand's daily capacity and its waiting list (issue 26, part 4): brand-level, so each brand has its own.
    Unlimited by default, and only with [brands] (a scenario of one brand is unchanged)."""

    capacity_per_day: float = Field(
        NEVER,
        ge=0,
        le=NEVER,
        allow_inf_nan=True,
        description="Buyers the brand can serve per day (people per day; inf = no limit): buyers beyond it wait "
        "on a list, first come first served.",
    )
    give_up: float = Field(
        0.0,
        ge=0,
        le=MAX_GIVE_UP,
        description="Hazard with which a buyer on the waiting list gives up (per day): they turn from the brand "
        "and may buy a rival when next persuaded.",
    )
    scarcity_talk: float = Field(
        0.0,
        ge=0,
        le=MAX_SCARCITY_TALK,
        description="Talk weight, for the brand, of each person waiting for it (1 = as much as a talking owner; "
        "well mixed only): whether scarcity feeds word of mouth, an assumption (the sources claim it does).",
    )
    f_codes_per_owner: float = Field(
        0.0,
        ge=0,
        le=MAX_F_CODES,
        description="F-codes each owner of the brand hands out per day (codes per owner per day) to people on its "
        "waiting list: holders are served before everyone without a code (priority; the codes do not add capacity).",
    )

    @property
    def limited(self) -> bool:
        """Whether the brand's capacity is finite."""
        return self.capacity_per_day < NEVER


#: Most brands in one market (per-brand state costs a byte per person per brand: `sim.model.brands`).
MAX_BRANDS = 8
#: A brand's name: it becomes part of column and metric names (`owners_<brand>`, `share_final_<brand>`).
BRAND_NAME = re.compile(r"^[a-z][a-z0-9_]{0,15}$")
BRAND_NAME_RULE = "a plain name: a lowercase letter, then lowercase letters, digits or '_' (at most 16 characters)"
#: Sections shared by the whole market: they may not appear under a brand.
MARKET_WIDE = (
    "name",
    "description",
    "run",
    "population",
    "wom",
    "network",
    "channels",
    "relationship",
    "market",
    "switching",
    "choice",
)
#: Sections a brand decides for itself: the top-level ones are every brand's defaults.
BRAND_SECTIONS: dict[str, type[Section]] = {
    "seed_users": SeedUsersConfig,
    "engine": EngineConfig,
    "advertising": AdvertisingConfig,
    "official": OfficialConfig,
    **MECHANISM_SECTIONS,
    "budget": BudgetConfig,
    "supply": SupplyConfig,
    "money": MoneyConfig,
}
#: The key of a brand's table that is not a section: the day it enters the market.
ENTRY_DAY = "entry_day"


def _brand_model() -> type[Section]:
    """One brand: its entry day, then every brand-level section (the top-level ones merged under its own)."""
    fields: dict[str, Any] = {
        ENTRY_DAY: (
            float,
            Field(
                0.0,
                ge=0,
                le=MAX_DAYS,
                description="Day the brand enters the market (days): before it nobody hears of it or buys it; "
                "must be before the horizon (run.days).",
            ),
        )
    }
    fields |= {name: (cls, cls()) for name, cls in BRAND_SECTIONS.items()}
    return create_model("BrandConfig", __base__=Section, __module__=__name__, **fields)


#: A brand's resolved configuration (`Scenario.brands[name]`).
BrandConfig = _brand_model()


def inherit_brand_sections(data: Any) -> Any:
    """The raw scenario with each `[brands.<name>]` table completed by the top-level brand-level sections
    (its own keys win); refuses a bad count, a bad name or a market-wide section under a brand."""
    if not isinstance(data, dict) or "brands" not in data:
        return data
    brands = data["brands"]
    if not isinstance(brands, dict):
        raise KeyConflict("brands", "must be a table of [brands.<name>] tables")
    if not brands:  # an empty table, as a resolved one-brand scenario writes it: one brand, the top level
        return data
    if len(brands) > MAX_BRANDS:
        raise KeyConflict("brands", f"a market has 1 to {MAX_BRANDS} brands (got {len(brands)})")
    resolved = {}
    for name, table in brands.items():
        if not BRAND_NAME.match(name):
            raise KeyConflict(f"brands.{name}", f"a brand's name must be {BRAND_NAME_RULE}")
        if not isinstance(table, dict):
            raise KeyConflict(f"brands.{name}", "must be a table of the brand's sections")
        for key in table:
            if key in MARKET_WIDE:
                raise KeyConflict(
                    f"brands.{name}.{key}",
                    f"'{key}' is market-wide (shared by every brand): set it at the top level, not under a brand",
                )
        defaults = {key: data[key] for key in BRAND_SECTIONS if isinstance(data.get(key), dict)}
        resolved[name] = deep_merge(defaults, table)
    return {**data, "brands": resolved}


def brand_scenario(scenario, name: str):
    """The scenario as brand `name` acts in it: the market-wide sections shared, every brand-level section the
    brand's own (`BRAND_SECTIONS`). A brand's playbook is built from it (`sim.model.brands`), so each mechanism
    reads its own brand's section and the market's `relationship`, `wom` and `channels`."""
    brand = scenario.brands[name]
    return scenario.model_copy(update={section: getattr(brand, section) for section in BRAND_SECTIONS})


#: What a market of several brands does not model yet: (dotted key, test on the scenario, the rule).
#: Each is refused with its key rather than silently ignored (docs/model.md 5.8).
MULTI_BRAND_LIMITS = (
    ("run.backend", lambda sc: sc.run.backend != "vector", "several brands run on the vector backend only"),
    (
        "population.official_accounts",
        lambda sc: sc.population.official_accounts > 0 and any(layer.enabled for _, layer in sc.channels),
        "brands have no official accounts on the forum, Weibo or WeChat yet (set it to 0)",
    ),
    ("population.employees", lambda sc: sc.population.employees > 0, "several brands have no employees yet"),
    (
        "market.entrants",
        lambda sc: sc.market.entrants != "wait",
        "several brands have entrants who wait only ('at_penetration' is for one brand)",
    ),
    ("wom.rule", lambda sc: sc.wom.rule != "independent", "several brands use wom.rule = 'independent' only"),
)


def check_brands(scenario) -> None:
    """Each brand enters before the horizon; a market of several brands uses only what it models
    (`MULTI_BRAND_LIMITS`), and no brand switches on a playbook mechanism that is not brand-ready
    (`MechanismSection.brand_ready`)."""
    for name, brand in scenario.brands.items():
        if brand.entry_day >= scenario.run.days:
            raise KeyConflict(
                f"brands.{name}.entry_day",
                f"must be before the horizon run.days = {scenario.run.days:g} (got {brand.entry_day:g})",
            )
    if not scenario.brands:
        if scenario.switching != SwitchingConfig():
            raise KeyConflict("switching", "switching between brands needs [brands] (a market of brands)")
        if scenario.supply != SupplyConfig():
            raise KeyConflict("supply", "a brand's capacity and waiting list need [brands] (a market of brands)")
        return
    for key, refused, rule in MULTI_BRAND_LIMITS:
        if refused(scenario):
            raise KeyConflict(key, f"{rule} (a scenario with [brands])")
    for section, config in MECHANISM_SECTIONS.items():
        if getattr(scenario, section).enabled and not config.brand_ready:
            raise KeyConflict(f"{section}.enabled", _not_brand_ready(section))
    seeds = sum(brand.seed_users.count for brand in scenario.brands.values())
    if seeds > scenario.population.size:
        raise KeyConflict(
            "brands",
            f"the brands' seed users ({seeds}) cannot exceed population.size ({scenario.population.size}): "
            "each person owns at most one brand",
        )
    for name, brand in scenario.brands.items():
        if brand.supply.scarcity_talk > 0 and scenario.network.enabled and scenario.network.kind != "well_mixed":
            raise KeyConflict(
                f"brands.{name}.supply.scarcity_talk", "people waiting for a brand talk in a well-mixed market only"
            )
        if brand.seed_users.choice != "random":
            raise KeyConflict(
                f"brands.{name}.seed_users.choice", "several brands choose their seed users at random only"
            )
        for section, config in MECHANISM_SECTIONS.items():
            if getattr(brand, section).enabled and not config.brand_ready:
                raise KeyConflict(f"brands.{name}.{section}.enabled", _not_brand_ready(section))


def _not_brand_ready(section: str) -> str:
    """Why a mechanism is refused in a market of brands, and which ones run there."""
    ready = ", ".join(s for s, c in MECHANISM_SECTIONS.items() if c.brand_ready)
    return f"'{section}' is not brand-aware yet and must be off in a scenario with [brands] (per brand: {ready})"

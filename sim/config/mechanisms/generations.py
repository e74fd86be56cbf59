"""The scenario section of product generations: later products and how owners upgrade to them.

A mechanism section of sim.config.schema.Scenario (sim.config.mechanisms); the same strict, bounded
validation applies (sim.config.section.Section). The model's rules are in sim.model.generations and
docs/model.md ("Product generations"): one product at a time per person, an upgrade is a purchase,
a later product is never worse than the one before it (its `quality_gain` does not decrease),
owners upgrade at `upgrade_rate` scaled by how their product lived up to their expectation, by their
tie to the brand and, for fans, by `fan_lead`.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.config.limits import MAX_DAYS
from sim.config.section import KeyConflict, MechanismSection, Probability, Section

#: Most generations of one product line (the first product and at most 8 later ones): the recorded
#: columns and the metric registry have one entry per generation.
MAX_GENERATIONS = 9


class ProductConfig(Section):
    """One later product of the line (generation 2, 3, ...): when it launches, how good it is and how much
    more people expect of it."""

    launch_day: float = Field(
        ..., gt=0, le=MAX_DAYS, description="Day the product goes on sale (days); it replaces the previous one."
    )
    quality_gain: float = Field(
        0.0,
        ge=0,
        le=10,
        description="Its quality minus the first product's (value units), so the engine's quality carries over; "
        "never below the previous product's (owners upgrade to the newest product, so a worse one is refused).",
    )
    expectation_shift: float = Field(
        0.0,
        ge=-10,
        le=10,
        description="Added to everyone's expectation when judging this product (value units; expectations rise).",
    )
    innovation: float = Field(
        0.0,
        ge=0,
        le=1,
        description="With substitution = 'word_of_mouth': the Bass p of this product's own diffusion, the chance "
        "per day that someone comes to want it unprompted (per day).",
    )
    imitation: float = Field(
        0.0,
        ge=0,
        le=100,
        description="With substitution = 'word_of_mouth': the Bass q of this product's own diffusion, per day per "
        "share of the population that already wants it (per day).",
    )


class GenerationsConfig(MechanismSection):
    """Product generations (Norton and Bass 1987; Xiaomi's Mi 1, Mi 2, Mi 3): later products on sale from
    their launch day. A newcomer buys the newest product on sale; an owner of an older one upgrades with a
    per-day hazard upgrade_rate * satisfaction(lived margin) * loyalty(brand tie) * (fan_lead if a fan)."""

    position = 12

    products: list[ProductConfig] = Field(
        default_factory=list,
        max_length=MAX_GENERATIONS - 1,
        description="The later products (generation 2, 3, ...), launch days strictly increasing.",
    )
    upgrade_rate: float = Field(
        0.01,
        ge=0,
        le=100,
        description="Upgrades per day of a fully satisfied, fully loyal owner of an older product (per day).",
    )
    satisfaction_sensitivity: float = Field(
        0.1,
        ge=0,
        le=10,
        description="Width of the satisfaction curve in the lived margin (value units); 0 = only owners "
        "whose product met their expectation (margin >= 0) upgrade.",
    )
    tie_weight: Probability = Field(
        0.5,
        ge=0,
        le=1,
        description="How much the brand tie gates upgrading: loyalty = 1 - tie_weight + tie_weight * brand tie.",
    )
    fan_lead: float = Field(
        3.0, ge=0, le=100, description="Fans upgrade this many times faster than other owners (fans lead)."
    )
    substitution: Literal["constant", "word_of_mouth"] = Field(
        "constant",
        description="How owners take up a later product: 'constant': at the hazard upgrade_rate (scaled by "
        "satisfaction, loyalty and fan_lead); 'word_of_mouth': through the product's own Bass process "
        "(its innovation and imitation) as in Norton and Bass (1987), and earlier products stay on sale.",
    )

    @model_validator(mode="after")
    def _launches_in_order(self) -> GenerationsConfig:
        days = [p.launch_day for p in self.products]
        if any(b <= a for a, b in zip(days, days[1:])):
            raise ValueError(f"generations.products: launch days must be strictly increasing (got {days})")
        return self

    @model_validator(mode="after")
    def _never_worse(self) -> GenerationsConfig:
        """Owners of an older product upgrade to the newest whatever its quality (sim.model.generations), and
        nothing in the model makes them refuse a worse one: so a later product is never worse than the one
        before it (the first product's gain is 0)."""
        gains = [0.0] + [p.quality_gain for p in self.products]
        for i, (before, after) in enumerate(zip(gains, gains[1:])):
            if after < before:
                raise KeyConflict(
                    f"generations.products.{i}.quality_gain",
                    f"must be >= the previous product's quality_gain ({before:g}), got {after:g}: owners upgrade "
                    "to the newest product, so a later product may not be worse than the one before it",
                )
        return self

    @model_validator(mode="after")
    def _wanted_by_someone(self) -> GenerationsConfig:
        """Under word-of-mouth substitution a product nobody comes to want unprompted (innovation 0) is never
        wanted: nobody imitates an empty set."""
        if self.substitution == "word_of_mouth":
            for i, product in enumerate(self.products):
                if product.innovation <= 0:
                    raise KeyConflict(
                        f"generations.products.{i}.innovation",
                        "must be > 0 with generations.substitution = 'word_of_mouth' (the product's Bass p: "
                        "with 0 nobody ever comes to want it)",
                    )
        return self

    @property
    def count(self) -> int:
        """Generations of the product line when switched on (1 = the first product only)."""
        return 1 + len(self.products) if self.enabled else 1

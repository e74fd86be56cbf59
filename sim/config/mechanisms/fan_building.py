"""The scenario section of fan building: incentives for fans to participate and an honour group of super users (`sim.playbook.fan_building`).

A mechanism section of sim.config.schema.Scenario (sim.config.mechanisms); the same strict, bounded
validation applies (sim.config.section.Section).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.config.limits import MAX_DAYS, MAX_POPULATION
from sim.config.section import KeyConflict, MechanismSection, Money, Probability, Section

#: An incentive's name (a participation source of fan building).
Incentive = Literal["sharing", "honour", "benefit"]
#: The incentives in the seed's order (source 000): function and information sharing, then honour, then benefit.
SEED_ORDER: tuple[Incentive, Incentive, Incentive] = ("sharing", "honour", "benefit")
#: Largest stage level (participations): a person-day each for the largest population over the longest run.
MAX_STAGE_PARTICIPATIONS = MAX_POPULATION * int(MAX_DAYS)
#: Default level of a stage: participations through an incentive before the next one starts (a guess: about
#: two weeks of 1,000 advocates taking part at the sharing rate of 0.05 a day).
STAGE_PARTICIPATIONS = 700


class IncentiveConfig(Section):
    """One incentive for fans to participate: its extra participation, tie building and cost."""

    rate: float = Field(0.0, ge=0, le=100, description="Extra participations per day of an advocate or fan (per day).")
    tie_building: float = Field(
        1.0,
        ge=0,
        le=10,
        description="Brand-tie growth of one such participation relative to relationship.brand_growth.",
    )
    cost: Money = Field(0.0, description="Cost per participation (currency).")


class FanBuildingConfig(MechanismSection):
    """Fan building: incentives in the seed's order (function and information sharing, honour, material
    benefit), side by side or staged (each starting once the one before has drawn its level of
    participations), and an honour group of super users who test pre-releases."""

    position = 2
    brand_ready = True  # incentives and the honour group act on its brand's owners and seed users, paid by its brand

    sharing: IncentiveConfig = IncentiveConfig(rate=0.05, tie_building=1.0, cost=0.0)
    honour: IncentiveConfig = IncentiveConfig(rate=0.03, tie_building=1.5, cost=0.5)
    benefit: IncentiveConfig = IncentiveConfig(rate=0.05, tie_building=0.3, cost=5.0)
    staging: Literal["together", "ordered"] = Field(
        "together",
        description="'together' = the three incentives run side by side from day 0; 'ordered' = one after the "
        "other in `order`, each next one starting once the one before has drawn its level of participations "
        "in `stage_levels` (earlier ones keep running).",
    )
    order: list[Incentive] = Field(
        list(SEED_ORDER),
        description="With staging = 'ordered': the order the incentives start in, each named once "
        "(the seed's: sharing, honour, benefit).",
    )
    stage_levels: list[int] = Field(
        [STAGE_PARTICIPATIONS, STAGE_PARTICIPATIONS],
        description="With staging = 'ordered': participations (count, over the whole run) through the first and "
        "the second incentive of `order` after which the second and the third start.",
    )
    super_users: int = Field(
        10, ge=0, le=MAX_POPULATION, description="Honour group of super users chosen among the seed users (MIUI: 10)."
    )
    super_user_choice: Literal["random", "hubs", "most_active"] = Field(
        "random",
        description="How the super users are chosen among the seed users: 'random' = uniformly at random; "
        "'hubs' = the most contacts over all layers (the measure of seed_users.choice = 'hubs'); "
        "'most_active' = the most steps with a participation in the first super_user_trial_days days "
        "(the group forms then). Ties go to the lower person number.",
    )
    super_user_trial_days: float = Field(
        30.0,
        gt=0,
        le=MAX_DAYS,
        description="Days the seed users' participations are counted before the 'most_active' honour group is "
        "chosen, at the end of the step reaching this day (days; used only by super_user_choice = 'most_active').",
    )
    super_user_participation: float = Field(
        0.5, ge=0, le=100, description="Participations per day of a super user (testing, feedback)."
    )
    super_user_feedback: float = Field(
        5.0, ge=0, le=1000, description="Feedback weight of one super-user participation (a pre-release test report)."
    )
    super_user_risk: Probability = Field(
        0.0,
        ge=0,
        le=1,
        description="Chance a super user's step of testing meets a bad pre-release: they leave the honour group, "
        "their brand tie back at its initial value (probability per step taken part).",
    )
    super_user_gift: Money = Field(
        0.0, description="Gifts to each honour-group member per day (currency per member per day)."
    )

    @model_validator(mode="after")
    def _staging(self) -> FanBuildingConfig:
        """The order names each incentive once; the levels lie in 0-1 and do not decrease."""
        if sorted(self.order) != sorted(SEED_ORDER):
            raise KeyConflict(
                "fan_building.order",
                f"must name each of {', '.join(SEED_ORDER)} exactly once, got {', '.join(self.order)}",
            )
        levels = self.stage_levels
        if len(levels) != len(SEED_ORDER) - 1 or min(levels) < 0 or max(levels) > MAX_STAGE_PARTICIPATIONS:
            raise KeyConflict(
                "fan_building.stage_levels",
                f"must be {len(SEED_ORDER) - 1} counts of participations in 0-{MAX_STAGE_PARTICIPATIONS:,}, "
                f"got {levels}",
            )
        return self

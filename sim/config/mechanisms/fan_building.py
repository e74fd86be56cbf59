"""The scenario section of fan building: incentives for fans to participate and an honour group of super users (`sim.playbook.fan_building`).

A mechanism section of sim.config.schema.Scenario (sim.config.mechanisms); the same strict, bounded
validation applies (sim.config.section.Section).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.config.limits import MAX_DAYS, MAX_POPULATION
from sim.config.section import MechanismSection, Money, Section


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
    benefit) and an honour group of super users who test pre-releases."""

    position = 2

    sharing: IncentiveConfig = IncentiveConfig(rate=0.05, tie_building=1.0, cost=0.0)
    honour: IncentiveConfig = IncentiveConfig(rate=0.03, tie_building=1.5, cost=0.5)
    benefit: IncentiveConfig = IncentiveConfig(rate=0.05, tie_building=0.3, cost=5.0)
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
    super_user_gift: Money = Field(
        0.0, description="Gifts to each honour-group member per day (currency per member per day)."
    )

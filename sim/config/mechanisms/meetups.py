"""The scenario section of city meetups of fans with the brand's engineers (`sim.playbook.meetups`).

A mechanism section of sim.config.schema.Scenario (sim.config.mechanisms); the same strict, bounded
validation applies (sim.config.section.Section).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from sim.config.limits import MAX_POPULATION
from sim.config.section import MechanismSection, Money, Probability


class MeetupsConfig(MechanismSection):
    """City meetups: every N days in the city with the most adopters, 30-50 attendees meet engineers."""

    position = 9
    brand_ready = True  # its meetups are held for its own users, paid by its brand

    every_days: float = Field(14.0, gt=0, le=3650, description="Days between meetups (Xiaomi: two weeks).")
    min_attendees: int = Field(30, ge=1, le=MAX_POPULATION, description="Fewest attendees of a meetup (Xiaomi: 30).")
    max_attendees: int = Field(50, ge=1, le=MAX_POPULATION, description="Most attendees of a meetup (Xiaomi: 50).")
    brand_growth: Probability = Field(0.3, ge=0, le=1, description="Brand-tie growth of an attendee.")
    cost: Money = Field(2000.0, description="Cost per meetup (currency).")

    @model_validator(mode="after")
    def _sizes(self) -> MeetupsConfig:
        if self.min_attendees > self.max_attendees:
            raise ValueError("meetups.min_attendees must be <= meetups.max_attendees")
        return self

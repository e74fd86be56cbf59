"""The scenario section of forum responsiveness: engineers answering feedback posts (`sim.playbook.forum_service`).

A mechanism section of sim.config.schema.Scenario (sim.config.mechanisms); the same strict, bounded
validation applies (sim.config.section.Section).
"""

from __future__ import annotations

from pydantic import Field

from sim.config.limits import MAX_POPULATION
from sim.config.section import MechanismSection, Money, Probability


class ForumServiceConfig(MechanismSection):
    """Forum responsiveness: engineers answer feedback posts; answered feedback builds ties, unanswered erodes them."""

    position = 8

    engineers: int = Field(5, ge=0, le=MAX_POPULATION, description="Engineers answering posts.")
    replies_per_engineer: float = Field(
        150.0, ge=0, le=1e9, description="Replies per engineer per day (MIUI: about 150)."
    )
    answered_growth: Probability = Field(0.1, ge=0, le=1, description="Brand-tie growth of an answered poster.")
    unanswered_loss: Probability = Field(
        0.05, ge=0, le=1, description="Fraction of brand tie lost by an unanswered poster."
    )
    engagement_step: Probability = Field(
        0.2,
        ge=0,
        le=1,
        description="How much an answer raises (and silence lowers) the poster's willingness to participate.",
    )
    cost_per_reply: Money = Field(0.0, description="Staff time of one answered forum post (currency per reply).")

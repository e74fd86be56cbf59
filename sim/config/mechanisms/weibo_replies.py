"""The scenario section of official replies on Weibo: the brand answers people who post there
(`sim.playbook.weibo_replies`).

A mechanism section of sim.config.schema.Scenario (sim.config.mechanisms); the same strict, bounded
validation applies (sim.config.section.Section).
"""

from __future__ import annotations

from pydantic import Field

from sim.config.section import MechanismSection, Money, Probability

#: Largest reply rate a scenario may ask for (replies per hour).
MAX_REPLIES_PER_HOUR = 1e6
#: Hours in a day: the most time a day can give to replies (hours per day).
HOURS_IN_A_DAY = 24.0


class WeiboRepliesConfig(MechanismSection):
    """Official replies on Weibo: the brand answers people who post on Weibo, up to its capacity a day;
    answered posters grow closer to the brand and may share the reply."""

    position = 14

    replies_per_hour: float = Field(
        60.0,
        ge=0,
        le=MAX_REPLIES_PER_HOUR,
        description="Replies the brand writes per hour of answering (replies/hour).",
    )
    hours_per_day: float = Field(
        1.0, ge=0, le=HOURS_IN_A_DAY, description="Hours a day spent answering Weibo posts (hours/day; Lei Jun: 1)."
    )
    answered_growth: Probability = Field(
        0.1, ge=0, le=1, description="Brand-tie growth of an answered poster (share of the gap to full strength)."
    )
    share_chance: Probability = Field(
        0.1, ge=0, le=1, description="Chance an answered poster shares the reply next step (probability)."
    )
    cost_per_reply: Money = Field(0.0, description="Staff time of one reply on Weibo (currency per reply).")

"""The scenario section of WOM events: embedded sharing and official topic events (`sim.playbook.events`).

A mechanism section of sim.config.schema.Scenario (sim.config.mechanisms); the same strict, bounded
validation applies (sim.config.section.Section).
"""

from __future__ import annotations

from pydantic import Field

from sim.config.limits import MAX_DAYS, MAX_LIST
from sim.config.section import MechanismSection, Money, Probability, Section


class TopicEventConfig(Section):
    """An official topic event: a burst of talk for some days."""

    day: float = Field(..., ge=0, le=MAX_DAYS, description="Day the event starts.")
    days: float = Field(3.0, gt=0, le=365, description="How long it lasts (days).")
    talk_boost: float = Field(3.0, ge=1, le=100, description="Multiplier on everyone's posting during the event.")


class FestivalConfig(Section):
    """A fan festival: every fan gets a gift on one day."""

    day: float = Field(..., ge=0, le=MAX_DAYS, description="Day of the festival (day).")
    fan_gift_growth: Probability = Field(
        0.1,
        ge=0,
        le=1,
        description="Brand-tie growth of every fan given a gift (share of the gap to full strength).",
    )
    cost_per_fan_gift: Money = Field(0.0, description="Cost of one gift to a fan (currency per gift).")


class EventsConfig(MechanismSection):
    """WOM events: sharing embedded in the product, and official topic events (memes before launch)."""

    position = 6

    share_fraction: Probability = Field(
        0.0, ge=0, le=1, description="Share of new adopters whose use is posted automatically (embedded share)."
    )
    achievement_sharing: bool = Field(
        True, description="Participation with achievement raises sharing toward 100% (router example)."
    )
    launch_day: float = Field(
        0.0,
        ge=0,
        le=MAX_DAYS,
        description="Day the product can be bought; before it, talk spreads the meme (awareness) only.",
    )
    meme_talk: bool = Field(
        True, description="During topic events, aware non-adopters pass the meme on (talk without having the product)."
    )
    topics: list[TopicEventConfig] = Field(
        default_factory=list, max_length=MAX_LIST, description="Official topic events."
    )
    festivals: list[FestivalConfig] = Field(
        default_factory=list,
        max_length=MAX_LIST,
        description="Fan festivals: days on which every fan gets a gift (pair one with a topic event for its talk).",
    )

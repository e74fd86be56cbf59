"""The scenario section of staff seeding: staff accounts posting about the product in other forums, at the
risk of being found out (`sim.playbook.staff_seeding`).

A mechanism section of sim.config.schema.Scenario (sim.config.mechanisms); the same strict, bounded
validation applies (sim.config.section.Section).
"""

from __future__ import annotations

from pydantic import Field

from sim.config.section import MechanismSection, Money, Probability

#: Most staff accounts a scenario may run (accounts).
MAX_ACCOUNTS = 1_000_000
#: Most posts a day of one account (posts/day).
MAX_POSTS_PER_DAY = 1000.0
#: Most readers of one post (readers).
MAX_READERS = 100_000


class StaffSeedingConfig(MechanismSection):
    """Staff seeding: staff accounts post about the product in other forums; a post's readers hear of it and
    some are persuaded, and a post found out reads as a scam: some of its readers turn away for good."""

    position = 17

    accounts: int = Field(100, ge=0, le=MAX_ACCOUNTS, description="Staff accounts posting in other forums (accounts).")
    posts_per_day: float = Field(
        1.0, ge=0, le=MAX_POSTS_PER_DAY, description="Posts a day of one account (posts/day; a Poisson count a step)."
    )
    readers_per_post: int = Field(
        20, ge=0, le=MAX_READERS, description="People who read one post, drawn from the whole population (readers)."
    )
    persuasion: Probability = Field(
        0.05,
        ge=0,
        le=1,
        description="Chance a post that is not found out persuades an undecided reader, as a contact does (probability).",
    )
    detection: Probability = Field(
        0.02, ge=0, le=1, description="Chance a post is found out to come from the brand's staff (probability)."
    )
    backlash: Probability = Field(
        0.3,
        ge=0,
        le=1,
        description="Chance a reader of a found-out post who has not bought turns away for good (probability).",
    )
    cost_per_post: Money = Field(0.0, description="Staff time of one post (currency per post).")

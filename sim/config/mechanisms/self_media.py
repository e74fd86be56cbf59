"""The scenario section of self-media: official accounts with a content mix and a posting frequency (`sim.playbook.self_media`).

A mechanism section of sim.config.schema.Scenario (sim.config.mechanisms); the same strict, bounded
validation applies (sim.config.section.Section).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from sim.config.section import MechanismSection, Probability

#: Largest habit gain: a formed habit multiplies the official posts' reach by at most 1 + this (capped at 1).
MAX_HABIT_GAIN = 10.0


class SelfMediaConfig(MechanismSection):
    """Self-media: official accounts as information nodes with a content mix and a posting frequency.

    Useful content persuades, emotional content is seen more, interactive content makes readers
    participate. Past `fatigue_posts_per_day`, each extra daily post makes followers unfollow and every
    post is read less (attention is split). Employees and fans act as spokespeople. With `regular`, the
    accounts keep a fixed rhythm, and with `habit_gain` the audience reads more of their posts the longer the
    rhythm is kept (a habit).
    """

    position = 3

    posts_per_day: float = Field(1.0, ge=0, le=1000, description="Posts per day per official account.")
    useful: Probability = Field(0.6, ge=0, le=1, description="Share of useful posts (information, service).")
    emotional: Probability = Field(0.2, ge=0, le=1, description="Share of emotional posts.")
    interactive: Probability = Field(
        0.2, ge=0, le=1, description="Share of interactive posts (questions, votes, games)."
    )
    useful_persuasion: float = Field(1.5, ge=0, le=10, description="Persuasion multiplier of a useful post.")
    emotional_reach: float = Field(1.5, ge=0, le=10, description="Reach multiplier of an emotional post.")
    interactive_participation: Probability = Field(
        0.2, ge=0, le=1, description="Chance a reader of an interactive post takes part."
    )
    fatigue_posts_per_day: float = Field(
        3.0, ge=0, le=1000, description="Posts per day a follower tolerates before fatigue."
    )
    unfollow_rate: float = Field(
        0.02, ge=0, le=10, description="Daily unfollow probability per post per day above the tolerance."
    )
    follow_on_adopt: Probability = Field(
        0.3, ge=0, le=1, description="Chance a new adopter follows the official account."
    )
    regular: bool = Field(
        False,
        description="The accounts keep a fixed rhythm: exactly the posts posts_per_day puts in each step, at fixed "
        "times (Luo Zhenyu's 60-second audio every morning at 6), instead of a Poisson count around it.",
    )
    habit_gain: float = Field(
        0.0,
        ge=0,
        le=MAX_HABIT_GAIN,
        description="With a regular rhythm, how much more of the official posts the audience reads once the habit "
        "has formed: reach multiplied by 1 + habit_gain (1 - exp(-days kept / habit_days)) (0 = no habit; needs "
        "regular = true).",
    )
    habit_days: float = Field(
        30.0, gt=0, le=3650, description="Days of a kept rhythm for 63% of the habit (1 - 1/e) to form."
    )
    spokesperson_factor: float = Field(
        2.0, ge=0, le=100, description="Employees and fans post this many times more often."
    )

    @model_validator(mode="after")
    def _mix_sums_to_one(self) -> SelfMediaConfig:
        if abs(self.useful + self.emotional + self.interactive - 1.0) > 1e-6:
            raise ValueError("self_media.useful + emotional + interactive must sum to 1")
        if self.habit_gain > 0 and not self.regular:
            raise ValueError(
                "self_media.habit_gain > 0 needs self_media.regular = true (a habit forms around a rhythm)"
            )
        return self

"""The scenario section of trial before purchase: aware people try the product (experience stores, samples)
and decide on what they lived (`sim.playbook.trial`).

A mechanism section of sim.config.schema.Scenario (sim.config.mechanisms); the same strict, bounded
validation applies (sim.config.section.Section).
"""

from __future__ import annotations

from pydantic import Field

from sim.config.section import MechanismSection, Money, Probability

#: Largest trial rate a scenario may ask for (trials per aware person per day).
MAX_TRIAL_RATE = 100.0


class TrialConfig(MechanismSection):
    """Trial before purchase: aware people try the product; their lived margin decides whether they buy now,
    and some who found it short turn away for good."""

    position = 15

    trial_rate: float = Field(
        0.02,
        ge=0,
        le=MAX_TRIAL_RATE,
        description="Trials per day of an aware person who has not decided yet (per day; chance rate x dt a step).",
    )
    turn_away: Probability = Field(
        0.5,
        ge=0,
        le=1,
        description="Chance a tryer who does not buy and lived the product below expectation turns away (probability).",
    )
    cost_per_trial: Money = Field(
        0.0, description="Cost of one trial: store staff time, a sample (currency per trial)."
    )

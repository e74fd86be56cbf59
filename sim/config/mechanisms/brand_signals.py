"""The scenario section of brand signals: stunts and public demonstrations that raise what people expect of
the product (`sim.playbook.brand_signals`).

A mechanism section of sim.config.schema.Scenario (sim.config.mechanisms); the same strict, bounded
validation applies (sim.config.section.Section).
"""

from __future__ import annotations

from pydantic import Field

from sim.config.section import MechanismSection, Money

#: Latest day a scenario may schedule its first signal, and longest gap or memory (days).
MAX_SIGNAL_DAYS = 100_000.0
#: Most signals a scenario may schedule.
MAX_SIGNALS = 10_000
#: Largest lift one signal may give (value units: expectations are around 0.5, spread 0.15).
MAX_STRENGTH = 10.0
#: Largest share of the lift buyers may carry into their expectation (5: far beyond what they were shown).
MAX_EXPECTATION_RAISE = 5.0


class BrandSignalsConfig(MechanismSection):
    """Brand signals: stunts on a schedule raise the perceived quality, so more persuaded people buy, and the
    buyers' expectation, so delivered quality below it disappoints."""

    position = 16

    first_day: float = Field(0.0, ge=0, le=MAX_SIGNAL_DAYS, description="Day of the first signal (day).")
    every_days: float = Field(
        30.0, gt=0, le=MAX_SIGNAL_DAYS, description="Days between two signals (days; used when count > 1)."
    )
    count: int = Field(1, ge=1, le=MAX_SIGNALS, description="Number of signals given (signals).")
    strength: float = Field(
        0.1,
        ge=0,
        le=MAX_STRENGTH,
        description="Lift in perceived quality one signal gives when given (value units).",
    )
    memory_days: float = Field(
        30.0, gt=0, le=MAX_SIGNAL_DAYS, description="Days over which a signal's lift fades by a factor e (days)."
    )
    expectation_raise: float = Field(
        1.0,
        ge=0,
        le=MAX_EXPECTATION_RAISE,
        description=(
            "Share of the lift a buyer expects at their lived experience (0: none; 1: what the signal showed; "
            "above 1: the stunt overshoots)."
        ),
    )
    cost_per_signal: Money = Field(0.0, description="Cost of one signal: the event, the press (currency per signal).")

"""The scenario section of complaints: detractors take part by complaining and reporting bugs, and service
recovery (answers and gifts) can win them back (`sim.playbook.complaints`).

A mechanism section of sim.config.schema.Scenario (sim.config.mechanisms); the same strict, bounded
validation applies (sim.config.section.Section).
"""

from __future__ import annotations

from pydantic import Field

from sim.config.section import MechanismSection, Money, Probability

#: Largest number of answers or gifts per day a scenario may ask for (per day).
MAX_PER_DAY = 1e9
#: Largest feedback one complaint may be worth (feedback items).
MAX_REPORT_FEEDBACK = 1000.0


class ComplaintsConfig(MechanismSection):
    """Complaints: detractors complain (bug reports for the releases); the brand answers some, with a gift for a
    few, and an answered complaint may win the detractor back."""

    position = 13

    complaint_rate: float = Field(
        0.05, ge=0, le=100, description="Complaints per day of a detractor (each one also a bug report; per day)."
    )
    report_feedback: float = Field(
        1.0, ge=0, le=MAX_REPORT_FEEDBACK, description="Feedback items one complaint gives the next release (items)."
    )
    answers_per_day: float = Field(
        50.0, ge=0, le=MAX_PER_DAY, description="Complaints the service team can answer per day (answers/day)."
    )
    cost_per_answer: Money = Field(0.0, description="Staff time of one answered complaint (currency per answer).")
    gifts_per_day: float = Field(
        0.0, ge=0, le=MAX_PER_DAY, description="Gifts front-line staff may give with answers, per day (gifts/day)."
    )
    cost_per_gift: Money = Field(10.0, description="Cost of one gift, e.g. a screen film (currency per gift).")
    answer_win_back: Probability = Field(
        0.05, ge=0, le=1, description="Chance an answered complaint wins its detractor back (probability)."
    )
    gift_win_back: Probability = Field(
        0.2, ge=0, le=1, description="Chance a gift wins the detractor back, on top of the answer (probability)."
    )
    advocate_share: Probability = Field(
        0.5, ge=0, le=1, description="Share of detractors won back who become advocates; the rest turn quiet (share)."
    )

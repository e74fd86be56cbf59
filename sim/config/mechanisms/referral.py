"""The scenario section of referral gating: purchase codes (F-codes) handed out by the community (`sim.playbook.referral`).

A mechanism section of sim.config.schema.Scenario (sim.config.mechanisms); the same strict, bounded
validation applies (sim.config.section.Section).
"""

from __future__ import annotations

from pydantic import Field

from sim.config.limits import MAX_DAYS
from sim.config.section import MechanismSection, Money, Probability


class ReferralConfig(MechanismSection):
    """Referral gating (F-codes): buying needs a purchase code handed out by the community."""

    position = 10

    codes_per_fan: float = Field(0.05, ge=0, le=100, description="Codes a fan gives out per day.")
    codes_per_forum_senior: float = Field(
        0.02, ge=0, le=100, description="Codes per day per forum member who adopted at least senior_days ago."
    )
    senior_days: float = Field(
        30.0, ge=0, le=MAX_DAYS, description="Days of use that make an adopter senior / certified."
    )
    codes_per_owner: float = Field(0.01, ge=0, le=100, description="Codes per day per certified owner doing tasks.")
    codes_per_repost_event: float = Field(
        0.0, ge=0, le=1e9, description="Codes per day released through Weibo repost events."
    )
    cost_per_code: Money = Field(0.0, description="Logistics of one F-code handed out (currency per code).")
    reward_per_sale: Money = Field(
        0.0, description="Paid to the member whose code was used, per sale (currency per sale; 0 = no reward)."
    )
    reward_growth: Probability = Field(
        0.0,
        ge=0,
        le=1,
        description="Brand-tie growth of a member for each paid reward (share of the gap to full strength).",
    )

"""The scenario section of the social value of owning the product (`sim.playbook.social_value`).

A mechanism section of sim.config.schema.Scenario (sim.config.mechanisms); the same strict, bounded
validation applies (sim.config.section.Section).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.config.section import MechanismSection

#: Largest social value (value units: expectations are around 0.5, spread 0.15).
MAX_SOCIAL_VALUE = 10.0


class SocialValueConfig(MechanismSection):
    """Co-creation (seed S27, Prahalad: consumption extends to its social value): owning the product is worth
    more the more of the people around you own it, so its perceived value rises with the owners' share among
    a person's offline contacts (`reach = "ties"`) or in the whole population (`"population"`)."""

    position = 19

    weight: float = Field(
        0.2,
        ge=0,
        le=MAX_SOCIAL_VALUE,
        description="Value added to the product (value units) for someone all of whose contacts own it; it scales "
        "with the owners' share (0 = off).",
    )
    reach: Literal["ties", "population"] = Field(
        "ties",
        description="Whose owners count: 'ties' = the share of owners among a person's offline contacts (needs the "
        "offline network); 'population' = the share of owners among everyone.",
    )
    lived: bool = Field(
        True,
        description="Whether owners also live the social value (it adds to their experience margin, so more of "
        "them advocate) or only weigh it when deciding to buy.",
    )

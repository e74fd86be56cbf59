"""The scenario section of interaction design: simple, beneficial, fun, authentic (`sim.playbook.interaction`).

A mechanism section of sim.config.schema.Scenario (sim.config.mechanisms); the same strict, bounded
validation applies (sim.config.section.Section).
"""

from __future__ import annotations

from pydantic import Field

from sim.config.section import MechanismSection, Probability


class InteractionConfig(MechanismSection):
    """Interaction design: simple, beneficial, fun, authentic.

    Participation chances are multiplied by (simplicity + benefit + fun + authenticity) / 2 (1 at the
    neutral 0.5 scores); the sense of achievement (fun + authenticity) / 2 raises embedded sharing.
    """

    position = 5
    brand_ready = True  # its multiplier acts on the participation of the owners of the brand it belongs to

    simplicity: Probability = Field(0.5, ge=0, le=1, description="How easy it is to take part (0-1).")
    benefit: Probability = Field(0.5, ge=0, le=1, description="What taking part gives the person (0-1).")
    fun: Probability = Field(0.5, ge=0, le=1, description="How enjoyable it is (0-1).")
    authenticity: Probability = Field(0.5, ge=0, le=1, description="How genuine it feels (0-1).")

"""The scenario section of market segments: enthusiasts and the mass market, each with its own
expectations, talk and doubt (`sim.playbook.segments`).

A mechanism section of sim.config.schema.Scenario (sim.config.mechanisms); the same strict, bounded
validation applies (sim.config.section.Section).
"""

from __future__ import annotations

from pydantic import Field

from sim.config.section import MechanismSection, Probability

#: Largest shift of a segment's expectations either way (value units: expectations are around 0.5).
MAX_SHIFT = 2.0
#: Largest talk factor of a segment.
MAX_TALK = 100.0


class SegmentsConfig(MechanismSection):
    """Segments: a share of enthusiasts, the rest the mass market; each segment's expectations are shifted and
    its talk scaled, and the mass market doubts the product until enough of it has adopted (the chasm)."""

    position = 18

    enthusiast_share: Probability = Field(
        0.1, ge=0, le=1, description="Chance a person of the public is an enthusiast (probability)."
    )
    seed_enthusiasts: bool = Field(
        True, description="Seed users and employees are enthusiasts (else drawn as the public)."
    )
    enthusiast_expectation: float = Field(
        -0.1, ge=-MAX_SHIFT, le=MAX_SHIFT, description="Added to an enthusiast's expectation (value units)."
    )
    mass_expectation: float = Field(
        0.1, ge=-MAX_SHIFT, le=MAX_SHIFT, description="Added to a mass-market person's expectation (value units)."
    )
    enthusiast_talk: float = Field(2.0, ge=0, le=MAX_TALK, description="Factor on how much enthusiasts talk.")
    mass_talk: float = Field(1.0, ge=0, le=MAX_TALK, description="Factor on how much mass-market people talk.")
    enthusiast_participation: float = Field(
        1.0, ge=0, le=MAX_TALK, description="Factor on enthusiasts' participation chances (the urge to take part)."
    )
    mass_doubt: float = Field(
        0.2,
        ge=0,
        le=MAX_SHIFT,
        description="Value units the mass market adds to its expectation at a decision while none of it has adopted.",
    )
    mass_proof_share: float = Field(
        0.1,
        gt=0,
        le=1,
        description="Share of the mass market that must have adopted for its doubt to be gone (fraction).",
    )

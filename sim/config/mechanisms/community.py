"""The scenario section of fan economy versus community economy (`sim.playbook.community`).

A mechanism section of sim.config.schema.Scenario (sim.config.mechanisms); the same strict, bounded
validation applies (sim.config.section.Section).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.config.section import NEVER, MechanismSection, Probability


class CommunityConfig(MechanismSection):
    """Fan economy versus community economy.

    Vertical interaction (brand <-> fan) happens at relationship.participation_rate while the brand is
    active and stops on brand_steps_back_day. Horizontal interaction (fan <-> fan) happens at
    peer_rate * horizontal * (share of fans): it feeds on itself, so past a critical mass of fans a
    community keeps going when the brand steps back, and a fan base does not. peer_reach says whose fans
    count: 'population' (default) = the share of fans among advocates and fans everywhere, the same for
    everyone; 'ties' = the share of fans among a person's own offline contacts, so only people with fans
    around them are drawn in (the falsification run of claim 4, docs/experiments.md section 3).
    """

    position = 11

    horizontal: Probability = Field(
        0.0, ge=0, le=1, description="How much fans interact with each other (0 = fan economy, 1 = community economy)."
    )
    peer_rate: float = Field(
        0.2, ge=0, le=100, description="Participations per day among peers when everyone is a fan."
    )
    peer_reach: Literal["population", "ties"] = Field(
        "population",
        description="Whose fans draw a person into peer participation: 'population' = the share of fans "
        "among all advocates and fans; 'ties' = the share of fans among the person's offline contacts "
        "(needs the offline network).",
    )
    brand_steps_back_day: float = Field(
        NEVER,
        ge=0,
        le=NEVER,
        allow_inf_nan=True,
        description="Day the brand stops interacting with fans (inf = never).",
    )

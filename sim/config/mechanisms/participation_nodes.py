"""The scenario section of participation nodes: open nodes in product, service, brand and sales (`sim.playbook.participation_nodes`).

A mechanism section of sim.config.schema.Scenario (sim.config.mechanisms); the same strict, bounded
validation applies (sim.config.section.Section).
"""

from __future__ import annotations

from pydantic import Field

from sim.config.section import MechanismSection, Probability, Section


class NodeConfig(Section):
    """One participation node: how functional the need is and who benefits."""

    open: bool = Field(False, description="Whether the node is open to participation.")
    need: Probability = Field(
        0.5, ge=0, le=1, description="How functional the need is (more functional, more participants)."
    )
    user_benefit: Probability = Field(0.5, ge=0, le=1, description="What taking part gives the user.")
    brand_benefit: Probability = Field(
        0.5, ge=0, le=1, description="What it gives the brand; low benefit makes the brand neglect the node."
    )


class ParticipationNodesConfig(MechanismSection):
    """Open participation nodes in product, service, brand and sales.

    A node adds participations at rate base_rate * need * user_benefit; each builds the brand tie in
    proportion to the mutual benefit min(user, brand); the brand keeps a node alive in proportion to its
    own benefit, so a one-sided node fades (activity decays at neglect_rate * (1 - brand_benefit)).
    """

    position = 4
    brand_ready = True  # its nodes are sources of its brand's owners' participation

    base_rate: float = Field(
        0.2,
        ge=0,
        le=100,
        description="Participations per day of an advocate or fan at a fully open, fully useful node.",
    )
    neglect_rate: float = Field(
        0.02, ge=0, le=10, description="Daily decay of a node's activity per unit of missing brand benefit."
    )
    product: NodeConfig = NodeConfig()
    service: NodeConfig = NodeConfig()
    brand: NodeConfig = NodeConfig()
    sales: NodeConfig = NodeConfig()

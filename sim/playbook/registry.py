"""Every playbook mechanism, in the order they act, and the factor mapping attribution derives from them.

Within each hook the mechanisms act in `MECHANISMS` order, after the always-on `CORE_PARTS`; the order
fixes the order of their random draws (so results), and the order of participation sources. A new
mechanism goes at the end, so that runs without it keep their results.
"""

from __future__ import annotations

from sim.config.schema import Scenario
from sim.playbook.base import FACTORS, Mechanism
from sim.playbook.community import Community
from sim.playbook.core import CORE_PARTS, CORE_SECTIONS, CORE_SWITCHES
from sim.playbook.events import Events
from sim.playbook.fan_building import FanBuilding
from sim.playbook.forum_service import ForumService
from sim.playbook.generations import Generations
from sim.playbook.hit_product import HitProduct
from sim.playbook.interaction import Interaction
from sim.playbook.iteration import Iteration
from sim.playbook.meetups import Meetups
from sim.playbook.participation_nodes import ParticipationNodes
from sim.playbook.referral import Referral
from sim.playbook.self_media import SelfMedia

#: Every switchable mechanism, in acting order.
MECHANISMS: tuple[type[Mechanism], ...] = (
    HitProduct,
    Interaction,
    Iteration,
    Community,
    FanBuilding,
    ParticipationNodes,
    ForumService,
    Events,
    Meetups,
    SelfMedia,
    Referral,
    Generations,
)


def factor_sections() -> dict[str, tuple[str, ...]]:
    """The scenario sections of each iron-triangle factor: its core sections, then the sections of the
    mechanisms declaring that factor, in the scenario's section order."""
    order = {name: i for i, name in enumerate(Scenario.model_fields)}
    result = {}
    for factor in FACTORS:
        mine = sorted((m.section for m in MECHANISMS if m.factor == factor), key=order.__getitem__)
        result[factor] = CORE_SECTIONS[factor] + tuple(mine)
    return result


def switch_factor(key: str) -> str:
    """The iron-triangle factor a core switch (sim.playbook.core.CORE_SWITCHES) counts in: its section's."""
    section = key.split(".")[0]
    return next(f for f, sections in CORE_SECTIONS.items() if section in sections)


__all__ = ["CORE_PARTS", "CORE_SECTIONS", "CORE_SWITCHES", "MECHANISMS", "factor_sections", "switch_factor"]

"""Open participation nodes in product, service, brand and sales."""

from __future__ import annotations

import numpy as np

from sim.config.schema import Scenario
from sim.model import rules
from sim.playbook.base import RAISES, Effect, HookView, Mechanism, Source

#: The nodes a brand can open, in order.
NODES = ("product", "service", "brand", "sales")


class ParticipationNodes(Mechanism):
    """An open node adds participation at base_rate * need * user_benefit * activity (split over the
    brand's products) and builds the brand tie by the mutual benefit; the brand neglects a node in
    proportion to its missing benefit, so its activity decays while it runs."""

    section = "participation_nodes"
    turn = 6
    example_settings = ("participation_nodes.product.open=true",)
    factor = "relationship_chain"
    effect = Effect("participations", RAISES, "an open node gives advocates and fans more ways to take part")
    builds_brand_ties = True

    def __init__(self, scenario: Scenario, n: int):
        super().__init__(scenario, n)
        self.node_activity = {name: 1.0 for name in NODES}

    def participation_sources(self, view: HookView, pool: np.ndarray, day: float, dt: float) -> list[Source]:
        pn = self.cfg
        if not view.playbook.brand_active(day):
            return []
        split = view.playbook.split
        sources = []
        for name in NODES:
            node = getattr(pn, name)
            if not node.open:
                continue
            rate = rules.node_rate(pn.base_rate, node.need, node.user_benefit, self.node_activity[name])
            sources.append(
                Source(f"node_{name}", rate * split, rules.mutual_benefit(node.user_benefit, node.brand_benefit))
            )
            self.node_activity[name] = rules.node_activity(
                self.node_activity[name], pn.neglect_rate, node.brand_benefit, dt
            )
        return sources

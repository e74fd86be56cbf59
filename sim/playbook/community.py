"""Fan economy versus community economy: fans drawing each other in, and the brand stepping back."""

from __future__ import annotations

import numpy as np

from sim.model import rules
from sim.model.state import Funnel
from sim.playbook.base import RAISES, Effect, HookView, Mechanism, Source


class Community(Mechanism):
    """Horizontal interaction (fan <-> fan) at peer_rate * horizontal * share of fans, the share taken over
    the whole pool (peer_reach = 'population') or over each person's offline contacts ('ties'); the
    brand's own interaction stops on brand_steps_back_day (`brand_active`)."""

    section = "community"
    turn = 4
    example_settings = ("community.horizontal=1",)
    factor = "relationship_chain"
    effect = Effect("participations", RAISES, "fans interacting with each other add participation")
    builds_brand_ties = True

    def brand_active(self, day: float) -> bool:
        return day < self.cfg.brand_steps_back_day

    def participation_sources(self, view: HookView, pool: np.ndarray, day: float, dt: float) -> list[Source]:
        c = self.cfg
        if c.horizontal <= 0:
            return []
        if c.peer_reach == "ties":
            fan_share = _fans_among_contacts(view, pool)
        else:
            fan_share = view.people.counts[Funnel.FAN] / len(pool)
        return [Source("peers", rules.peer_rate(c.peer_rate, c.horizontal, fan_share))]


def _fans_among_contacts(view: HookView, pool: np.ndarray) -> np.ndarray:
    """Share of fans among the offline contacts of each pool member (community.peer_reach = 'ties')."""
    # the offline layer exists: checked when the scenario was built (sim.config.schema)
    layer = view.channels["offline"].incoming()  # who each person hears from: their contacts
    return rules.contacts_fan_share(view.people.state == Funnel.FAN, layer.indptr, layer.indices, pool)

"""Fan building: incentives to take part (sharing, honour, material benefit) and an honour group."""

from __future__ import annotations

import numpy as np

from sim.config.schema import Scenario
from sim.model.streams import Purpose
from sim.playbook.base import RAISES, Effect, HookView, Mechanism, Source

#: The incentives, in the seed's order: function and information sharing, honour, material benefit.
INCENTIVES = ("sharing", "honour", "benefit")


class FanBuilding(Mechanism):
    """Each incentive adds participation at its rate (split over the brand's products) with its own tie
    building and cost while the brand is active; the honour group is `super_users` seed users drawn at
    random (uniformly, without replacement) who start with a full brand tie and take part at
    super_user_participation per day, each participation bringing super_user_feedback. Incentives cost
    their `cost` per participation and the honour group super_user_gift per member and day, paid from
    the ledger (unpaid participations and unpaid gift days do not happen)."""

    section = "fan_building"
    turn = 5
    factor = "relationship_chain"
    effect = Effect("fans", RAISES, "incentives and an honour group strengthen brand ties and make fans")
    builds_brand_ties = True

    def __init__(self, scenario: Scenario, n: int):
        super().__init__(scenario, n)
        self.super_user = np.zeros(n, dtype=bool)

    def place(self, view: HookView, seeds: np.ndarray, employees: np.ndarray) -> None:
        """The honour group: super users drawn uniformly at random among the seed users."""
        if self.cfg.super_users:
            chosen = view.draws.choose(Purpose.SUPER_USERS, seeds, min(self.cfg.super_users, len(seeds)))
            self.super_user[chosen] = True
            view.people.brand_tie[chosen] = 1.0

    def participation_sources(self, view: HookView, pool: np.ndarray, day: float, dt: float) -> list[Source]:
        fb = self.cfg
        if not view.playbook.brand_active(day):
            return []
        split = view.playbook.split
        sources = []
        for name in INCENTIVES:
            inc = getattr(fb, name)
            if inc.rate > 0:
                sources.append(Source(name, inc.rate * split, inc.tie_building, inc.cost))
        if self.super_user.any() and self._gifts_paid(view, day, dt):
            sources.append(
                Source(
                    "honour_group",
                    np.where(self.super_user[pool], fb.super_user_participation, 0.0),
                    feedback=fb.super_user_feedback,
                )
            )
        return sources

    def _gifts_paid(self, view: HookView, day: float, dt: float) -> bool:
        """Pay the honour group's gifts for this step (members x super_user_gift x dt); True if paid."""
        cost = int(self.super_user.sum()) * self.cfg.super_user_gift * dt
        return view.ledger.buy("honour_gift", 1, cost, day) == 1

    def unit_costs(self) -> dict[str, float]:
        costs = {name: getattr(self.cfg, name).cost for name in INCENTIVES}
        return costs | {"honour_gift": self.cfg.super_user_gift}

"""Core parts of the playbook: behaviour configured by the core sections, always on.

These have the mechanism shape (`sim.playbook.base.Mechanism`) but no switch: the brand's own
participation source (the vertical interaction of the relationship section) and advertising that
waits for loyalty (advertising.start_at_adoption). `CORE_SECTIONS` names, once, the core scenario
sections of each iron-triangle factor; attribution adds every mechanism's section to its factor.
"""

from __future__ import annotations

import numpy as np

from sim.config.schema import Scenario
from sim.playbook.base import Mechanism, Source

#: The core sections of each iron-triangle factor (mechanisms add their own sections to these).
CORE_SECTIONS: dict[str, tuple[str, ...]] = {
    "engine": ("engine",),
    "accelerator": ("channels", "advertising"),
    "relationship_chain": ("relationship",),
}


class BrandParticipation(Mechanism):
    """Vertical interaction: the brand draws advocates and fans in at relationship.participation_rate
    while it is active, split over its products."""

    section = "relationship"
    factor = "relationship_chain"

    @classmethod
    def enabled(cls, scenario: Scenario) -> bool:
        return True

    def participation_sources(self, model, pool: np.ndarray, day: float, dt: float) -> list[Source]:
        rate = self.cfg.participation_rate
        if rate > 0 and model.playbook.brand_active(day):
            return [Source("brand", rate * model.playbook.split)]
        return []


class LoyaltyAds(Mechanism):
    """Ads after loyalty: ads run inside their window once the adopted share reaches
    advertising.start_at_adoption (0 = from the start), if the ledger pays for the step: the daily spend
    for dt days plus cost_per_contact for each expected ad contact (p * dt per person: everyone sees
    the ads, owners included)."""

    section = "advertising"
    factor = "accelerator"

    @classmethod
    def enabled(cls, scenario: Scenario) -> bool:
        return True

    def __init__(self, scenario: Scenario, n: int):
        super().__init__(scenario, n)
        self.started = self.cfg.start_at_adoption == 0

    def ads_running(self, model, day: float) -> bool:
        ads = self.cfg
        if not self.started and model.adopted_total >= ads.start_at_adoption * model.n:
            self.started = True
        if not (self.started and ads.start_day <= day < ads.stop_day):
            return False
        step_cost = (ads.spend_per_day + ads.cost_per_contact * ads.p * model.n) * model.dt
        return model.ledger.buy("advertising", 1, step_cost, day) == 1

    def unit_costs(self) -> dict[str, float]:
        ads = self.cfg
        return {"advertising_day": ads.spend_per_day, "ad_contact": ads.cost_per_contact}


#: Always-on parts, acting before the mechanisms (the brand's source is the first participation source).
CORE_PARTS: tuple[type[Mechanism], ...] = (BrandParticipation, LoyaltyAds)

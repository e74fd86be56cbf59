"""Core parts of the playbook: behaviour configured by the core sections, always on.

These have the mechanism shape (`sim.playbook.base.Mechanism`) but no switch: the brand's own
participation source (the vertical interaction of the relationship section) and advertising that
waits for loyalty (advertising.start_at_adoption). `CORE_SECTIONS` names, once, the core scenario
sections of each iron-triangle factor; attribution adds every mechanism's section to its factor.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.schema import Scenario
from sim.model import rules
from sim.playbook.base import LOWERS, RAISES, Effect, HookView, Mechanism, Source

#: The core sections of each iron-triangle factor (mechanisms add their own sections to these).
CORE_SECTIONS: dict[str, tuple[str, ...]] = {
    "engine": ("engine",),
    "accelerator": ("channels", "advertising"),
    "relationship_chain": ("relationship",),
}


@dataclass(frozen=True)
class CoreSwitch:
    """A core parameter whose zero switches a documented behaviour off (the model without it).

    People's own behaviour rather than a brand tactic, so a parameter of a core section, not a playbook
    mechanism; it counts in the factor of its section (CORE_SECTIONS) and keeps the mechanisms'
    contract (tests/playbook/test_contract.py): zero changes nothing, switched on (`on`) it moves `effect`.
    """

    key: str  # dotted scenario key
    on: float  # a value that switches it on, for the contract test
    effect: Effect


#: The core switches (issue 17: where relationships act on the decision; docs/model.md).
CORE_SWITCHES: tuple[CoreSwitch, ...] = (
    CoreSwitch(
        "relationship.tie_assurance",
        1.0,
        Effect("adopted_total", RAISES, "a trusted persuader narrows the shortfall below expectation: more buy"),
    ),
    CoreSwitch(
        "relationship.answer_back",
        1.0,
        Effect("rejecters", LOWERS, "fans' replies weaken complaints on boards, groups and Weibo: fewer turn away"),
    ),
)


class BrandParticipation(Mechanism):
    """Vertical interaction: the brand draws advocates and fans in at relationship.participation_rate
    while it is active, split over its products."""

    section = "relationship"
    factor = "relationship_chain"

    @classmethod
    def enabled(cls, scenario: Scenario) -> bool:
        return True

    def participation_sources(self, view: HookView, pool: np.ndarray, day: float, dt: float) -> list[Source]:
        rate = self.cfg.participation_rate
        if rate > 0 and view.playbook.brand_active(day):
            return [Source("brand", rate * view.playbook.split)]
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

    def ads_running(self, view: HookView, day: float) -> bool:
        ads = self.cfg
        started = rules.adoption_reached(view.people.adopted_total, view.people.n, ads.start_at_adoption)
        if not (started and ads.start_day <= day < ads.stop_day):
            return False
        step_cost = (ads.spend_per_day + ads.cost_per_contact * ads.p * view.people.n) * view.dt
        return view.ledger.buy("advertising", 1, step_cost, day) == 1

    def unit_costs(self) -> dict[str, float]:
        ads = self.cfg
        return {"advertising_day": ads.spend_per_day, "ad_contact": ads.cost_per_contact}


#: Always-on parts, acting before the mechanisms (the brand's source is the first participation source).
CORE_PARTS: tuple[type[Mechanism], ...] = (BrandParticipation, LoyaltyAds)

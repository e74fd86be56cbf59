"""The social value of owning the product (seed S27, co-creation: "consumption extends to its social value"):
a product is worth more to someone the more of the people around them own it (a bandwagon, a status good
among friends). The value is added to the product at the decision, and, with `lived`, at the experience."""

from __future__ import annotations

import numpy as np

from sim.model import rules
from sim.model.state import Funnel
from sim.playbook.base import RAISES, Effect, HookView, Mechanism

#: The funnel states of people who own the product (adopted, whatever they say about it).
OWNING = (Funnel.ADOPTER, Funnel.FAN, Funnel.DETRACTOR)


class SocialValue(Mechanism):
    """A persuaded person weighs the product at its quality plus `rules.social_value(weight, share)`, the share
    being that of owners among their offline contacts (reach 'ties') or among everyone ('population') at the
    start of the step (`expectation_discount`: the value comes off the expectation they weigh it against).
    With `lived`, a buyer lives the same value: it comes off the expectation of their experience too
    (`expectation_raise` returns it negated), so a product that is worth little alone can still please its
    owners among owners. No draws, no costs: the value is the owners' doing, not the brand's."""

    section = "social_value"
    turn = 19
    factor = "relationship_chain"
    effect = Effect("adopted_total", RAISES, "a product worth more among owners closes more sales")
    example_settings = ("social_value.weight=0.3",)

    def __init__(self, scenario, n: int):
        super().__init__(scenario, n)
        #: (day, owners mask) of the last computation: ownership does not change while people decide.
        self._owners: tuple[float, np.ndarray] | None = None

    def value(self, view: HookView, people: np.ndarray, day: float) -> np.ndarray | float:
        """The social value of the product to each of `people` on `day` (value units)."""
        c = self.cfg
        if c.weight <= 0 or len(people) == 0:
            return 0.0
        if c.reach == "population":
            owners = sum(int(view.people.counts[s]) for s in OWNING)
            return rules.social_value(c.weight, owners / self.n)
        if self._owners is None or self._owners[0] != day:
            self._owners = (day, np.isin(view.people.state, OWNING))
        layer = view.channels["offline"].incoming()
        share = rules.contacts_fan_share(self._owners[1], layer.indptr, layer.indices, people)
        return rules.social_value(c.weight, share)

    def expectation_discount(self, view: HookView, people: np.ndarray, day: float) -> np.ndarray | float:
        return self.value(view, people, day)

    def expectation_raise(self, view: HookView, people: np.ndarray, day: float) -> np.ndarray | float:
        """With `lived`, owners live the value too: their experience expectation is lowered by it."""
        return -self.value(view, people, day) if self.cfg.lived else 0.0

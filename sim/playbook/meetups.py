"""City meetups: users meet the brand's engineers face to face."""

from __future__ import annotations

import numpy as np

from sim.config.schema import Scenario
from sim.model import rules
from sim.model.streams import SLOTS, Purpose
from sim.playbook.base import RAISES, Effect, HookView, Mechanism


class Meetups(Mechanism):
    """Every every_days days, while the brand is active, a meetup is held in the city with the most
    adopters relative to the meetups it has already had (adopters / (1 + past meetups there): the
    biggest cities first, then in turn); min..max attendees (uniform) are drawn from its adopters (the
    view's users: in a market of brands, the brand's own), their
    brand ties grow by brand_growth and their talk restarts; each meetup costs `cost`, paid before it is
    held (none is held when the ledger refuses)."""

    section = "meetups"
    turn = 9
    factor = "relationship_chain"
    effect = Effect("cost", RAISES, "every meetup held costs money")
    builds_brand_ties = True

    def __init__(self, scenario: Scenario, n: int):
        super().__init__(scenario, n)
        self.cities = scenario.population.cities
        self.next_meetup = self.cfg.every_days
        self.city_visits = np.zeros(self.cities)

    def end_of_step(self, view: HookView, step: int, day_end: float) -> None:
        if day_end >= self.next_meetup:
            self.next_meetup += self.cfg.every_days
            if view.playbook.brand_active(day_end):
                self._meetup(view, step, day_end)
        return None

    def _meetup(self, view: HookView, step: int, day: float) -> None:
        mu = self.cfg
        users = view.users()
        if len(users) == 0 or view.ledger.buy("meetup", 1, mu.cost, day) == 0:
            return
        per_city = np.bincount(view.people.city[users], minlength=self.cities)
        city = int(np.argmax(per_city / (1.0 + self.city_visits)))  # biggest cities first, in turn
        self.city_visits[city] += 1
        local = users[view.people.city[users] == city]
        span = mu.max_attendees + 1 - mu.min_attendees  # the brand's own draw (one brand: view.brand = 0)
        size = mu.min_attendees + view.draws.index_one(Purpose.MEETUP_SIZE, view.brand, span, slot=city % SLOTS)
        attendees = view.draws.choose(Purpose.MEETUP_GUESTS, local, min(size, len(local)), slot=city % SLOTS)
        view.people.set_brand_tie(
            attendees, rules.strengthen(view.people.brand_tie_now(attendees, day), mu.brand_growth), day
        )
        view.renew_talk(attendees, step)

    def unit_costs(self) -> dict[str, float]:
        return {"meetup": self.cfg.cost}

"""Product generations: which product each person owns, the upgrade rule, and the purchases counted.

Docs: docs/model.md, "Product generations". The assumptions, in short:
- one product at a time per person: an owner holds exactly one generation g (1 = the first product);
- the newest product on sale on a day is generation 1 + (later products launched by then); a newcomer
  (a persuaded non-owner) buys it, judged with the usual conversion rule against the newest product's
  quality and their expectation plus its `expectation_shift`;
- an owner of an older generation upgrades to the newest with the per-day hazard of `upgrade_hazard`
  (their lived margin with the product they own, their brand tie, fans lead); an upgrade is a purchase;
  the upgrader's valence is drawn again from the new experience and their funnel state follows it
  (negative -> detractor, else a fan stays a fan and others are adopters); they start talking again;
- purchases: first purchases (the model's adoptions) plus upgrades; a repeat buyer bought at least twice.

The rules are pure functions over scalars and arrays, shared by both backends; the per-person draws
come from the model's backend. `ProductLine` holds the per-person state, built by the playbook's
mechanism (`sim.playbook.generations`) only when the scenario switches generations on with at least one
later product, so runs without them draw and record nothing new; the generations' quality gains and
expectation shifts belong to the product (`sim.model.product`).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from sim.config.mechanisms.generations import GenerationsConfig
from sim.model import rules
from sim.model.people import State

if TYPE_CHECKING:
    from sim.model.people import People
    from sim.model.product import Product

#: Generation code of a person who owns no product.
NO_PRODUCT = 0


# --- rules ----------------------------------------------------------------------------------------


def satisfaction(margin, sensitivity):
    """How much an owner's lived margin (experience minus expectation, value units) makes them want the brand's
    next product: logistic(margin / sensitivity) in [0, 1], a hard threshold at margin 0 when sensitivity = 0."""
    return rules.conversion_probability(margin, 0.0, sensitivity, 1.0)


def loyalty(brand_tie, tie_weight):
    """How much the brand tie (0-1) lets an owner come back: 1 - tie_weight + tie_weight * tie (1 when the
    weight is 0)."""
    return 1.0 - tie_weight + tie_weight * np.asarray(brand_tie, dtype=float)


def upgrade_hazard(margin, brand_tie, is_fan, upgrade_rate, sensitivity, tie_weight, fan_lead):
    """Upgrades per day of an owner of an older generation: upgrade_rate * satisfaction * loyalty, times
    fan_lead for fans (per day)."""
    lead = np.where(np.asarray(is_fan, dtype=bool), fan_lead, 1.0)
    return upgrade_rate * satisfaction(margin, sensitivity) * loyalty(brand_tie, tie_weight) * lead


def upgrade_probability(hazard, dt):
    """Chance of upgrading within a step of dt days at a constant hazard (per day): 1 - exp(-hazard * dt)."""
    return -np.expm1(-np.asarray(hazard, dtype=float) * dt)


# --- state ----------------------------------------------------------------------------------------


class ProductLine:
    """Who owns which generation, their lived margin with it, and the purchases counted so far.

    The per-person books are the `STATES` below, allocated on `People` (`people`), read and written here."""

    #: Generation owned (NO_PRODUCT: none), lived margin with it (value units), purchases per person.
    STATES: tuple[State, ...] = (
        State("owned", np.int8, NO_PRODUCT),
        State("margin", np.float64, 0.0),
        State("bought", np.int32, 0),
    )

    def __init__(self, cfg: GenerationsConfig, people: People, product: Product):
        self.cfg = cfg
        self.product = product
        self.people = people
        #: Cumulative purchases of each generation (index g - 1), and repeat buyers.
        self.purchases = np.zeros(cfg.count, dtype=np.int64)
        self.repeat_buyers = 0

    @staticmethod
    def active(cfg: GenerationsConfig) -> bool:
        """Whether the scenario has a line of more than one product."""
        return cfg.count > 1

    def owners_of(self, g: int) -> int:
        """People owning generation g now."""
        return int(np.count_nonzero(self.people.owned == g))

    def behind(self, owners: np.ndarray, day: float) -> np.ndarray:
        """Of the `owners`, those holding an older generation than the newest on sale on `day`."""
        return np.compress(self.people.owned[owners] < self.product.generation(day), owners)

    def hazard(self, people: np.ndarray, brand_tie: np.ndarray, is_fan: np.ndarray) -> np.ndarray:
        """Upgrade hazard (per day) of owners of older generations."""
        c = self.cfg
        return upgrade_hazard(
            self.people.margin[people],
            brand_tie,
            is_fan,
            c.upgrade_rate,
            c.satisfaction_sensitivity,
            c.tie_weight,
            c.fan_lead,
        )

    def buy(self, people: np.ndarray, margin: np.ndarray | float, day: float) -> None:
        """`people` buy the generation on sale on `day`, living it with `margin` (value units)."""
        g = self.product.generation(day)
        books = self.people
        books.owned[people] = g
        books.margin[people] = margin
        self.repeat_buyers += int(np.count_nonzero(books.bought[people] == 1))
        books.bought[people] += 1
        self.purchases[g - 1] += len(people)

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

With `generations.substitution = "word_of_mouth"` (Norton and Bass 1987) the upgrade hazard is replaced:
- every later product g diffuses through the whole population by its own Bass process from its launch:
  a person who does not want it yet comes to want it within a step with `want_probability` (its
  `innovation` p_g, and its `imitation` q_g times the share who already want it), independently of
  what they own and of the other products;
- a person holds the newest product of the unbroken run of products they want (`wanted_level`: the
  first product, then 2 if they want 2, then 3 if they also want 3, ...): an owner whose level rises
  upgrades to it (possibly skipping a generation), and a newcomer buys the product of their level, so
  earlier products stay on sale. With the whole market present from the start this gives Norton and
  Bass's owner shares S_1 = F_1 (1 - F_2), S_2 = F_1 F_2 (1 - F_3), ... (`sim.model.theory.norton_bass`
  with m = (N, 0, ...)); satisfaction, loyalty and fans' lead do not enter.

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
from sim.model.streams import Purpose

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


def want_probability(innovation, imitation, wanting_share, dt):
    """Chance of coming to want a product within a step of dt days, by its Bass process (word-of-mouth
    substitution): 1 - exp(-(innovation + imitation * share who want it) * dt)."""
    return -np.expm1(-(innovation + imitation * np.asarray(wanting_share, dtype=float)) * dt)


def wanted_level(wanted, generations: int):
    """The newest generation of each person's unbroken run of wanted products: 1, then g while they also
    want generation g (bit g - 1 of `wanted`), for g = 2..generations."""
    wanted = np.asarray(wanted)
    level = np.ones(wanted.shape, dtype=np.int8)
    for g in range(2, generations + 1):
        level = np.where((level == g - 1) & (wanted & (1 << (g - 1)) != 0), np.int8(g), level)
    return level


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

    #: With word-of-mouth substitution: which later products each person wants (bit g - 1: generation g).
    WANT_STATES: tuple[State, ...] = (State("wanted", np.int16, 0),)

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

    @property
    def by_word_of_mouth(self) -> bool:
        """Whether owners take up later products through their own Bass processes (see the module)."""
        return self.cfg.substitution == "word_of_mouth"

    def spread_wants(self, day: float, dt: float, draws) -> None:
        """Word-of-mouth substitution, one step: each later product launched by `day` reaches the people
        who do not want it yet with `want_probability` (the shares counted before any of this step's
        draws); `draws(people, [probabilities], purpose, slot)` is the backend's per-person draw."""
        wanted, n = self.people.wanted, len(self.people.wanted)
        shares = [np.count_nonzero(wanted & (1 << g)) / n for g in range(1, self.cfg.count)]
        for g, product in enumerate(self.cfg.products, start=2):
            if product.launch_day > day:
                break
            bit = np.int16(1 << (g - 1))
            candidates = np.flatnonzero((wanted & bit) == 0)
            p = want_probability(product.innovation, product.imitation, shares[g - 2], dt)
            wanted[candidates[draws(candidates, [np.full(len(candidates), p)], Purpose.WANT, g)[0]]] |= bit

    def level(self, people: np.ndarray) -> np.ndarray:
        """The generation each of `people` holds or buys under word-of-mouth substitution (`wanted_level`)."""
        return wanted_level(self.people.wanted[people], self.cfg.count)

    def buy(self, people: np.ndarray, margin: np.ndarray | float, day: float, generation=None) -> None:
        """`people` buy the generation on sale on `day` (or each their `generation`), living it with
        `margin` (value units)."""
        g = self.product.generation(day) if generation is None else generation
        books = self.people
        books.owned[people] = g
        books.margin[people] = margin
        self.repeat_buyers += int(np.count_nonzero(books.bought[people] == 1))
        books.bought[people] += 1
        if generation is None:
            self.purchases[g - 1] += len(people)
        else:
            self.purchases += np.bincount(np.asarray(g, dtype=np.int64) - 1, minlength=self.cfg.count)

"""Product generations: the brand's fans and users buy its next product (Norton and Bass 1987; Xiaomi's
Mi 1, Mi 2, Mi 3).

The product line changes who owns what, so it acts through three hooks of the model's purchase path:
the initial users own the first product (`place`), every adopter buys the product on sale
(`on_adoption`), and at the end of a step, after the step's purchases, owners of an older generation
may upgrade to the newest (`after_purchases`). The rules and the per-person books are the model's
(`sim.model.generations`); the newest generation's quality gain and expectation shift belong to the
product (`sim.model.product`). It counts in the relationship chain: the later products are there for
the brand's existing users to buy again, and whether they do depends on their experience and their
tie to the brand. A later product's quality is stated relative to the first (`quality_gain`), so the
engine's quality carries over to every generation and stays the engine's in attribution.
"""

from __future__ import annotations

import numpy as np

from sim.config.schema import Scenario
from sim.model import rules
from sim.model.generations import ProductLine, upgrade_probability
from sim.model.people import State
from sim.model.state import NEGATIVE, QUIET, Funnel
from sim.model.streams import Purpose
from sim.playbook.base import RAISES, Effect, HookView, Mechanism


class Generations(Mechanism):
    """Later products on sale from their launch days; owners of older ones upgrade (see the module)."""

    section = "generations"
    turn = 12
    example_settings = (
        "generations.products=[{launch_day = 20, quality_gain = 0.15}]",
        "generations.upgrade_rate=0.05",
    )
    factor = "relationship_chain"
    effect = Effect(
        "adopted_total",
        RAISES,
        "a better later product converts people the first could not, and upgraders talk about it again",
    )

    def __init__(self, scenario: Scenario, n: int):
        super().__init__(scenario, n)
        #: The books of the product line (built with the product, at `place`); None without a later product,
        #: then nothing is drawn or recorded.
        self.line: ProductLine | None = None
        #: The least margin of an advocate (value units): the initial users' margin is at least this.
        self.advocate_margin = scenario.engine.advocate_margin

    def states(self) -> tuple[State, ...]:
        """The product line's books, per person (only with a later product), and with word-of-mouth
        substitution which later products each person wants."""
        if not ProductLine.active(self.cfg):
            return ()
        return ProductLine.STATES + (ProductLine.WANT_STATES if self.cfg.substitution == "word_of_mouth" else ())

    def place(self, view: HookView, seeds: np.ndarray, employees: np.ndarray) -> None:
        """The initial users own the first product, as advocates (their margin at least the advocates')."""
        if not ProductLine.active(self.cfg):
            return
        self.line = ProductLine(self.cfg, view.people, view.product)
        users = np.union1d(seeds, employees)
        margin = view.product.quality(0.0) - view.people.expectation[users]
        self.line.buy(users, np.maximum(margin, self.advocate_margin), 0.0)

    def on_adoption(self, view: HookView, adopters: np.ndarray, margin: np.ndarray, day: float) -> None:
        """New adopters buy the product on sale (with word-of-mouth substitution: the product of their level,
        earlier ones staying on sale), living it with their margin."""
        if self.line is not None:
            level = self.line.level(adopters) if self.line.by_word_of_mouth else None
            self.line.buy(adopters, margin, day, level)

    def after_purchases(self, view: HookView, step: int, day_end: float) -> None:
        """Owners of an older generation may upgrade to the newest: a purchase whose new experience sets their
        valence; fans stay fans unless it disappoints them; talkers start again."""
        line, day = self.line, (step - 1) * view.dt
        if line is None or view.product.generation(day) == 1:  # nobody is behind before the second product
            return
        owns = (view.people.state >= Funnel.ADOPTER) & (
            view.people.state <= Funnel.DETRACTOR
        )  # adopters, fans, detractors
        if line.by_word_of_mouth:
            # every later product's own Bass process, by the backend's per-person draws; owners whose run of
            # wanted products grew take up its newest
            line.spread_wants(day, view.dt, view.participation_draws)
            owners = np.flatnonzero(owns)
            level = line.level(owners)
            takes = level > view.people.owned[owners]
            upgraders, level = owners[takes], level[takes]
        else:
            owners = line.behind(np.flatnonzero(owns), day)
            if len(owners) == 0:
                return
            fan = view.people.state[owners] == Funnel.FAN
            hazard = line.hazard(owners, view.people.brand_tie_now(owners, day_end), fan)
            # one Bernoulli draw per owner, by the backend (its per-person draws of stage 5, like participation)
            chance = [upgrade_probability(hazard, view.dt)]
            upgraders, level = owners[view.participation_draws(owners, chance, Purpose.UPGRADE)[0]], None
        if len(upgraders) == 0:
            return
        fan = view.people.state[upgraders] == Funnel.FAN
        margin, valence = view.experience(upgraders, day)
        line.buy(upgraders, margin, day, level)
        state = np.asarray(rules.state_after_adoption(valence), dtype=np.int8).reshape(-1)
        view.people.set_state(upgraders, np.where(fan & (valence != NEGATIVE), np.int8(Funnel.FAN), state))
        view.people.valence[upgraders] = valence
        view.start_talking(np.compress(valence != QUIET, upgraders), step)

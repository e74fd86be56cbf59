"""Hit product: a development budget split over k products (focus buys quality, variety fits tastes)."""

from __future__ import annotations

from sim.model import rules
from sim.playbook.base import RAISES, Effect, Mechanism


class HitProduct(Mechanism):
    """Each of k products gets budget/k; quality rises with that budget to the power budget_exponent (the
    square root by default); a portfolio meets expectations more closely (variety_fit per doubling of k)
    but splits the participation the brand can sustain k ways (`effort_share`)."""

    section = "hit_product"
    turn = 1
    factor = "engine"
    effect = Effect("quality", RAISES, "a focused development budget raises the product's quality")

    def initial_quality(self, quality: float) -> float:
        hp = self.cfg
        return rules.focused_quality(quality, hp.budget, hp.products, hp.quality_per_budget, hp.budget_exponent)

    def expectation_shift(self) -> float:
        return -rules.variety_gap(self.cfg.products, self.cfg.variety_fit)

    def effort_share(self) -> float:
        return 1.0 / self.cfg.products  # a portfolio splits what the brand can sustain

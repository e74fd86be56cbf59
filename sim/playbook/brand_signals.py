"""Brand signals (seed S43, two heavy men standing on the phone's box to show how strong it is): stunts and
public demonstrations raise what people expect of the product. The perceived quality rises above the
delivered one, so more persuaded people buy; the buyers then live the delivered quality against the raised
expectation, and a product below it disappoints."""

from __future__ import annotations

import numpy as np

from sim.config.schema import Scenario
from sim.model import rules
from sim.playbook.base import RAISES, Effect, HookView, Mechanism

#: The ledger's name of one signal.
SIGNAL = "brand_signal"


class BrandSignals(Mechanism):
    """Signals are scheduled on days first_day + j * every_days (j = 0 .. count - 1). A signal is given at the
    end of the step whose days hold its day, paid from the ledger (cost_per_signal; unpaid, it is not given),
    and acts from the next step: each given signal lifts the perceived quality by strength, fading as
    exp(-days since / memory_days) (`rules.signal_lift`), and the lifts add. A persuaded person decides on the
    quality plus the lift (`expectation_discount`: the lift comes off the expectation they weigh it against);
    a buyer lives the delivered quality against their expectation plus expectation_raise times the lift of
    their purchase day (`expectation_raise`). No draws: the signals reach everyone at once."""

    section = "brand_signals"
    turn = 16
    factor = "engine"
    effect = Effect("detractors", RAISES, "buyers expect what the stunt showed, and a product below it disappoints")
    example_settings = ("brand_signals.strength=0.3",)

    def __init__(self, scenario: Scenario, n: int):
        super().__init__(scenario, n)
        cfg = self.cfg
        #: The scheduled days of the signals (days), in order.
        self.scheduled = cfg.first_day + cfg.every_days * np.arange(cfg.count, dtype=float)
        #: The days the signals were given (days, the end of their step), in order.
        self.given: list[float] = []
        self._next = 0

    def unit_costs(self) -> dict[str, float]:
        return {SIGNAL: self.cfg.cost_per_signal}

    def lift(self, day: float) -> float:
        """The lift in perceived quality on `day` of every signal given by then (value units)."""
        if not self.given:
            return 0.0
        return rules.signal_lift(day - np.asarray(self.given), self.cfg.strength, self.cfg.memory_days)

    def expectation_discount(self, view: HookView, people: np.ndarray, day: float) -> np.ndarray | float:
        return self.lift(day)

    def expectation_raise(self, view: HookView, people: np.ndarray, day: float) -> np.ndarray | float:
        return self.cfg.expectation_raise * self.lift(day)

    def end_of_step(self, view: HookView, step: int, day_end: float) -> None:
        """Give (and pay) the signals scheduled before the end of this step; an unpaid signal is not given."""
        while self._next < len(self.scheduled) and self.scheduled[self._next] < day_end:
            self._next += 1
            if view.ledger.buy(SIGNAL, 1, self.cfg.cost_per_signal, day_end - view.dt) == 1:
                self.given.append(day_end)
        return None

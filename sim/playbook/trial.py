"""Trial before purchase (seed S06, "taste it first... come and try it in our experience store"): aware people
try the product before buying, and the product they lived, not the one they were told about, decides."""

from __future__ import annotations

import numpy as np

from sim.config.schema import Scenario
from sim.model import rules
from sim.model.state import CHANNEL, Funnel
from sim.model.streams import Purpose
from sim.playbook.base import RAISES, Effect, HookView, Mechanism

#: The channel a purchase after a trial is credited to: the store, met in person.
TRIAL_CHANNEL = CHANNEL["offline"]


class Trial(Mechanism):
    """At the end of each step, once the product is on sale, each aware person who has not decided yet tries it
    with chance clip(trial_rate * dt) (stores are not placed by city: everyone can reach one), each trial paid
    from the ledger (cost_per_trial; with too little money the lowest trial draws are served). A tryer lives
    the product as a buyer would (`HookView.experience`: the quality plus the experience noise, against their
    expectation) and decides on that lived margin (`rules.trial_chances`): they buy now with the conversion
    curve of the margin, credited to the offline channel; a tryer who does not buy and lived it below their
    expectation turns away for good with chance turn_away."""

    section = "trial"
    turn = 15
    factor = "engine"
    effect = Effect("adopted_total", RAISES, "people who try a product they like buy it")
    example_settings = ("trial.trial_rate=0.2",)

    def __init__(self, scenario: Scenario, n: int):
        super().__init__(scenario, n)
        #: The engine section: the conversion curve a tryer's lived margin goes through.
        self.engine = scenario.engine

    def unit_costs(self) -> dict[str, float]:
        return {"trial": self.cfg.cost_per_trial}

    def end_of_step(self, view: HookView, step: int, day_end: float) -> tuple[np.ndarray, np.ndarray] | None:
        if not view.playbook.launched(day_end - view.dt):
            return None
        tried = self._tryers(view, day_end)
        if len(tried) == 0:
            return None
        return self._decide(view, tried, day_end - view.dt)

    def _tryers(self, view: HookView, day: float) -> np.ndarray:
        """The aware people who try the product this step and whose trial is paid, in id order (one draw each,
        keyed by their ids; with too little money, the lowest draws are served)."""
        aware = np.flatnonzero(view.people.state == Funnel.AWARE)
        u = view.draws.uniform(Purpose.TRIAL, aware)
        chance = rules.participation_probability(self.cfg.trial_rate, 1.0, view.dt)
        wanting = np.flatnonzero(u < chance)
        paid = view.ledger.buy("trial", len(wanting), self.cfg.cost_per_trial, day)
        served = wanting[np.argsort(u[wanting], kind="stable")[:paid]] if paid < len(wanting) else wanting
        return np.sort(aware[served])

    def _decide(self, view: HookView, tried: np.ndarray, day: float) -> tuple[np.ndarray, np.ndarray]:
        """Tryers live the product in the step starting on `day`; the buyers (returned with their channel) buy
        now, some disappointed non-buyers turn away."""
        engine = self.engine
        margin, _ = view.experience(tried, day)
        buy_chance, away_chance = rules.trial_chances(
            margin, engine.sensitivity, engine.max_conversion, self.cfg.turn_away
        )
        buys = view.draws.uniform(Purpose.TRIAL_BUY, tried) < buy_chance
        stay = np.compress(~buys, tried)
        away = view.draws.uniform(Purpose.TRIAL_TURN_AWAY, stay) < np.compress(~buys, away_chance)
        turned = np.compress(away, stay)
        view.people.set_state(turned, np.full(len(turned), Funnel.REJECTER, dtype=np.int8))
        buyers = np.compress(buys, tried)
        return buyers, np.full(len(buyers), TRIAL_CHANNEL, dtype=np.int8)

"""Complaints: "even ridicule is participation". Detractors complain, every complaint a bug report for the next
release; the brand answers some of them, front-line staff add a gift to a few, and an answered complaint may
win its detractor back (service recovery)."""

from __future__ import annotations

import numpy as np

from sim.model import rules
from sim.model.state import Funnel
from sim.model.streams import Purpose
from sim.playbook.base import RAISES, Effect, HookView, Mechanism


class Complaints(Mechanism):
    """At the end of each step every detractor complains with chance clip(complaint_rate * dt): a
    participation (the `participations` count) and report_feedback bug-report items for the next release
    (`view.playbook.reports`, taken in by `iteration`). While the brand is active the service team answers up
    to int(answers_per_day * dt) complaints, in random order, each paid from the ledger (cost_per_answer);
    the first int(gifts_per_day * dt) answered also get a gift (cost_per_gift). An answered complaint wins
    its detractor back with chance `rules.win_back_probability` (answer_win_back, plus gift_win_back with a
    gift); a detractor won back becomes an advocate with chance advocate_share (talks positively from the
    next step) and otherwise a quiet adopter (stops talking)."""

    section = "complaints"
    turn = 13
    factor = "relationship_chain"
    effect = Effect("participations", RAISES, "detractors take part by complaining")
    example_settings = ("complaints.complaint_rate=1",)

    def unit_costs(self) -> dict[str, float]:
        return {"complaint_answer": self.cfg.cost_per_answer, "complaint_gift": self.cfg.cost_per_gift}

    def end_of_step(self, view: HookView, step: int, day_end: float) -> None:
        complainers = self._complainers(view, day_end)
        if len(complainers) == 0:
            return None
        view.playbook.participations += len(complainers)
        view.playbook.reports += self.cfg.report_feedback * len(complainers)
        if view.playbook.brand_active(day_end):
            self._recover(view, complainers, step, day_end)
        return None

    def _complainers(self, view: HookView, day: float) -> np.ndarray:
        """The detractors who complain this step (one draw each, keyed by their ids)."""
        detractors = np.flatnonzero(view.people.state == Funnel.DETRACTOR)
        chance = rules.participation_probability(self.cfg.complaint_rate, 1.0, view.dt)
        return np.compress(view.draws.uniform(Purpose.COMPLAIN, detractors) < chance, detractors)

    def _recover(self, view: HookView, complainers: np.ndarray, step: int, day: float) -> None:
        """Answer what the team can (and pay), gift the first answered, and win some detractors back."""
        cfg = self.cfg
        capacity = min(int(cfg.answers_per_day * view.dt), len(complainers))
        answered_n = view.ledger.buy("complaint_answer", capacity, cfg.cost_per_answer, day)
        if answered_n == 0:
            return
        order = view.draws.order(Purpose.COMPLAINT_ORDER, complainers)
        answered = np.sort(complainers[order[:answered_n]])  # id order: keyed draws need no other order
        gifts = min(int(cfg.gifts_per_day * view.dt), answered_n)
        gifts = view.ledger.buy("complaint_gift", gifts, cfg.cost_per_gift, day) if gifts else 0
        gifted = np.isin(answered, complainers[order[:gifts]])
        chance = rules.win_back_probability(cfg.answer_win_back, cfg.gift_win_back, gifted)
        won = np.compress(view.draws.uniform(Purpose.WIN_BACK, answered) < chance, answered)
        if len(won) == 0:
            return
        advocates = view.draws.uniform(Purpose.WON_BACK_ADVOCATE, won) < cfg.advocate_share
        view.people.change_valence(won, rules.recovered_valence(advocates))
        view.stop_talking(np.compress(~advocates, won))
        view.start_talking(np.compress(advocates, won), step)

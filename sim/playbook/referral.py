"""Referral gating (F-codes): buying needs a purchase code handed out by the community."""

from __future__ import annotations

import numpy as np

from sim.config.schema import Scenario
from sim.model import rules
from sim.model.state import NO_CHANNEL, Funnel
from sim.model.streams import Purpose
from sim.playbook.base import LOWERS, Effect, HookView, Mechanism


class Referral(Mechanism):
    """Seed users, employees and adopters hold codes; a would-be buyer without one waits (stays aware).
    Each step Poisson(rate * dt) codes go to people still waiting, where the rate adds codes_per_fan
    per fan, codes_per_forum_senior per senior forum member, codes_per_owner per senior adopter and
    codes_per_repost_event; those reached buy at once, credited to the channel that persuaded them.
    Each code handed out costs cost_per_code (logistics), paid from the ledger. With a reward (seed S63,
    members selling outward and earning from it), each code is traced to its giver, drawn in proportion to
    each member's own code rate (the repost events' share has no giver), and each member's sale is
    rewarded with reward_per_sale from the ledger (unpaid rewards are not given) and grows their brand tie
    by reward_growth."""

    def unit_costs(self) -> dict[str, float]:
        return {"f_code": self.cfg.cost_per_code, "referral_reward": self.cfg.reward_per_sale}

    section = "referral"
    turn = 11
    factor = "relationship_chain"
    effect = Effect("adopted_total", LOWERS, "buyers wait for a code, which delays adoptions")

    def __init__(self, scenario: Scenario, n: int):
        super().__init__(scenario, n)
        self.has_code = np.zeros(n, dtype=bool)
        self.waiting = np.zeros(n, dtype=bool)
        self.waiting_channel = np.full(n, NO_CHANNEL, dtype=np.int8)
        #: Rewards move brand ties: the relationship phase must run (only with a reward growth).
        self.builds_brand_ties = self.cfg.reward_growth > 0

    def place(self, view: HookView, seeds: np.ndarray, employees: np.ndarray) -> None:
        self.has_code[seeds] = True
        self.has_code[employees] = True

    def gate_purchases(self, buyers: np.ndarray, channels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        gated = ~self.has_code[buyers]
        channels = np.broadcast_to(channels, buyers.shape)
        self.waiting[buyers[gated]] = True
        self.waiting_channel[buyers[gated]] = channels[gated]
        return buyers[~gated], channels[~gated]

    def on_adoption(self, view: HookView, adopters: np.ndarray, margin: np.ndarray, day: float) -> None:
        self.waiting[adopters] = False
        self.has_code[adopters] = True

    def end_of_step(self, view: HookView, step: int, day_end: float) -> tuple[np.ndarray, np.ndarray] | None:
        """F-codes from fans, senior forum members, certified owners and repost events go to people waiting."""
        if not self.waiting.any():
            return None
        rf = self.cfg
        users = view.people.adopter_indices()
        senior = users[day_end - view.people.adopt_day[users] >= rf.senior_days]
        forum = view.channels.get("forum")
        senior_forum = int(forum.member[senior].sum()) if forum is not None else 0
        rate = (
            view.people.counts[Funnel.FAN] * rf.codes_per_fan
            + senior_forum * rf.codes_per_forum_senior
            + len(senior) * rf.codes_per_owner
            + rf.codes_per_repost_event
        )
        codes = view.draws.count(Purpose.REFERRAL_CODES, rate * view.dt)
        waiting = np.flatnonzero(self.waiting & (view.people.state == Funnel.AWARE))
        if codes == 0 or len(waiting) == 0:
            return None
        handed = view.ledger.buy("f_code", min(codes, len(waiting)), self.cfg.cost_per_code, day_end)
        if handed == 0:
            return None
        lucky = np.sort(view.draws.choose(Purpose.REFERRAL_HOLDERS, waiting, handed))
        self.has_code[lucky] = True
        if rf.reward_per_sale > 0 or rf.reward_growth > 0:
            self._reward(view, users, senior, handed, day_end)
        return lucky, self.waiting_channel[lucky]

    def _reward(self, view: HookView, users: np.ndarray, senior: np.ndarray, sales: int, day: float) -> None:
        """Trace each of the `sales` codes to its giver (a member, in proportion to their own code rate, or
        the repost events), pay the members' rewards and grow their brand ties, one growth per paid sale."""
        rf, people = self.cfg, view.people
        weight = np.zeros(self.n)
        weight[users[people.state[users] == Funnel.FAN]] += rf.codes_per_fan
        forum = view.channels.get("forum")
        if forum is not None:
            weight[senior[forum.member[senior]]] += rf.codes_per_forum_senior
        weight[senior] += rf.codes_per_owner
        members = np.flatnonzero(weight > 0)
        cumulative = np.cumsum(np.append(weight[members], rf.codes_per_repost_event))
        if len(members) == 0 or cumulative[-1] <= 0:
            return
        u = view.draws.uniform(Purpose.REFERRAL_GIVER, np.arange(sales)) * cumulative[-1]
        source = np.searchsorted(cumulative, u, side="right")
        givers = members[np.compress(source < len(members), source)]
        paid = view.ledger.buy("referral_reward", len(givers), rf.reward_per_sale, day - view.dt)
        rewarded, times = np.unique(givers[:paid], return_counts=True)
        if rf.reward_growth > 0 and len(rewarded):
            tie = people.brand_tie_now(rewarded, day)
            growth = 1.0 - (1.0 - rf.reward_growth) ** times  # one growth per paid sale
            people.set_brand_tie(rewarded, rules.strengthen(tie, growth), day)

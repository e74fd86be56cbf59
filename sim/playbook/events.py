"""WOM events: sharing embedded in the product, official topic events, and a launch day."""

from __future__ import annotations

import numpy as np

from sim.config.schema import Scenario
from sim.model import rules
from sim.model.state import Funnel
from sim.model.streams import Purpose
from sim.playbook.base import RAISES, Effect, HookView, Mechanism

#: Slot of the embedded-sharing draw of a new adopter (slot 0: sharing a participation's achievement).
EMBEDDED = 1


class Events(Mechanism):
    """Topic events multiply everyone's talk while they run (the largest boost counts) and let aware
    non-owners pass the meme on; before launch_day nobody can buy. A share_fraction of new adopters,
    and participants with the sense of achievement of the interaction design, share automatically
    next step (`Playbook.share_next`). A fan festival gives every fan a gift at the end of the step holding its
    day, each paid from the ledger (cost_per_fan_gift; with too little money
    the fans with the lowest numbers get theirs): the brand tie grows by fan_gift_growth."""

    section = "events"
    turn = 8
    example_settings = ("events.share_fraction=1",)
    factor = "accelerator"
    effect = Effect("adopted_total", RAISES, "use shared automatically by new adopters brings more adopters")
    marks_sharers = True

    def __init__(self, scenario: Scenario, n: int):
        super().__init__(scenario, n)
        #: Fan festivals with a gift that moves ties, in order.
        self.festivals = [f for f in self.cfg.festivals if f.fan_gift_growth > 0]
        #: Gifts move brand ties: the relationship phase must run (only when a festival is planned).
        self.builds_brand_ties = bool(self.festivals)

    def unit_costs(self) -> dict[str, float]:
        return {"fan_gift": max((t.cost_per_fan_gift for t in self.festivals), default=0.0)}

    def end_of_step(self, view: HookView, step: int, day_end: float) -> None:
        """Festivals starting in this step give every fan a gift."""
        for t in self.festivals:
            if day_end - view.dt <= t.day < day_end:
                self._gifts(view, t.fan_gift_growth, t.cost_per_fan_gift, day_end)
        return None

    def _gifts(self, view: HookView, growth: float, cost: float, day: float) -> None:
        fans = np.flatnonzero(view.people.state == Funnel.FAN)
        paid = view.ledger.buy("fan_gift", len(fans), cost, day - view.dt)
        gifted = fans[:paid]
        view.people.set_brand_tie(gifted, rules.strengthen(view.people.brand_tie_now(gifted, day), growth), day)

    def topic_boost(self, day: float) -> float:
        boost = 1.0
        for t in self.cfg.topics:
            if t.day <= day < t.day + t.days:
                boost = max(boost, t.talk_boost)
        return boost

    def talk_multiplier(self, view: HookView, people: np.ndarray, day: float) -> float:
        return self.topic_boost(day)

    def meme_active(self, day: float) -> bool:
        return self.cfg.meme_talk and self.topic_boost(day) > 1.0

    def launched(self, day: float) -> bool:
        return day >= self.cfg.launch_day

    def after_participation(self, view: HookView, participants: np.ndarray, feedback: float, day: float) -> None:
        """Participation with a sense of achievement is shared (router example)."""
        achievement = view.playbook.achievement
        if self.cfg.achievement_sharing and achievement > 0 and len(participants):
            view.playbook.share_next[participants[view.draws.uniform(Purpose.SHARE, participants) < achievement]] = True

    def on_adoption(self, view: HookView, adopters: np.ndarray, margin: np.ndarray, day: float) -> None:
        """Embedded sharing: a share of new adopters' use is posted automatically."""
        if self.cfg.share_fraction > 0 and len(adopters):
            shared = view.draws.uniform(Purpose.SHARE, adopters, slot=EMBEDDED) < self.cfg.share_fraction
            view.playbook.share_next[adopters[shared]] = True

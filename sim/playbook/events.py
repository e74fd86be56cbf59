"""WOM events: sharing embedded in the product, official topic events, and a launch day."""

from __future__ import annotations

import numpy as np

from sim.model.streams import Purpose
from sim.playbook.base import RAISES, Effect, HookView, Mechanism

#: Slot of the embedded-sharing draw of a new adopter (slot 0: sharing a participation's achievement).
EMBEDDED = 1


class Events(Mechanism):
    """Topic events multiply everyone's talk while they run (the largest boost counts) and let aware
    non-owners pass the meme on; before launch_day nobody can buy. A share_fraction of new adopters,
    and participants with the sense of achievement of the interaction design, share automatically
    next step (`Playbook.share_next`)."""

    section = "events"
    turn = 8
    example_settings = ("events.share_fraction=1",)
    factor = "accelerator"
    effect = Effect("adopted_total", RAISES, "use shared automatically by new adopters brings more adopters")
    marks_sharers = True

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

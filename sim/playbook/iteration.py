"""Product iteration: a release every N days improves quality with the feedback gathered since the last."""

from __future__ import annotations

import numpy as np

from sim.config.schema import Scenario
from sim.model import rules
from sim.playbook.base import RAISES, Effect, HookView, Mechanism


class Iteration(Mechanism):
    """Collects participants' feedback, and at the end of each step the bug reports filed outside the
    participation phase (`view.playbook.reports`: complaints); each release adds a gain that saturates with
    the feedback, up to max_quality (a release never lowers quality: a product already above the cap keeps
    its quality)."""

    section = "iteration"
    turn = 3
    factor = "engine"
    effect = Effect("quality", RAISES, "releases built on users' feedback raise the product's quality")

    def __init__(self, scenario: Scenario, n: int):
        super().__init__(scenario, n)
        self.feedback = 0.0
        self.next_release = self.cfg.every_days

    def after_participation(self, view: HookView, participants: np.ndarray, feedback: float, day: float) -> None:
        self.feedback += feedback

    def after_purchases(self, view: HookView, step: int, day_end: float) -> None:
        """Take in the bug reports filed this step: they count in the next release."""
        if view.playbook.reports:
            self.feedback += view.playbook.reports
            view.playbook.reports = 0.0

    def improved_quality(self, quality: float, day_end: float) -> float:
        it = self.cfg
        if day_end < self.next_release:
            return quality
        gain = rules.release_gain(self.feedback, it.max_gain, it.feedback_scale)
        self.feedback = 0.0
        self.next_release += it.every_days
        return max(quality, min(it.max_quality, quality + gain))  # never worse

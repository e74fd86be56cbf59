"""Product iteration: a release every N days improves quality with the feedback gathered since the last, and,
with votes, ships the candidate feature the users voted for."""

from __future__ import annotations

import numpy as np

from sim.config.schema import Scenario
from sim.model import rules
from sim.model.streams import Purpose
from sim.playbook.base import RAISES, Effect, HookView, Mechanism

#: Votes counted in one release at most (a random sample of the feedback items beyond it: with a million
#: votes the favourite wins with near certainty, and the draws stay bounded at about 5 ms a release).
MAX_COUNTED_VOTES = 1_000_000


class Iteration(Mechanism):
    """Collects participants' feedback, and at the end of each step the bug reports filed outside the
    participation phase (`view.playbook.reports`: complaints); each release adds a gain that saturates with
    the feedback, up to max_quality (a release never lowers quality: a product already above the cap keeps
    its quality).

    With `vote_candidates` K >= 2, each release puts K candidate features to the vote, each worth a uniform
    share of max_gain (`Purpose.FEATURE_VALUE`); the feedback items are the votes (at most
    MAX_COUNTED_VOTES counted), each going to a candidate by the logit `rules.vote_shares` on their worth
    (`Purpose.FEATURE_VOTE`); the feature with most votes ships, and its worth takes the place of max_gain
    in the release's gain. The vote is counted in the release's step (`after_purchases`), so the draws are
    keyed by that step."""

    section = "iteration"
    turn = 3
    factor = "engine"
    effect = Effect("quality", RAISES, "releases built on users' feedback raise the product's quality")

    def __init__(self, scenario: Scenario, n: int):
        super().__init__(scenario, n)
        self.feedback = 0.0
        self.next_release = self.cfg.every_days
        #: Worth of the feature the last vote chose, and of the best candidate (value units; NaN: no vote yet).
        self.shipped_worth = float("nan")
        self.best_worth = float("nan")

    def after_participation(self, view: HookView, participants: np.ndarray, feedback: float, day: float) -> None:
        self.feedback += feedback

    def after_purchases(self, view: HookView, step: int, day_end: float) -> None:
        """Take in the bug reports filed this step: they count in the next release."""
        if view.playbook.reports:
            self.feedback += view.playbook.reports
            view.playbook.reports = 0.0

    def improved_quality(self, view: HookView, quality: float, day_end: float) -> float:
        it = self.cfg
        if day_end < self.next_release:
            return quality
        worth = self._vote(view) if it.vote_candidates else it.max_gain
        gain = rules.release_gain(self.feedback, worth, it.feedback_scale)
        self.feedback = 0.0
        self.next_release += it.every_days
        return max(quality, min(it.max_quality, quality + gain))  # never worse

    def _vote(self, view: HookView) -> float:
        """The worth (value units) of the candidate feature the feedback items, as votes, choose."""
        it = self.cfg
        worth = it.max_gain * view.draws.uniform(Purpose.FEATURE_VALUE, np.arange(it.vote_candidates))
        shares = rules.vote_shares(worth, it.vote_noise * it.max_gain) if it.max_gain > 0 else None
        votes = min(round(self.feedback), MAX_COUNTED_VOTES)
        if shares is None or votes == 0:  # nothing to choose, or nobody voted: the release gains nothing anyway
            return 0.0
        counted = view.draws.split(Purpose.FEATURE_VOTE, votes, shares)
        self.shipped_worth = float(worth[rules.voted_feature(counted)])
        self.best_worth = float(worth.max())
        return self.shipped_worth

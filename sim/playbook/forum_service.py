"""Forum service (responsiveness): engineers answer the feedback posted on the forum."""

from __future__ import annotations

import numpy as np

from sim.config.schema import Scenario
from sim.model import rules
from sim.model.streams import Purpose
from sim.playbook.base import RAISES, Effect, HookView, Mechanism

#: Bounds of a person's willingness to participate (a multiplier), moved by forum replies.
ENGAGEMENT_MIN, ENGAGEMENT_MAX = 0.1, 3.0


class ForumService(Mechanism):
    """Participants who are forum members post; engineers answer up to their capacity
    (engineers * replies_per_engineer * dt posts a step, none once the brand steps back), in random
    order. Answered posters' brand ties grow and they become more willing to take part; the others'
    ties erode and they become less willing (engagement, within [ENGAGEMENT_MIN, ENGAGEMENT_MAX]).
    Each reply costs cost_per_reply of staff time, paid from the ledger (unpaid posts go unanswered)."""

    section = "forum_service"
    turn = 7
    factor = "relationship_chain"
    effect = Effect("participations", RAISES, "answered feedback makes people more willing to take part")
    builds_brand_ties = True

    def __init__(self, scenario: Scenario, n: int):
        super().__init__(scenario, n)
        self.engagement = np.ones(n)

    def unit_costs(self) -> dict[str, float]:
        return {"forum_reply": self.cfg.cost_per_reply}

    def participation_multiplier(self, pool: np.ndarray) -> np.ndarray:
        return self.engagement[pool]

    def after_participation(self, view: HookView, participants: np.ndarray, feedback: float, day: float) -> None:
        if "forum" in view.channels and len(participants):
            self._answer(view, participants[view.channels["forum"].member[participants]], day)

    def _answer(self, view: HookView, posters: np.ndarray, day: float) -> None:
        """Engineers answer up to their capacity; answered posters grow closer, the others drift away."""
        if len(posters) == 0:
            return
        fs = self.cfg
        capacity = int(fs.engineers * fs.replies_per_engineer * view.dt) if view.playbook.brand_active(day) else 0
        capacity = view.ledger.buy("forum_reply", min(capacity, len(posters)), fs.cost_per_reply, day)
        order = view.draws.order(Purpose.SERVICE_ORDER, posters)
        answered, unanswered = posters[order[:capacity]], posters[order[capacity:]]
        tie = view.people.brand_tie_now(answered, day)
        view.people.set_brand_tie(answered, rules.strengthen(tie, fs.answered_growth), day)
        view.people.set_brand_tie(
            unanswered, view.people.brand_tie_now(unanswered, day) * (1.0 - fs.unanswered_loss), day
        )
        self.engagement[answered] = np.minimum(ENGAGEMENT_MAX, self.engagement[answered] * (1 + fs.engagement_step))
        self.engagement[unanswered] = np.maximum(ENGAGEMENT_MIN, self.engagement[unanswered] * (1 - fs.engagement_step))

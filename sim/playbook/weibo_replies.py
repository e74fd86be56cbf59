"""Official replies on Weibo (seed S55, Lei Jun answering Weibo comments an hour a day): the brand answers
people who posted on Weibo this step, not only forum posters (`forum_service`)."""

from __future__ import annotations

import numpy as np

from sim.model import rules
from sim.model.streams import Purpose
from sim.playbook.base import RAISES, Effect, HookView, Mechanism

#: The channel whose posters the brand answers.
WEIBO = "weibo"


def reply_capacity(replies_per_hour: float, hours_per_day: float, dt: float) -> int:
    """Replies the brand can write in a step of dt days (replies/hour x hours/day x days, whole replies)."""
    return int(replies_per_hour * hours_per_day * dt)


class WeiboReplies(Mechanism):
    """At the end of each step, while the brand is active, it answers the people who posted on Weibo this
    step, up to reply_capacity (replies_per_hour x hours_per_day x dt replies) in random order, each paid from
    the ledger (cost_per_reply; unpaid posts go unanswered). An answered poster's brand tie grows by
    answered_growth (`rules.strengthen`) and with chance share_chance they share the reply next step
    (`Playbook.share_next`). Unanswered posters are left as they were: nobody expects an answer on Weibo."""

    section = "weibo_replies"
    turn = 14
    factor = "relationship_chain"
    effect = Effect("fans", RAISES, "answered Weibo posters grow close to the brand and become fans")
    example_settings = ("weibo_replies.answered_growth=1",)
    builds_brand_ties = True
    marks_sharers = True

    def unit_costs(self) -> dict[str, float]:
        return {"weibo_reply": self.cfg.cost_per_reply}

    def end_of_step(self, view: HookView, step: int, day_end: float) -> None:
        channel = view.channels.get(WEIBO)
        if channel is None or not view.playbook.brand_active(day_end):
            return None
        posters = channel.posted_now(step)
        if len(posters):
            self._answer(view, posters, day_end)
        return None

    def _answer(self, view: HookView, posters: np.ndarray, day: float) -> None:
        """Answer up to the capacity (and pay); answered posters grow closer and some share the reply."""
        cfg = self.cfg
        capacity = min(reply_capacity(cfg.replies_per_hour, cfg.hours_per_day, view.dt), len(posters))
        paid = view.ledger.buy("weibo_reply", capacity, cfg.cost_per_reply, day)
        if paid == 0:
            return
        order = view.draws.order(Purpose.WEIBO_REPLY_ORDER, posters)
        answered = np.sort(posters[order[:paid]])  # id order: keyed draws need no other order
        tie = view.people.brand_tie_now(answered, day)
        view.people.set_brand_tie(answered, rules.strengthen(tie, cfg.answered_growth), day)
        if cfg.share_chance > 0:
            shares = view.draws.uniform(Purpose.WEIBO_REPLY_SHARE, answered) < cfg.share_chance
            view.playbook.share_next[np.compress(shares, answered)] = True

"""Official replies on Weibo (issue 27, seed S55: Lei Jun answers Weibo comments an hour a day): the brand
answers this step's Weibo posters up to its capacity; answered posters grow closer and may share the reply."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.scenario import load_scenario
from sim.model.model import WomModel
from sim.playbook.weibo_replies import reply_capacity
from tests.playbook.test_contract import BASE

ON = [*BASE, "weibo_replies.enabled=true"]
WARM_UP_STEPS = 20
SEED = 7


def warmed(extra: list[str], **then) -> WomModel:
    """A model after WARM_UP_STEPS steps (no replies), then the mechanism's settings changed to `then`."""
    model = WomModel(load_scenario(None, [*extra, "weibo_replies.hours_per_day=0"]), SEED)
    model.run(WARM_UP_STEPS)
    replies = model.playbook.mechanism("weibo_replies")
    replies.cfg = replies.cfg.model_copy(update=then)
    return model


def step_posters(model: WomModel) -> tuple[np.ndarray, np.ndarray]:
    """Run one step with the mechanism's end-of-step action held back; return the step's Weibo posters and
    everyone's brand ties before the action."""
    replies = model.playbook.mechanism("weibo_replies")
    cfg = replies.cfg
    replies.cfg = cfg.model_copy(update={"hours_per_day": 0.0})
    model.step()
    replies.cfg = cfg
    posters = model.channels["weibo"].posted_now(model.step_index)
    return posters, model.people.brand_tie_now(np.arange(model.n), model.step_index * model.dt)


def act(model: WomModel) -> None:
    """The mechanism's end-of-step action, once more for the step just run."""
    step = model.step_index
    model.playbook.mechanism("weibo_replies").end_of_step(model.view, step, step * model.dt)


def test_capacity_counts_whole_replies_in_a_step():
    assert reply_capacity(60.0, 1.0, 1.0) == 60
    assert reply_capacity(60.0, 1.0, 0.5) == 30
    assert reply_capacity(10.0, 0.25, 1.0) == 2
    assert reply_capacity(0.0, 24.0, 1.0) == 0


def test_every_poster_answered_grows_closer_and_nobody_else_moves():
    model = warmed(ON, hours_per_day=24.0, replies_per_hour=1e6, answered_growth=0.5, share_chance=0.0)
    posters, before = step_posters(model)
    assert len(posters) > 0
    act(model)
    after = model.people.brand_tie_now(np.arange(model.n), model.step_index * model.dt)
    assert after[posters] == pytest.approx(before[posters] + 0.5 * (1 - before[posters]))
    others = np.setdiff1d(np.arange(model.n), posters)
    assert (after[others] == before[others]).all()


def test_capacity_limits_who_is_answered():
    model = warmed(ON, hours_per_day=1.0, replies_per_hour=2.0, answered_growth=1.0, share_chance=0.0)
    posters, before = step_posters(model)
    assert len(posters) > 2
    act(model)
    after = model.people.brand_tie_now(posters, model.step_index * model.dt)
    assert int(np.sum(after > before[posters])) == 2


def test_answered_posters_share_the_reply_and_replies_are_paid():
    extra = [*ON, "budget.total=5", "weibo_replies.cost_per_reply=1"]
    model = warmed(extra, hours_per_day=24.0, replies_per_hour=1e6, share_chance=1.0)
    posters, _ = step_posters(model)
    assert len(posters) > 5
    model.playbook.share_next[:] = False
    act(model)
    assert int(model.playbook.share_next.sum()) == 5  # the money paid for 5 replies, each shared
    assert set(np.flatnonzero(model.playbook.share_next)) <= set(posters)


def test_no_replies_once_the_brand_steps_back():
    model = warmed(ON, hours_per_day=24.0, replies_per_hour=1e6, answered_growth=1.0)
    posters, before = step_posters(model)
    model.playbook.brand_active = lambda day: False
    act(model)
    after = model.people.brand_tie_now(posters, model.step_index * model.dt)
    assert (after == before[posters]).all()

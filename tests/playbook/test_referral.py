"""Referral rewards (issue 27, seed S63: members sell the product outward and earn from it): each code used is
traced to the member who gave it, who is paid and grows closer to the brand. The gating itself is checked by
the contract test and tests/model."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.config.scenario import load_scenario
from sim.model.model import WomModel
from sim.model.state import Funnel
from sim.model.streams import replicate_seeds
from sim.run.runner import run_replicate
from tests.playbook.test_contract import BASE

SEED = 63
ON = [*BASE, "referral.enabled=true", "referral.codes_per_owner=0.2", "referral.senior_days=4"]


NO_CODES = ["referral.codes_per_fan=0", "referral.codes_per_forum_senior=0", "referral.codes_per_owner=0"]


def warmed(**then) -> WomModel:
    """A model 20 steps in without any code handed out (owners are senior, people wait for codes), then the
    mechanism's settings changed to `then`."""
    model = WomModel(load_scenario(None, [*ON, *NO_CODES]), SEED)
    model.run(20)
    referral = model.playbook.mechanism("referral")
    referral.cfg = referral.cfg.model_copy(update=then)
    assert referral.waiting.sum() > 10
    return model


def act(model: WomModel):
    step = model.step_index + 1
    model.draws.step = step
    return model.playbook.mechanism("referral").end_of_step(model.view, step, step * model.dt)


def test_each_sale_is_rewarded_once_to_a_member_and_grows_their_tie():
    model = warmed(codes_per_owner=1.0, reward_per_sale=2.0, reward_growth=0.5)
    ties = model.people.brand_tie.copy()
    before = model.ledger.spent
    lucky, _ = act(model)
    assert len(lucky) > 0
    assert model.ledger.spent - before == pytest.approx(2 * len(lucky))  # every code from a member: all paid
    grown = np.flatnonzero(model.people.brand_tie > ties + 1e-12)
    assert 0 < len(grown) <= len(lucky)
    assert np.isin(model.people.state[grown], [Funnel.ADOPTER, Funnel.FAN]).all()  # givers are users


def test_codes_from_repost_events_have_no_giver():
    model = warmed(reward_per_sale=2.0, codes_per_repost_event=50.0)
    before = model.ledger.spent
    result = act(model)
    assert result is not None and len(result[0]) > 0
    assert model.ledger.spent == before


def test_rewarded_members_become_fans_more_often():
    def fans(growth: float) -> float:
        sc = load_scenario(None, [*ON, "run.days=90", f"referral.reward_growth={growth}"])
        return float(
            np.mean([run_replicate(sc, s, r)["fans"].iloc[-1] for r, s in enumerate(replicate_seeds(SEED, 3))])
        )

    assert fans(0.3) > fans(0.0)


def test_without_a_reward_nothing_moves():
    a = run_replicate(load_scenario(None, ON), replicate_seeds(SEED, 1)[0], 0)
    b = run_replicate(
        load_scenario(None, [*ON, "referral.reward_growth=0", "referral.reward_per_sale=0"]),
        replicate_seeds(SEED, 1)[0],
        0,
    )
    pd.testing.assert_frame_equal(a, b, check_exact=True)

"""WOM events: a fan festival, a day with gifts to every fan (the annual fan festival (issue 27, seed S82: 每年的粉丝节…
发放礼物). Sharing and topic events themselves are checked by the contract test and the model's tests."""

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

SEED = 82
#: Ten employees are fans from the start (a full brand tie, which a festival cannot raise: the test lowers it).
FESTIVAL = [*BASE, "events.enabled=true", "events.festivals=[{day = 5, fan_gift_growth = 0.5}]"]


def test_a_festival_gives_every_fan_a_gift_at_the_end_of_the_step_holding_its_first_day():
    model = WomModel(load_scenario(None, [*FESTIVAL, "run.dt=1"]), SEED)
    model.run(4)
    fans = np.flatnonzero(model.people.state == Funnel.FAN)
    assert len(fans) >= 10
    model.people.set_brand_tie(fans, np.full(len(fans), 0.6), 4.0)
    events = model.playbook.mechanism("events")
    events.end_of_step(model.view, 5, 5.0)  # days 4-5: the festival (day 5) is not in this step
    np.testing.assert_allclose(model.people.brand_tie[fans], 0.6)
    before = model.people.brand_tie_now(fans, 6.0)  # relaxed over two days from 0.6
    events.end_of_step(model.view, 6, 6.0)  # days 5-6: it is
    np.testing.assert_allclose(model.people.brand_tie[fans], before + 0.5 * (1 - before))
    assert (model.people.brand_day[fans] == 6.0).all()


def test_gifts_are_paid_and_unpaid_fans_get_none():
    model = WomModel(
        load_scenario(
            None,
            [
                *FESTIVAL[:-1],
                "events.festivals=[{day = 5, fan_gift_growth = 0.5, cost_per_fan_gift = 1}]",
                "budget.total=3",
                "run.dt=1",
            ],
        ),
        SEED,
    )
    fans = np.flatnonzero(model.people.state == Funnel.FAN)
    model.people.set_brand_tie(fans, np.full(len(fans), 0.6), 0.0)
    model.playbook.mechanism("events").end_of_step(model.view, 6, 6.0)
    grown = model.people.brand_tie[fans] > 0.6
    assert grown.sum() == 3 and grown[:3].all()  # the fans with the lowest numbers
    assert model.ledger.spent == pytest.approx(3.0)


def test_a_festival_without_gifts_changes_nothing():
    plain = [*BASE, "events.enabled=true", "events.topics=[{day = 5, days = 2, talk_boost = 2}]"]
    no_gift = [
        *BASE,
        "events.enabled=true",
        "events.topics=[{day = 5, days = 2, talk_boost = 2}]",
        "events.festivals=[{day = 5, fan_gift_growth = 0}]",
    ]
    a = run_replicate(load_scenario(None, plain), replicate_seeds(SEED, 1)[0], 0)
    b = run_replicate(load_scenario(None, no_gift), replicate_seeds(SEED, 1)[0], 0)
    pd.testing.assert_frame_equal(a, b, check_exact=True)

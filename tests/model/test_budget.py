"""Money that binds: the ad response curve, the ledger's total and monthly caps, paid mechanisms."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from sim.config.budget import MONTH_DAYS, ad_reach
from sim.config.errors import ScenarioError
from sim.config.scenario import load_scenario
from sim.model.model import WomModel
from sim.run.runner import run_scenario
from sim.run.series_metrics import out_of_money_day

ROOT = Path(__file__).resolve().parents[2]
BASS = ROOT / "scenarios" / "docking" / "bass.toml"
#: A reduced scenario: well mixed, nobody talks (q = 0), every ad contact buys; 10,000 a day of ads.
ADS = ["population.size=500", "run.dt=1", "wom.q=0.0", "advertising.spend_per_day=10000", "run.replicates=1"]


def test_response_curve_has_diminishing_returns():
    assert ad_reach(0.02, 0.0, 1000) == 0.0
    assert ad_reach(0.02, 1000, 1000) == pytest.approx(0.02 * (1 - math.exp(-1)), rel=1e-12)
    spends = np.linspace(100, 100_000, 50)
    p = np.array([ad_reach(0.02, s, 10_000) for s in spends])
    assert (np.diff(p) > 0).all() and (np.diff(p, 2) < 0).all() and (p < 0.02).all()


def test_old_ad_key_names_the_new_ones():
    with pytest.raises(
        ScenarioError, match=r"advertising.p: replaced by advertising.p_max and advertising.spend_scale"
    ):
        load_scenario(BASS, ["advertising.p=0.03"])


def test_total_budget_stops_ads_and_the_run_records_when():
    """95,000 pays 9 days at 10,000 a day (the 10th is refused: 5,000 left), so ads stop after day 9."""
    sc = load_scenario(BASS, [*ADS, "run.days=30", "budget.total=95000"])
    result = run_scenario(sc)
    ts = result.timeseries
    assert ts["cost"].iloc[-1] == 90_000
    assert out_of_money_day(ts) == 10.0  # the end of the step of day 9 -> 10
    assert result.summary["budget"]["out_of_money_day"] == [10.0]
    assert (ts.loc[ts["time"] > 10, "new_adopters"] == 0).all()  # no ads, no talk: nobody else buys
    assert ts.loc[ts["time"] <= 10, "new_adopters"].sum() > 0


def test_monthly_cap_resumes_paid_actions_next_month():
    """100,000 a month pays 10 days of each 30-day month: ads on days 0-9 and 30-39."""
    sc = load_scenario(BASS, [*ADS, "run.days=60", "budget.per_month=100000"])
    ts = run_scenario(sc).timeseries
    assert ts["cost"].iloc[-1] == 200_000
    paid_steps = np.flatnonzero(np.diff(ts["cost"].to_numpy()) > 0)  # step k+1 covers day k
    assert list(paid_steps) == [*range(10), *range(int(MONTH_DAYS), int(MONTH_DAYS) + 10)]


@pytest.mark.slow
def test_no_budget_means_unlimited_money_and_no_budget_records():
    sc = load_scenario(BASS, [*ADS, "run.days=20"])
    result = run_scenario(sc)
    assert result.timeseries["cost"].iloc[-1] == 200_000
    assert "out_of_money" not in result.timeseries and "budget" not in result.summary


def test_meetup_the_budget_cannot_pay_is_not_held():
    """A budget below one meetup's cost: no meetup, nothing spent, the refusal recorded."""
    sets = ["population.size=400", "run.days=30", "meetups.enabled=true", "meetups.every_days=7"]
    paid = WomModel(load_scenario(None, [*sets, "meetups.cost=2000"]), 1)
    paid.run()
    held = paid.playbook.mechanism("meetups").city_visits.sum()
    assert held > 0 and paid.cost == 2000 * held
    poor = WomModel(load_scenario(None, [*sets, "meetups.cost=2000", "budget.total=1000"]), 1)
    poor.run()
    assert poor.cost == 0 and poor.playbook.mechanism("meetups").city_visits.sum() == 0
    assert poor.ledger.out_of_money_day == 7.0


#: Every paid action of the playbook switched on, with a price for each (currency units).
PAID_PLAYBOOK = [
    "fan_building.enabled=true",
    "fan_building.super_user_gift=50",
    "meetups.enabled=true",
    "referral.enabled=true",
    "referral.cost_per_code=10",
    "forum_service.enabled=true",
    "forum_service.cost_per_reply=2",
    "advertising.spend_per_day=1000",
    "advertising.cost_per_contact=0.05",
    "referral.reward_per_sale=3",
    "brand_signals.enabled=true",
    "brand_signals.cost_per_signal=500",
    "staff_seeding.enabled=true",
    "staff_seeding.cost_per_post=1",
    "events.enabled=true",
    "events.festivals=[{day = 2, cost_per_fan_gift = 4}]",
]


def test_paid_actions_declare_their_unit_costs():
    sets = ["population.size=300", "run.days=5", *PAID_PLAYBOOK]
    costs = WomModel(load_scenario(None, sets), 1).playbook.unit_costs
    assert costs == {
        "advertising_day": 1000.0,
        "ad_contact": 0.05,
        "sharing": 0.0,
        "honour": 0.5,
        "benefit": 5.0,
        "honour_gift": 50.0,
        "forum_reply": 2.0,
        "meetup": 2000.0,
        "f_code": 10.0,
        "referral_reward": 3.0,
        "brand_signal": 500.0,
        "staff_post": 1.0,
        "fan_gift": 4.0,
    }


def test_every_paid_action_is_booked_and_the_budget_is_never_exceeded():
    """The whole paid playbook against a tight budget: spending by action adds up to the cost column and
    stays within the total."""
    sets = ["population.size=600", "run.days=60", *PAID_PLAYBOOK, "budget.total=40000"]
    model = WomModel(load_scenario(None, sets), 2)
    model.run()
    by_action = model.ledger.by_action
    assert {"advertising", "honour_gift", "meetup"} <= set(by_action)
    assert sum(by_action.values()) == pytest.approx(model.cost, rel=1e-12)
    assert model.cost <= 40_000 and not math.isnan(model.ledger.out_of_money_day)

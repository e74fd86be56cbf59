"""The money books (issue 28, sim.model.money): each sale earns its brand the discounted margin, each step's
spend costs its discounted amount, and a run without a margin records nothing new.

Each test recomputes the NPV from the columns the model records anyway (new adopters, purchases, cost) with
the formula of docs/model.md, so the books are checked against an independent sum; tolerance 1e-9 relative
(float sums in another order)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.money import DAYS_PER_YEAR
from sim.config.scenario import load_scenario
from sim.model.brands import make_model
from sim.model.streams import replicate_seeds
from sim.run.runner import run_replicate, run_scenario

MONEY = ["money.price=100", "money.margin=30", "money.discount_rate=0.2"]
SMALL = ["population.size=1500", "run.days=120", "run.replicates=1"]


def _discount(days, rate=0.2):
    return (1 + rate) ** (-np.asarray(days, dtype=float) / DAYS_PER_YEAR)


def _frame(path, overrides):
    sc = load_scenario(path, [*SMALL, *overrides])
    return run_replicate(sc, replicate_seeds(sc.run.seed, 1)[0], 0)


def _expected(sold, cost, time, margin=30.0, rate=0.2):
    """margin x sum of discounted units sold per step minus the sum of discounted spend per step."""
    d = _discount(time, rate)
    return margin * float(np.sum(np.diff(sold) * d[1:])) - float(np.sum(np.diff(cost) * d[1:]))


def test_a_run_without_a_margin_records_nothing_new_and_money_changes_nothing_else():
    plain = _frame("scenarios/playbook/ads_first.toml", [])
    money = _frame("scenarios/playbook/ads_first.toml", MONEY)
    assert "npv" not in plain and list(money.columns) == [*plain.columns, "npv"]
    assert money.drop(columns="npv").equals(plain)


def test_the_npv_is_the_discounted_margins_of_first_purchases_minus_discounted_spend():
    ts = _frame("scenarios/playbook/ads_first.toml", MONEY)
    assert ts["cost"].iloc[-1] > 0 and ts["adopted_total"].iloc[-1] > ts["adopted_total"].iloc[0]
    want = _expected(ts["adopted_total"].to_numpy(), ts["cost"].to_numpy(), ts["time"].to_numpy())
    assert ts["npv"].iloc[0] == 0.0
    assert ts["npv"].iloc[-1] == pytest.approx(want, rel=1e-9)


def test_upgrades_to_later_generations_are_sales_too():
    ts = _frame("scenarios/playbook/ads_first_generations.toml", [*MONEY, "run.days=450"])  # Mi 2 on day 365
    sold = ts["purchases_total"].to_numpy()
    assert sold[-1] - sold[0] > ts["adopted_total"].iloc[-1] - ts["adopted_total"].iloc[0]  # some upgraded
    want = _expected(sold, ts["cost"].to_numpy(), ts["time"].to_numpy())
    assert ts["npv"].iloc[-1] == pytest.approx(want, rel=1e-9)


def test_a_higher_discount_rate_lowers_the_value_of_the_same_sales():
    """The default scenario spends nothing: its NPV is its discounted margins, undiscounted at rate 0."""
    low = _frame("scenarios/default.toml", [*MONEY, "money.discount_rate=0.0", "seed_users.count=20"])
    high = _frame("scenarios/default.toml", [*MONEY, "money.discount_rate=0.9", "seed_users.count=20"])
    assert low.drop(columns="npv").equals(high.drop(columns="npv")) and low["cost"].iloc[-1] == 0
    gained = low["adopted_total"].iloc[-1] - low["adopted_total"].iloc[0]
    assert low["npv"].iloc[-1] == pytest.approx(30.0 * gained, rel=1e-12)
    assert 0 < high["npv"].iloc[-1] < low["npv"].iloc[-1]


def test_each_brand_books_its_own_sales_and_spend_and_the_market_adds_them():
    sc = load_scenario(
        "scenarios/docking/competition.toml",
        ["population.size=2000", "run.dt=0.5", "run.replicates=1", *MONEY, "brands.b.money.margin=10"],
    )
    ts = run_replicate(sc, replicate_seeds(sc.run.seed, 1)[0], 0)
    assert ts["npv"].iloc[-1] == pytest.approx(ts["npv_a"].iloc[-1] + ts["npv_b"].iloc[-1], rel=1e-12)
    time = ts["time"].to_numpy()
    model = make_model(sc, replicate_seeds(sc.run.seed, 1)[0])
    model.run()
    for b, (name, margin) in enumerate((("a", 30.0), ("b", 10.0))):
        spent = np.array([0.0, model.ledgers[b].spent])  # ads: the same spend every step from entry
        sold = ts[f"adopted_total_{name}"].to_numpy()  # no seed users, no switching: every owner bought once
        earned = margin * float(np.sum(np.diff(sold) * _discount(time)[1:]))
        assert model.money.earned[b] == pytest.approx(earned, rel=1e-9)
        assert model.money.spent[b] <= spent[-1] and model.money.spent[b] > 0
        assert ts[f"npv_{name}"].iloc[-1] == pytest.approx(earned - model.money.spent[b], rel=1e-9)


def test_each_persons_value_adds_up_to_the_brands_discounted_margins():
    sc = load_scenario("scenarios/playbook/ads_first.toml", [*SMALL, *MONEY])
    model = make_model(sc, replicate_seeds(sc.run.seed, 1)[0])
    model.run()
    bought = ~np.isnan(model.people.adopt_day) & (model.people.adopt_day > 0)
    assert np.all(model.money.value[0][~bought] == 0) and np.all(model.money.value[0][bought] > 0)
    assert model.money.value[0].sum() == pytest.approx(model.money.earned[0], rel=1e-9)
    np.testing.assert_allclose(model.money.value[0][bought], 30.0 * _discount(model.people.adopt_day[bought]))


def test_npv_is_in_the_summary_with_money_only():
    sc = load_scenario("scenarios/playbook/ads_first.toml", [*SMALL, *MONEY])
    assert "npv" in run_scenario(sc).summary["metrics"]["mean"]
    sc = load_scenario("scenarios/playbook/ads_first.toml", SMALL)
    assert "npv" not in run_scenario(sc).summary["metrics"]["mean"]


def test_wom_run_prints_the_npv_with_money_only(tmp_path):
    from typer.testing import CliRunner

    from sim.cli.main import app

    args = ["run", "scenarios/playbook/ads_first.toml", *(f"--set={s}" for s in SMALL), "--quiet", "-w", "1"]
    res = CliRunner().invoke(app, [*args, *(f"--set={s}" for s in MONEY), "--out", str(tmp_path / "a")])
    assert res.exit_code == 0 and "net present value" in res.output
    res = CliRunner().invoke(app, [*args, "--out", str(tmp_path / "b")])
    assert res.exit_code == 0 and "net present value" not in res.output

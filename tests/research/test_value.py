"""`wom value` (issue 28, sim.research.value.method): the split of a program's value person by person.

Exact checks, no statistics: per replicate the parts add up to the total, the total is the difference of
the two runs' NPVs as the runner reports them (summary.json's `npv`, an independent path through the
time series: tolerance 1e-9 relative, float sums in another order) and the people's total is the
difference of adopters exactly. Small populations (1,500 people, 2-3 replicates, seed fixed by the file)."""

from __future__ import annotations

import json

import numpy as np
import pytest
from typer.testing import CliRunner

from sim.cli.main import app
from sim.config.errors import ScenarioError
from sim.config.scenario import load_scenario
from sim.research.options import ResearchOptions
from sim.research.value import method
from sim.run.runner import run_scenario

HUBS = "scenarios/playbook/seeds_hubs.toml"
COMPETITION = "scenarios/docking/competition.toml"
MONEY = ["money.price=100", "money.margin=30", "money.discount_rate=0.1"]
SMALL = ["population.size=1500", "run.days=120", "run.replicates=3", *MONEY]
cli = CliRunner()


def _pair(path, overrides, baseline_set):
    return load_scenario(path, overrides), load_scenario(path, [*overrides, *baseline_set])


def _npvs(scenario, brand=None):
    per = run_scenario(scenario).summary["metrics"]["per_replicate"]
    return np.array([rep["npv" if brand is None else f"npv_{brand}"] for rep in per])


def _check_identities(result, scenario, baseline, brand=None):
    want = _npvs(scenario, brand) - _npvs(baseline, brand)
    for r, rep in enumerate(result.per_replicate):
        money, people = rep["value"], rep["people"]
        assert money["total"] == money["acceleration"] + money["expansion"] + money["loss"] + money["spend"]
        assert people["total"] == people["acceleration"] + people["expansion"] + people["loss"]
        assert money["total"] == pytest.approx(want[r], rel=1e-9, abs=1e-6)
        assert money["total"] == pytest.approx(rep["npv"]["scenario"] - rep["npv"]["baseline"], rel=1e-9, abs=1e-6)
        assert people["acceleration"] == 0 and people["earlier"] + people["later"] <= people["both"]


def test_the_parts_add_up_to_the_npv_difference_of_the_two_runs():
    """Seeding hubs against seeding at random, with ads (spend) in both: every line of the split moves."""
    sc, base = _pair(HUBS, SMALL, ["seed_users.choice=random"])
    result = method.run(sc, base)
    _check_identities(result, sc, base)
    adopters = [run_scenario(s).summary["metrics"]["per_replicate"][0]["final_adoption"] * 1500 for s in (sc, base)]
    assert result.per_replicate[0]["people"]["total"] == round(adopters[0] - adopters[1])
    assert result.per_replicate[0]["people"]["expansion"] > 0 and result.per_replicate[0]["people"]["loss"] < 0


def test_a_program_that_costs_money_has_a_spend_line():
    """Ads on in the scenario, off in the baseline: the spend line is minus the discounted ad spend."""
    sc, base = _pair("scenarios/playbook/ads_first.toml", SMALL, ["advertising.spend_per_day=0"])
    result = method.run(sc, base, ResearchOptions(replicates=2))
    assert all(rep["value"]["spend"] < 0 for rep in result.per_replicate)
    _check_identities(
        result,
        sc.model_copy(update={"run": sc.run.model_copy(update={"replicates": 2})}),
        base.model_copy(update={"run": base.run.model_copy(update={"replicates": 2})}),
    )


def test_pairing_is_per_person_a_change_of_money_alone_moves_nobody():
    """The same runs but a dearer discount rate in the baseline: the same people adopt on the same days, so
    there is no expansion and no loss, and all the value is acceleration (the discounting's difference)."""
    sc, base = _pair(HUBS, SMALL, ["money.discount_rate=0.5"])
    result = method.run(sc, base, ResearchOptions(replicates=2))
    for rep in result.per_replicate:
        assert rep["people"]["expansion"] == rep["people"]["loss"] == 0 == rep["people"]["earlier"]
        assert rep["value"]["expansion"] == rep["value"]["loss"] == 0
        assert rep["value"]["acceleration"] > 0 and rep["value"]["total"] == rep["value"]["acceleration"]


def test_a_rivals_market_splits_the_focal_brands_value():
    overrides = ["population.size=2000", "run.dt=0.5", "run.replicates=2", *MONEY, "brands.b.money.margin=10"]
    sc, base = _pair(COMPETITION, overrides, ["brands.a.advertising.p_max=0.005"])
    for brand in ("a", "b"):
        result = method.run(sc, base, brand=brand)
        assert result.brand == brand
        _check_identities(result, sc, base, brand)
    rival = method.run(sc, base, brand="b").summary("people")  # a's extra ads take customers from b
    assert rival["total"]["mean"] < 0 and rival["loss"]["mean"] < 0


def test_the_same_result_whatever_the_number_of_workers():
    sc, base = _pair(HUBS, [*SMALL, "population.size=600", "run.days=40"], ["seed_users.choice=random"])
    one = method.run(sc, base, ResearchOptions(replicates=2, workers=1)).as_json()
    two = method.run(sc, base, ResearchOptions(replicates=2, workers=2)).as_json()
    assert json.dumps(one) == json.dumps(two)


def test_an_identical_baseline_is_worth_zero_and_runs_nothing():
    sc, base = _pair(HUBS, SMALL, ["name=other"])
    result = method.run(sc, base)
    assert result.identical and "worth 0" in result.table()
    assert all(v["mean"] == 0 for v in result.summary("value").values())


@pytest.mark.parametrize(
    ("baseline_set", "brand", "message"),
    [
        (["population.size=1400"], None, "population.size"),
        (["money.margin=0"], None, "money.margin: the baseline earns nothing"),
        ([], "z", "--brand z: not a brand"),
    ],
)
def test_pairs_that_cannot_be_compared_are_refused_naming_the_key(baseline_set, brand, message):
    sc, base = _pair(HUBS, SMALL, [*baseline_set, "run.seed=9"])
    with pytest.raises(ScenarioError, match=message):
        method.focal_brand(sc, base, brand)
        method.check_pair(sc, base)


def test_write_outputs_writes_value_json_and_the_chart(tmp_path):
    from sim.viz.value_charts import draw_value

    sc, base = _pair(HUBS, [*SMALL, "population.size=600", "run.days=40"], ["seed_users.choice=random"])
    result = method.run(sc, base, ResearchOptions(replicates=2))
    files = method.write_outputs(result, tmp_path / "v", draw=draw_value)
    assert [p.name for p in files] == ["value.json", "value.png"] and all(p.is_file() for p in files)
    data = json.loads((tmp_path / "v" / "value.json").read_text())
    assert set(data["value"]) == {"acceleration", "expansion", "loss", "spend", "total"}
    assert {"acceleration", "expansion", "loss", "total"} <= set(data["people"])
    assert len(data["per_replicate"]) == 2 and data["value"]["total"]["ci90"][0] <= data["value"]["total"]["mean"]


# --- the command ---------------------------------------------------------------------------------------


def _invoke(*args):
    return cli.invoke(app, ["value", *map(str, args)])


def test_the_command_writes_and_prints_the_split(tmp_path):
    res = _invoke(
        HUBS,
        "--baseline-set",
        "seed_users.choice=random",
        *(f"--set={s}" for s in SMALL),
        "--set",
        "population.size=600",
        "-r",
        "2",
        "-w",
        "1",
        "--out",
        tmp_path / "v",
        "--quiet",
    )
    assert res.exit_code == 0, res.output
    assert "value  expansion" in res.output and (tmp_path / "v" / "value.png").is_file()
    again = _invoke(
        HUBS,
        "--baseline-set",
        "seed_users.choice=random",
        "--set",
        "money.margin=30",
        "--set",
        "money.price=100",
        "--out",
        tmp_path / "v",
        "--quiet",
    )
    assert again.exit_code == 2 and "--force" in again.output


def test_an_identical_baseline_says_so_and_exits_0(tmp_path):
    res = _invoke(HUBS, "--baseline-set", "name=same", "--out", tmp_path / "v", "--quiet")
    assert res.exit_code == 0, res.output
    assert "identical" in res.output and "worth 0" in res.output


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ([], "--baseline-set"),
        (["--baseline-set", "seed_users.count=0", "--set", "money.discount_rate=1"], "money.discount_rate"),
        (["--baseline-set", "money.discount_rate=-0.1"], "money.discount_rate"),
        (["--baseline-set", "seed_users.count=0", "--set", "money.price=1e13"], "money.price"),
        (["--baseline-set", "seed_users.count=0", "--set", "money.margin=2e12"], "money.margin"),
        (["--baseline-set", "seed_users.count=0", "--set", "money.margin=5"], "margin (5) cannot exceed price (0)"),
        (["--baseline-set", "seed_users.count=0"], "money.margin: the scenario earns nothing"),
        (["--baseline-set", "seed_users.count=0", *(f"--set={s}" for s in MONEY), "--brand", "a"], "--brand a"),
        (["--baseline-set", "population.size=999", *(f"--set={s}" for s in MONEY)], "population.size"),
        (["--baseline-set", "seed_users.count=0", "--replicates", "0"], "--replicates"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(tmp_path, args, message):
    res = _invoke(HUBS, *args, "--out", tmp_path / "v", "--quiet")
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output and message in res.output
    assert sum("rror" in line for line in res.output.splitlines()) == 1  # one error line (Click adds usage)
    assert not (tmp_path / "v").exists()

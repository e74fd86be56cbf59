"""The `[choice]` section (issue 26 part 2: prices and ties in the choice of a brand): defaults that change
nothing, market-wide, only with [brands], the tie bonus only on a network, and hostile input refused with one
line naming the key (the command exits 2, nothing written)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli.main import app
from sim.config.choice import MAX_PRICE_WEIGHT, MAX_TIE_BONUS, ChoiceConfig
from sim.config.errors import ScenarioError
from sim.config.scenario import scenario_from_dict
from sim.config.schema import Scenario
from tests.config.test_brands import market, refused

PROPERTY = settings(max_examples=60, deadline=None, derandomize=True, database=None)
runner = CliRunner()
#: A market of two brands on a network, where both keys apply.
NETWORKED = ["network.kind='small_world'"]


def test_the_section_is_off_by_default_and_in_every_resolved_scenario():
    assert not ChoiceConfig().on and Scenario().choice == ChoiceConfig()
    assert json.loads(Scenario().model_dump_json())["choice"] == {
        "price_weight": 0.0,
        "tie_bonus": 0.0,
        "consider": "persuaded",
    }
    sc = scenario_from_dict(market(a={}, b={}), [*NETWORKED, "choice.price_weight=0.01", "choice.tie_bonus=0.2"])
    assert sc.choice.on and sc.choice.price_weight == 0.01 and sc.choice.tie_bonus == 0.2
    assert Scenario.model_validate(sc.model_dump()) == sc  # a resolved scenario reads back


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        (["choice.price_weight=-0.1"], "choice.price_weight"),
        ([f"choice.price_weight={MAX_PRICE_WEIGHT * 10}"], "choice.price_weight"),
        (["choice.price_weight='cheap'"], "choice.price_weight"),
        (["choice.price_weight=true"], "choice.price_weight"),
        (["choice.price_weight=nan"], "choice.price_weight"),
        (["choice.price_weight=inf"], "choice.price_weight"),
        (["choice.tie_bonus=-1"], "choice.tie_bonus"),
        ([f"choice.tie_bonus={MAX_TIE_BONUS + 1}"], "choice.tie_bonus"),
        (["choice.tie_bonus='0.1'"], "choice.tie_bonus"),
        (["choice.tie_weight=0.1"], "choice.tie_weight"),
        (["choice=1"], "choice"),
        (["choice.consider='all'"], "choice.consider"),
        (["choice.consider=1"], "choice.consider"),
    ],
)
def test_bad_choice_values_name_the_key(overrides, key):
    lines = refused(market(a={}, b={}), [*NETWORKED, *overrides])
    assert len(lines) == 2 and lines[1].startswith(f"  {key}"), lines


def test_choice_needs_brands_and_its_tie_bonus_a_network():
    for setting in ("choice.price_weight=0.1", "choice.consider='known'"):
        lines = refused({}, [setting])
        assert len(lines) == 2 and lines[1].startswith("  choice:") and "[brands]" in lines[1], lines
    lines = refused(market(a={}, b={}), ["choice.tie_bonus=0.1"])  # well mixed: no ties
    assert len(lines) == 2 and lines[1].startswith("  choice.tie_bonus:") and "well-mixed" in lines[1], lines
    lines = refused(market(a={}, b={}), [*NETWORKED, "network.enabled=false", "choice.tie_bonus=0.1"])
    assert lines[1].startswith("  choice.tie_bonus:"), lines
    assert scenario_from_dict(market(a={}, b={}), ["choice.price_weight=0.1"]).choice.price_weight == 0.1


def test_choice_under_a_brand_is_market_wide():
    lines = refused(market(a={}, b={"choice": {"price_weight": 0.1}}))
    assert lines[1].startswith("  brands.b.choice:") and "market-wide" in lines[1], lines


def test_the_command_prints_one_error_and_exits_2(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[network]\nkind = "well_mixed"\n[brands.a]\n[brands.b]\n[choice]\nprice_weight = -2\n')
    res = runner.invoke(app, ["validate", str(path)])
    assert res.exit_code == 2 and "Traceback" not in res.output, res.output
    errors = [line for line in res.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "choice.price_weight" in res.output, res.output


values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**6), 10**6),
    st.text(max_size=5),
    st.booleans(),
    st.none(),
    st.lists(st.integers(), max_size=2),
)
keys = st.sampled_from(["price_weight", "tie_bonus", "consider", "x", ""])
tables = st.one_of(
    values, st.dictionaries(keys, st.one_of(values, st.sampled_from(["known", "persuaded"])), max_size=3)
)


@PROPERTY
@given(table=tables, kind=st.sampled_from(["well_mixed", "small_world"]), brands=st.booleans())
def test_any_choice_table_loads_or_is_refused_naming_a_choice_key(table, kind, brands):
    """Whatever `[choice]` holds, a scenario loads (both keys finite numbers in range, a market of brands, the
    bonus on a network) or is refused with a ScenarioError whose one line names a key under `choice`."""
    data = market(a={}, b={}) if brands else {}
    data = {**data, "network": {"kind": kind}, "choice": table}
    try:
        sc = scenario_from_dict(data, source="s.toml")
    except ScenarioError as err:
        lines = str(err).splitlines()
        assert lines[0] == "s.toml: invalid scenario" and lines[1].startswith("  choice"), lines
        return
    assert 0 <= sc.choice.price_weight <= MAX_PRICE_WEIGHT and 0 <= sc.choice.tie_bonus <= MAX_TIE_BONUS
    assert sc.brands or not sc.choice.on
    assert kind != "well_mixed" or sc.choice.tie_bonus == 0

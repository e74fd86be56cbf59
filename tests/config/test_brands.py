"""The `[brands.<name>]` tables (issue 26, part 1): inheritance from the top-level sections, overrides by
file and by --set, and hostile input refused with one line naming the key (the command exits 2)."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli.main import app
from sim.config.brands import BRAND_SECTIONS, MARKET_WIDE, MAX_BRANDS
from sim.config.errors import ScenarioError
from sim.config.scenario import load_scenario, scenario_from_dict
from sim.config.schema import Scenario

PROPERTY = settings(max_examples=60, deadline=None, derandomize=True, database=None)
runner = CliRunner()
#: What a scenario of several brands needs besides its brands (a well-mixed market, no relationship chain).
MARKET = {"network": {"kind": "well_mixed"}, "relationship": {"participation_rate": 0.0}, "run": {"days": 100}}


def market(**brands) -> dict:
    """A scenario table of a well-mixed market with the given brand tables."""
    return {**json.loads(json.dumps(MARKET)), "brands": brands}


def refused(data: dict, overrides=()) -> list[str]:
    """The lines after the first of the error refusing `data` (with `overrides`)."""
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(data, list(overrides), source="s.toml")
    return str(err.value).splitlines()


def test_a_scenario_without_brands_has_none_and_writes_an_empty_table_that_reads_back():
    sc = Scenario()
    assert sc.brands == {}
    assert json.loads(sc.model_dump_json())["brands"] == {}
    assert Scenario.model_validate(sc.model_dump()).brands == {}


def test_a_resolved_scenario_of_brands_reads_back_the_same():
    sc = scenario_from_dict(market(a={}, b={"entry_day": 3, "engine": {"quality": 0.9}}))
    assert Scenario.model_validate(sc.model_dump()) == sc


def test_brands_inherit_the_top_level_sections_and_override_them():
    data = market(a={}, b={"entry_day": 30, "engine": {"quality": 0.9}, "advertising": {"spend_per_day": 5.0}})
    data |= {"engine": {"quality": 0.6, "sensitivity": 0.3}, "seed_users": {"count": 7}}
    sc = scenario_from_dict(data)
    a, b = sc.brands["a"], sc.brands["b"]
    assert (a.engine.quality, a.engine.sensitivity, a.seed_users.count, a.entry_day) == (0.6, 0.3, 7, 0.0)
    assert (b.engine.quality, b.engine.sensitivity, b.seed_users.count, b.entry_day) == (0.9, 0.3, 7, 30.0)
    assert b.advertising.spend_per_day == 5.0 and a.advertising.spend_per_day == 0.0
    assert list(sc.brands) == ["a", "b"]  # file order is the brands' order (columns, colours)


def test_set_overrides_a_brand_key():
    sc = scenario_from_dict(market(a={}, b={}), ["brands.b.engine.quality=0.9", "brands.a.entry_day=5"])
    assert sc.brands["b"].engine.quality == 0.9 and sc.brands["a"].entry_day == 5.0
    assert sc.brands["a"].engine.quality == Scenario().engine.quality


def test_every_brand_level_section_can_be_set_per_brand():
    for section, cls in BRAND_SECTIONS.items():
        assert section in Scenario.model_fields and Scenario.model_fields[section].annotation is cls
    assert set(BRAND_SECTIONS).isdisjoint(MARKET_WIDE)
    assert set(BRAND_SECTIONS) | set(MARKET_WIDE) | {"brands"} == set(Scenario.model_fields)
    assert "switching" in MARKET_WIDE


@pytest.mark.parametrize("section", [s for s in MARKET_WIDE if s not in ("name", "description")])
def test_a_market_wide_section_under_a_brand_names_its_key(section):
    lines = refused(market(a={}, b={section: {}}))
    assert lines[1:] == [lines[1]] and lines[1].startswith(f"  brands.b.{section}:") and "market-wide" in lines[1]


def test_an_unknown_brand_in_set_is_one_line_naming_it():
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(market(a={}, b={}), ["brands.c.engine.quality=0.9"], source="s.toml")
    message = str(err.value)
    assert len(message.splitlines()) == 1 and "unknown brand 'c'" in message and "a, b" in message
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict({}, ["brands.a.engine.quality=0.9"])
    assert "no [brands]" in str(err.value)


@pytest.mark.parametrize(
    ("data", "overrides", "key"),
    [
        (market(**{f"b{i}": {} for i in range(MAX_BRANDS + 1)}), [], "brands"),
        (market(a={}, b={"entry_day": 100}), [], "brands.b.entry_day"),
        (market(a={}, b={"entry_day": -1}), [], "brands.b.entry_day"),
        (market(a={}, B={}), [], "brands.B"),
        (market(a={}, b={"engine": {"quality": "high"}}), [], "brands.b.engine.quality"),
        (market(a={}, b={"engine": {"qualityy": 1}}), [], "brands.b.engine.qualityy"),
        (market(a={}, b=3), [], "brands.b"),
        (market(a={}, b={}), ["brands.b.seed_users.choice='hubs'"], "brands.b.seed_users.choice"),
        (market(a={}, b={}), ["brands.b.referral.enabled=true"], "brands.b.referral.enabled"),
        (market(a={}, b={}), ["run.backend='agents'"], "run.backend"),
        (market(a={}, b={}), ["channels.weibo.enabled=true"], "population.official_accounts"),
        (market(a={}, b={}), ["channels.forum.enabled=true"], "population.official_accounts"),
        (market(a={}, b={}), ["population.size=100", "seed_users.count=60"], "brands"),
    ],
)
def test_bad_brand_input_is_refused_naming_the_key(data, overrides, key):
    lines = refused(data, overrides)
    assert len(lines) == 2 and lines[1].startswith(f"  {key}"), lines


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ("switching.dissatisfaction=-1", "switching.dissatisfaction"),
        ("switching.dissatisfaction=1e9", "switching.dissatisfaction"),
        ("switching.persuasion=1.5", "switching.persuasion"),
        ("switching.cost=-0.1", "switching.cost"),
        ("switching.loyalty=2", "switching.loyalty"),
        ("switching.leave='often'", "switching.leave"),
        ("switching.rate=0.1", "switching.rate"),
        ("wom.q_cross=-1", "wom.q_cross"),
        ("wom.transmission_cross=1.5", "wom.transmission_cross"),
    ],
)
def test_bad_switching_and_cross_talk_values_name_the_key(override, key):
    lines = refused(market(a={}, b={}), [override])
    assert len(lines) == 2 and lines[1].startswith(f"  {key}"), lines


def test_switching_under_a_brand_is_market_wide():
    lines = refused(market(a={}, b={"switching": {"cost": 0.1}}))
    assert lines[1].startswith("  brands.b.switching:") and "market-wide" in lines[1]


def test_the_command_prints_one_error_and_exits_2(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[network]\nkind = "well_mixed"\n[brands.a]\n[brands.b]\nentry_day = 1e4\n')
    res = runner.invoke(app, ["validate", str(path)])
    assert res.exit_code == 2 and "Traceback" not in res.output, res.output
    errors = [line for line in res.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "brands.b.entry_day" in res.output, res.output
    res = runner.invoke(app, ["validate", str(path), "--set", "brands.zz.entry_day=1"])
    assert res.exit_code == 2 and "unknown brand 'zz'" in res.output, res.output


names = st.text(alphabet=st.sampled_from("abcXYZ019_-. é"), min_size=0, max_size=20)
values = st.one_of(st.floats(allow_nan=True), st.integers(-10, 10**6), st.text(max_size=5), st.booleans(), st.none())
tables = st.dictionaries(
    st.sampled_from(["entry_day", "engine", "run", "seed_users", "advertising", "wom", "budget", "x"]),
    st.one_of(values, st.dictionaries(st.sampled_from(["quality", "count", "p_max", "total", "days", "q"]), values)),
    max_size=3,
)


@PROPERTY
@given(brands=st.dictionaries(names, tables, max_size=10))
def test_any_brands_table_loads_or_is_refused_with_a_scenario_error(brands):
    """Whatever the brand tables, a scenario either loads (1 to 8 brands, plain names, entry days inside the
    horizon) or is refused with a ScenarioError naming a key under `brands`; never another exception."""
    data = market()
    data["brands"] = brands
    try:
        sc = scenario_from_dict(data, source="s.toml")
    except ScenarioError as err:
        lines = str(err).splitlines()
        assert lines[0] == "s.toml: invalid scenario" and lines[1].startswith("  brands"), lines
        return
    assert len(sc.brands) <= MAX_BRANDS  # none: an empty [brands] table is one brand, the top level
    assert all(0 <= b.entry_day < sc.run.days for b in sc.brands.values())


def test_the_shipped_docking_scenario_loads_two_brands():
    sc = load_scenario("scenarios/docking/competition.toml")
    assert list(sc.brands) == ["a", "b"] and sc.brands["b"].entry_day == 10
    assert sc.brands["a"].advertising.p_max == 0.01 and sc.brands["b"].advertising.p_max == 0.02


@pytest.mark.parametrize(
    ("overrides", "key"),
    [
        (["brands.b.supply.capacity_per_day=-1"], "brands.b.supply.capacity_per_day"),
        (["supply.capacity_per_day=-5"], "supply.capacity_per_day"),
        (["brands.a.supply.give_up=-0.1"], "brands.a.supply.give_up"),
        (["brands.a.supply.scarcity_talk=11"], "brands.a.supply.scarcity_talk"),
        (["network.kind='small_world'", "brands.a.supply.scarcity_talk=1"], "brands.a.supply.scarcity_talk"),
        (["brands.a.supply.f_codes_per_owner=-1"], "brands.a.supply.f_codes_per_owner"),
        (["supply.f_codes_per_owner=101"], "supply.f_codes_per_owner"),
        (["market.kind='guseo_guidolin'", "market.entrants='at_penetration'"], "market.entrants"),
    ],
)
def test_bad_supply_values_name_the_key(overrides, key):
    lines = refused(market(a={}, b={}), overrides)
    assert len(lines) == 2 and lines[1].startswith(f"  {key}"), lines


def test_supply_needs_brands_and_is_per_brand():
    lines = refused({}, ["supply.capacity_per_day=10"])
    assert lines[1].startswith("  supply:") and "[brands]" in lines[1]
    sc = scenario_from_dict(market(a={}, b={"supply": {"capacity_per_day": 5}}), ["supply.give_up=0.1"])
    assert sc.brands["b"].supply.capacity_per_day == 5 and not sc.brands["a"].supply.limited
    assert sc.brands["a"].supply.give_up == sc.brands["b"].supply.give_up == 0.1


@PROPERTY
@given(
    on=st.lists(st.sampled_from(["forum", "weibo", "wechat"]), unique=True, max_size=3),
    accounts=st.integers(0, 1000),
    network=st.sampled_from(["well_mixed", "small_world"]),
)
def test_brands_take_the_online_channels_without_official_accounts(on, accounts, network):
    """Any online channels with brands load when there are no official accounts; with official accounts and a
    channel on, one error line naming population.official_accounts (official posts are one brand's), exit 2."""
    data = market(a={}, b={})
    data["network"] = {"kind": network}
    data["population"] = {"official_accounts": accounts}
    data["channels"] = {name: {"enabled": True} for name in on}
    if on and accounts > 0:
        lines = refused(data)
        assert len(lines) == 2 and lines[1].startswith("  population.official_accounts"), lines
        return
    sc = scenario_from_dict(data, source="s.toml")
    assert [name for name, layer in sc.channels if layer.enabled] == [
        n for n in ("forum", "weibo", "wechat") if n in on
    ]


def test_the_command_refuses_official_accounts_on_a_brands_forum_in_one_line(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text(
        '[network]\nkind = "well_mixed"\n[relationship]\nparticipation_rate = 0.0\n'
        "[channels.forum]\nenabled = true\n[brands.a]\n[brands.b]\n"
    )
    res = runner.invoke(app, ["validate", str(path)])
    assert res.exit_code == 2 and "Traceback" not in res.output, res.output
    errors = [line for line in res.output.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and "population.official_accounts" in res.output, res.output
    res = runner.invoke(app, ["validate", str(path), "--set", "population.official_accounts=0"])
    assert res.exit_code == 0, res.output

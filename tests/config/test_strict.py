"""Strict types and bounds of the scenario schema (issue 11): no coercion, every number finite and
bounded, the horizon covered exactly, names that cannot become paths, and the shipped files still valid."""

from __future__ import annotations

import typing
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pydantic import BaseModel

from sim.config import schema
from sim.config.errors import ScenarioError
from sim.config.limits import MAX_STEPS
from sim.config.scenario import load_scenario, scenario_from_dict
from sim.config.section import NEVER, Section, money_cap
from sim.config.shipped import shipped_folder

ROOT = Path(__file__).resolve().parents[2]


def refused(*overrides: str) -> str:
    """The message of the ScenarioError that the defaults with these overrides raise."""
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict({}, overrides, source="s.toml")
    return str(err.value)


@pytest.mark.parametrize(
    ("override", "key", "allowed"),
    [
        ('population.size="500"', "population.size", "must be an integer (got '500', a string)"),
        ("seed_users.count=true", "seed_users.count", "must be an integer (got True, a boolean)"),
        ('channels.forum.enabled="yes"', "channels.forum.enabled", "must be true or false"),
        ("channels.forum.enabled=1", "channels.forum.enabled", "must be true or false (got 1, an integer)"),
        ("engine.quality=true", "engine.quality", "must be a number"),
        ('engine.quality="0.9"', "engine.quality", "must be a number"),
        ("population.size=500.5", "population.size", "must be an integer"),
        ("wom.active_steps=true", "wom.active_steps", 'an integer >= 1 or "forever"'),
        ("name=5", "name", "must be a string"),
    ],
)
def test_no_coercion_between_strings_bools_and_numbers(override, key, allowed):
    msg = refused(override)
    assert f"  {key}: " in msg and allowed in msg


@pytest.mark.parametrize(
    ("override", "key", "allowed"),
    [
        ("run.days=inf", "run.days", "finite"),
        ("run.days=nan", "run.days", "finite"),
        ("advertising.spend_per_day=inf", "advertising.spend_per_day", "finite"),
        ("advertising.spend_per_day=1e13", "advertising.spend_per_day", "<= 1e+12"),
        ("population.cities=1000000000000", "population.cities", ">= 1 and <= 50000000"),
        ("population.cities=1e12", "population.cities", ">= 1 and <= 50000000 (got 1000000000000, an integer)"),
        ("run.days=1e9", "run.days", "<= 36500"),
        ("run.seed=-1", "run.seed", ">= 0"),
        ("advertising.stop_day=nan", "advertising.stop_day", "inf = never"),
        ("meetups.cost=1e300", "meetups.cost", "<= 1e+12"),
        ("channels.weibo.start_at_adoption=1.5", "channels.weibo.start_at_adoption", ">= 0 and <= 1"),
        ("channels.forum.start_at_adoption=-0.1", "channels.forum.start_at_adoption", ">= 0 and <= 1"),
        ("channels.wechat.start_at_adoption=inf", "channels.wechat.start_at_adoption", "finite"),
        ("network.start_at_adoption=nan", "network.start_at_adoption", "finite"),
        ('channels.weibo.start_at_adoption="300000"', "channels.weibo.start_at_adoption", "must be a number"),
        ("fan_building.super_user_trial_days=0", "fan_building.super_user_trial_days", "> 0 and <= 36500"),
        ("fan_building.super_user_trial_days=1e6", "fan_building.super_user_trial_days", "> 0 and <= 36500"),
        ("complaints.complaint_rate=-1", "complaints.complaint_rate", ">= 0 and <= 100"),
        ("complaints.answer_win_back=1.5", "complaints.answer_win_back", ">= 0 and <= 1"),
        ("complaints.advocate_share=nan", "complaints.advocate_share", "finite"),
        ("complaints.gifts_per_day=inf", "complaints.gifts_per_day", "finite"),
        ("complaints.cost_per_gift=1e300", "complaints.cost_per_gift", "<= 1e+12"),
        ("complaints.report_feedback=1e6", "complaints.report_feedback", ">= 0 and <= 1000"),
        ('complaints.answers_per_day="20"', "complaints.answers_per_day", "must be a number"),
        ("weibo_replies.hours_per_day=25", "weibo_replies.hours_per_day", ">= 0 and <= 24"),
        ("weibo_replies.replies_per_hour=-1", "weibo_replies.replies_per_hour", ">= 0 and <= 1000000"),
        ("weibo_replies.replies_per_hour=inf", "weibo_replies.replies_per_hour", "finite"),
        ("weibo_replies.share_chance=1.5", "weibo_replies.share_chance", ">= 0 and <= 1"),
        ("weibo_replies.answered_growth=nan", "weibo_replies.answered_growth", "finite"),
        ("weibo_replies.cost_per_reply=1e300", "weibo_replies.cost_per_reply", "<= 1e+12"),
        ("trial.trial_rate=-0.1", "trial.trial_rate", ">= 0 and <= 100"),
        ("trial.trial_rate=1e6", "trial.trial_rate", ">= 0 and <= 100"),
        ("trial.turn_away=2", "trial.turn_away", ">= 0 and <= 1"),
        ("trial.cost_per_trial=-5", "trial.cost_per_trial", ">= 0"),
        ('trial.trial_rate="0.1"', "trial.trial_rate", "must be a number"),
        ("brand_signals.strength=-0.1", "brand_signals.strength", ">= 0 and <= 10"),
        ("brand_signals.strength=nan", "brand_signals.strength", "finite"),
        ("brand_signals.every_days=0", "brand_signals.every_days", "> 0 and <= 100000"),
        ("brand_signals.memory_days=0", "brand_signals.memory_days", "> 0 and <= 100000"),
        ("brand_signals.count=0", "brand_signals.count", ">= 1 and <= 10000"),
        ("brand_signals.count=2.5", "brand_signals.count", "must be an integer"),
        ("brand_signals.expectation_raise=6", "brand_signals.expectation_raise", ">= 0 and <= 5"),
        ("brand_signals.first_day=inf", "brand_signals.first_day", "finite"),
        ("brand_signals.cost_per_signal=1e300", "brand_signals.cost_per_signal", "<= 1e+12"),
        ('brand_signals.strength="big"', "brand_signals.strength", "must be a number"),
        ("staff_seeding.accounts=-1", "staff_seeding.accounts", ">= 0 and <= 1000000"),
        ("staff_seeding.accounts=1e7", "staff_seeding.accounts", ">= 0 and <= 1000000"),
        ("staff_seeding.posts_per_day=inf", "staff_seeding.posts_per_day", "finite"),
        ("staff_seeding.readers_per_post=0.5", "staff_seeding.readers_per_post", "must be an integer"),
        ("staff_seeding.detection=1.5", "staff_seeding.detection", ">= 0 and <= 1"),
        ("staff_seeding.backlash=-0.1", "staff_seeding.backlash", ">= 0 and <= 1"),
        ("staff_seeding.persuasion=nan", "staff_seeding.persuasion", "finite"),
        ("staff_seeding.cost_per_post=-1", "staff_seeding.cost_per_post", ">= 0"),
        ('staff_seeding.accounts="100"', "staff_seeding.accounts", "must be an integer"),
        ("segments.enthusiast_share=1.5", "segments.enthusiast_share", ">= 0 and <= 1"),
        ("segments.mass_proof_share=0", "segments.mass_proof_share", "> 0 and <= 1"),
        ("segments.mass_doubt=-1", "segments.mass_doubt", ">= 0 and <= 2"),
        ("segments.enthusiast_expectation=3", "segments.enthusiast_expectation", ">= -2 and <= 2"),
        ("segments.enthusiast_talk=inf", "segments.enthusiast_talk", "finite"),
        ("segments.seed_enthusiasts=1", "segments.seed_enthusiasts", "must be true or false"),
        ('segments.mass_talk="1"', "segments.mass_talk", "must be a number"),
        ("fan_building.super_user_risk=1.5", "fan_building.super_user_risk", ">= 0 and <= 1"),
        ("fan_building.super_user_risk=nan", "fan_building.super_user_risk", "finite"),
        ("referral.reward_per_sale=-2", "referral.reward_per_sale", ">= 0"),
        ("referral.reward_growth=1.5", "referral.reward_growth", ">= 0 and <= 1"),
        ("events.festivals=[{day = 5, fan_gift_growth = 2}]", "events.festivals.0.fan_gift_growth", ">= 0 and <= 1"),
        ("events.festivals=[{day = 5, cost_per_fan_gift = -1}]", "events.festivals.0.cost_per_fan_gift", ">= 0"),
        ("events.festivals=[{fan_gift_growth = 0.2}]", "events.festivals.0.day", "required"),
    ],
)
def test_numbers_are_finite_and_bounded(override, key, allowed):
    msg = refused(override)
    assert f"  {key}: " in msg and allowed in msg


def test_never_days_may_be_inf():
    sc = scenario_from_dict({}, ["advertising.stop_day=inf", "channels.weibo.stop_day=inf"])
    assert sc.advertising.stop_day == NEVER and sc.channels.weibo.stop_day == NEVER


def _sections() -> list[type[BaseModel]]:
    """Every section class reachable from Scenario."""
    seen, todo = [], [schema.Scenario]
    while todo:
        model = todo.pop()
        if model in seen:
            continue
        seen.append(model)
        for field in model.model_fields.values():
            for t in (field.annotation, *typing.get_args(field.annotation)):
                if isinstance(t, type) and issubclass(t, BaseModel):
                    todo.append(t)
    return seen


def test_every_number_has_an_upper_bound_and_every_section_is_strict():
    unbounded = []
    for model in _sections():
        assert issubclass(model, Section), model
        assert model.model_config.get("strict") and model.model_config.get("allow_inf_nan") is False
        for name, field in model.model_fields.items():
            if field.annotation in (int, float):
                if not any(
                    getattr(m, "le", None) is not None
                    or getattr(m, "lt", None) is not None
                    or getattr(m, "func", None) is money_cap
                    for m in field.metadata
                ):
                    unbounded.append(f"{model.__name__}.{name}")
    assert unbounded == []


@pytest.mark.parametrize(
    ("overrides", "allowed"),
    [
        (["run.days=5", "run.dt=10"], "run.dt (10) must be <= run.days (5)"),
        (["run.days=0.001"], "run.dt (1) must be <= run.days (0.001)"),
        (["run.days=10", "run.dt=3"], "whole multiple of run.dt"),
        (["run.dt=1e-9"], f"at most {MAX_STEPS} steps"),
        (["run.days=36500", "run.dt=0.1"], f"at most {MAX_STEPS} steps"),
    ],
)
def test_horizon_is_covered_exactly_and_steps_are_capped(overrides, allowed):
    assert allowed in refused(*overrides)


@pytest.mark.parametrize(("days", "dt", "steps"), [(365, 1, 365), (30, 0.05, 600), (10, 2.5, 4), (100000, 1, None)])
def test_whole_steps_end_exactly_at_the_horizon(days, dt, steps):
    if steps is None:  # days over MAX_DAYS
        refused(f"run.days={days}")
        return
    sc = scenario_from_dict({}, [f"run.days={days}", f"run.dt={dt}"])
    assert sc.run.n_steps == steps and sc.run.n_steps * sc.run.dt == pytest.approx(days)


@pytest.mark.parametrize("name", [".", "..", "../x", "/tmp/x", "a/b", ".hidden", "", "x" * 101, "a b", "a\\b"])
def test_scenario_name_cannot_be_a_path(name):
    msg = refused(f"name={name!r}".replace("'", '"') if "\\" not in name else 'name="a\\\\b"')
    assert "  name: must be a plain file name" in msg


def test_numpy_numbers_from_a_design_are_the_numbers_they_hold():
    np = pytest.importorskip("numpy")
    sc = scenario_from_dict({"population": {"size": np.int64(700)}, "engine": {"quality": np.float64(0.8)}})
    assert sc.population.size == 700 and type(sc.population.size) is int and sc.engine.quality == 0.8


def test_every_shipped_scenario_and_claim_arm_still_loads():
    files = sorted(shipped_folder("scenarios").rglob("*.toml"))
    assert len(files) >= 20
    for path in files:
        load_scenario(path)


def test_experiment_sets_are_valid_scenarios():
    """The `set` and `ci_set` of every shipped experiment give valid scenarios with the default file."""
    from sim.config.toml import read_toml

    for path in sorted((ROOT / "experiments").rglob("*.toml")):
        spec = read_toml(path)
        for key in ("set", "ci_set"):
            load_scenario(ROOT / "scenarios" / "default.toml", spec.get(key, []))


def test_whole_real_numbers_are_accepted_for_integer_keys():
    sc = scenario_from_dict({}, ["population.size=1e6", "seed_users.count=20.0"])
    assert sc.population.size == 1_000_000 and type(sc.population.size) is int and sc.seed_users.count == 20


def test_every_shipped_experiment_plans_under_strict_validation():
    """Every arm and condition of the claims and every point of the sweeps is a valid scenario."""
    from sim.research.claims.spec import arm_scenarios, load_spec
    from sim.research.sweep.method import plan_sweep

    for path in sorted((ROOT / "experiments" / "claims").glob("*.toml")):
        for ci in (True, False):
            arm_scenarios(load_spec(path), path, ci)
    for path in sorted((ROOT / "experiments" / "sweeps").glob("*.toml")):
        plan_sweep(path)


def nested(dotted: str, value) -> dict:
    """A scenario dict setting one dotted key to `value`."""
    *parents, leaf = dotted.split(".")
    data: dict = {leaf: value}
    for part in reversed(parents):
        data = {part: data}
    return data


def only_error_line(dotted: str, value) -> str:
    """The one line of the ScenarioError that setting `dotted` to `value` raises (it must name the key)."""
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict(nested(dotted, value), source="s.toml")
    lines = str(err.value).splitlines()[1:]
    assert len(lines) == 1 and lines[0].startswith(f"  {dotted}: "), lines
    return lines[0]


any_value = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.booleans(),
    st.text(max_size=8),
    st.none(),
    st.lists(st.integers(), max_size=2),
)
PROPERTY = settings(max_examples=80, deadline=None, derandomize=True, database=None)


@PROPERTY
@given(layer=st.sampled_from(["network", "channels.forum", "channels.weibo", "channels.wechat"]), value=any_value)
def test_a_layer_start_at_adoption_is_a_share_or_one_line_naming_the_key(layer, value):
    key = f"{layer}.start_at_adoption"
    is_share = isinstance(value, int | float) and not isinstance(value, bool) and 0 <= value <= 1
    if is_share:
        section = scenario_from_dict(nested(key, value))
        for part in key.split("."):
            section = getattr(section, part)
        assert section == value
    else:
        line = only_error_line(key, value)
        assert "must be" in line


SUPER_USER_CHOICES = ("random", "hubs", "most_active")


@PROPERTY
@given(value=st.one_of(any_value, st.sampled_from([*SUPER_USER_CHOICES, "Hubs", "most active", "community"])))
def test_super_user_choice_is_one_of_three_rules_or_one_line_naming_them(value):
    key = "fan_building.super_user_choice"
    if value in SUPER_USER_CHOICES and isinstance(value, str):
        assert scenario_from_dict(nested(key, value)).fan_building.super_user_choice == value
    else:
        assert "'random', 'hubs' or 'most_active'" in only_error_line(key, value)


@pytest.mark.parametrize(
    ("override", "key", "allowed"),
    [
        ('fan_building.staging="staged"', "fan_building.staging", "'together' or 'ordered'"),
        ('fan_building.order=["sharing", "honour"]', "fan_building.order", "each of sharing, honour, benefit exactly"),
        ('fan_building.order=["sharing", "sharing", "benefit"]', "fan_building.order", "exactly once"),
        (
            'fan_building.order=["sharing", "fun", "benefit"]',
            "fan_building.order.1",
            "'sharing', 'honour' or 'benefit'",
        ),
        ("fan_building.stage_levels=[100]", "fan_building.stage_levels", "2 counts of participations"),
        ("fan_building.stage_levels=[-1, 5]", "fan_building.stage_levels", "2 counts of participations"),
        ("fan_building.stage_levels=[0.5, 5]", "fan_building.stage_levels.0", "must be an integer"),
        ("community.trust=1.5", "community.trust", "must be >= 0 and <= 1"),
        ("community.befriend=1", "community.befriend", "must be true or false"),
        ("community.split_size=1", "community.split_size", "must be >= 2"),
        ("community.split_size=0.5", "community.split_size", "must be an integer"),
    ],
)
def test_staging_and_community_keys_are_one_line_naming_the_key(override, key, allowed):
    msg = refused(override)
    assert f"  {key}: " in msg and allowed in msg, msg

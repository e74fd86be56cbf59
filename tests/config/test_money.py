"""Money: every cost, spend and budget field is declared with the one money type (`Money`, `MoneyCap`), so
each is capped at MAX_MONEY; the budget's caps also take inf (no cap)."""

from __future__ import annotations

import math

import pytest
from pydantic import BaseModel

from sim.config.errors import ScenarioError
from sim.config.limits import MAX_MONEY
from sim.config.scenario import scenario_from_dict
from sim.config.schema import Scenario
from sim.config.section import MONEY, money_cap


def _fields(model: type[BaseModel], prefix: str = ""):
    """(dotted key, field) of every scalar field under `model`, nested sections included."""
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        if isinstance(field.annotation, type) and issubclass(field.annotation, BaseModel):
            yield from _fields(field.annotation, f"{key}.")
        else:
            yield key, field


def _is_money(field) -> bool:
    return any(m is MONEY for m in field.metadata)


MONEY_KEYS = [key for key, field in _fields(Scenario) if _is_money(field)]
CAP_KEYS = [
    key for key, field in _fields(Scenario) if any(getattr(m, "func", None) is money_cap for m in field.metadata)
]


def _nested(key: str, value: float) -> dict:
    data: dict = {}
    node = data
    *parents, leaf = key.split(".")
    for part in parents:
        node = node.setdefault(part, {})
    node[leaf] = value
    return data


def test_the_schema_has_the_documented_money_fields():
    """The costs of docs/model.md, 'Costs and the budget', plus the budget's two caps (by the money type)."""
    assert set(CAP_KEYS) == {"budget.total", "budget.per_month"}
    assert {
        "advertising.spend_per_day",
        "advertising.cost_per_contact",
        "advertising.spend_scale",
        "fan_building.benefit.cost",
        "fan_building.super_user_gift",
        "meetups.cost",
        "referral.cost_per_code",
        "forum_service.cost_per_reply",
        "complaints.cost_per_answer",
        "complaints.cost_per_gift",
        "money.price",
        "money.margin",
    } <= set(MONEY_KEYS)


def test_every_field_in_currency_is_declared_as_money():
    """No money field escapes the cap by being declared as a plain float."""
    plain = [k for k, f in _fields(Scenario) if "currency" in (f.description or "") and not _is_money(f)]
    assert plain == []


#: Keys a money field needs set beside it to be valid at the cap (a margin is at most the price).
COMPANIONS = {"money.margin": ("money.price", MAX_MONEY)}


def _with_companion(key: str, value: float) -> dict:
    data = _nested(key, value)
    if key in COMPANIONS:
        other, other_value = COMPANIONS[key]
        section, leaf = other.split(".")
        data[section][leaf] = other_value
    return data


@pytest.mark.parametrize("key", MONEY_KEYS)
def test_every_money_field_is_capped_at_max_money(key):
    assert scenario_from_dict(_with_companion(key, MAX_MONEY)) is not None
    for value in (MAX_MONEY * 1.5, 1e300):
        with pytest.raises(ScenarioError, match=rf"\n  {key}: must be .*1e\+12"):
            scenario_from_dict(_with_companion(key, value))


@pytest.mark.parametrize("key", CAP_KEYS)
def test_a_budget_cap_is_positive_and_capped_or_inf(key):
    assert math.isinf(scenario_from_dict(_nested(key, math.inf)).model_dump()["budget"][key.split(".")[1]])
    for value in (0, -1.0, math.nan, -math.inf):
        with pytest.raises(ScenarioError, match=rf"\n  {key}: must be > 0 and <= 1e\+12, or inf for no cap"):
            scenario_from_dict(_nested(key, value))


# --- the [money] section (issue 28): a price, a unit margin and a yearly discount rate, per brand ---------


def test_the_money_section_is_off_by_default_and_on_with_a_margin():
    assert not Scenario().money.on
    sc = scenario_from_dict({"money": {"price": 100.0, "margin": 30.0, "discount_rate": 0.1}})
    assert sc.money.on and sc.money.discount(365.0) == pytest.approx(1 / 1.1)
    assert sc.money.discount(0.0) == 1.0


@pytest.mark.parametrize("rate", [1.0, 1.5, -0.1, math.nan, math.inf])
def test_a_discount_rate_outside_zero_one_is_refused_naming_the_key(rate):
    with pytest.raises(ScenarioError, match=r"\n  money.discount_rate: "):
        scenario_from_dict({"money": {"discount_rate": rate}})


def test_a_margin_above_the_price_is_refused():
    with pytest.raises(ScenarioError, match=r"margin \(30\) cannot exceed price \(20\)"):
        scenario_from_dict({"money": {"price": 20.0, "margin": 30.0}})


def test_each_brand_inherits_the_money_section_and_may_override_it():
    market = {"network": {"kind": "well_mixed"}, "relationship": {"participation_rate": 0.0}, "run": {"days": 100}}
    data = market | {
        "money": {"price": 10.0, "margin": 4.0, "discount_rate": 0.05},
        "brands": {"a": {}, "b": {"money": {"margin": 2.0}}},
    }
    sc = scenario_from_dict(data)
    assert (sc.brands["a"].money.margin, sc.brands["a"].money.discount_rate) == (4.0, 0.05)
    assert (sc.brands["b"].money.margin, sc.brands["b"].money.price) == (2.0, 10.0)

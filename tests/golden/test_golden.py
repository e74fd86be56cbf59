"""Regression net: shipped scenarios give byte-identical outputs to the recorded golden files.

Recorded before the layout change of issue 10 (`make_golden.py`). A change that is meant to alter
behaviour re-records them and says which cases changed and why in its commit. The scenario section of
summary.json is compared after mapping renamed keys (`RENAMED`) and dropping keys added since at their
recorded-behaviour value (`ADDED`), so a documented rename or a new switch left off is not a change of
behaviour.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from sim.config.generations import GenerationsConfig
from tests.golden.cases import CASES, ENGINES
from tests.golden.make_golden import DATA, comparable_summary, run_case

#: Scenario keys renamed since the golden files were recorded: old dotted path -> new dotted path.
RENAMED: dict[str, str] = {"run.engine": "run.backend"}
#: Keys removed since recording, with the value a case must have recorded for its outputs to stand
#: (advertising.p = 0: no ads; cases with ads were re-recorded when reach came to follow spend).
REMOVED: dict[str, object] = {"advertising.p": 0.0}
#: Keys added since recording whose default keeps outputs unchanged, with that default (a case must
#: not set them): money (issue 15), adoption rules and the claims' falsification keys (issue 14),
#: relationships at the decision and product generations (issue 17).
ADDED: dict[str, object] = {
    "advertising.p_max": 0.022,
    "advertising.spend_scale": 50_000.0,
    "advertising.cost_per_contact": 0.0,
    "fan_building.super_user_gift": 0.0,
    "forum_service.cost_per_reply": 0.0,
    "referral.cost_per_code": 0.0,
    "budget": {"total": "Infinity", "per_month": "Infinity"},
    "wom.rule": "independent",
    "wom.rule_layer": "offline",
    "wom.threshold": 0.18,
    "wom.threshold_sd": 0.0,
    "wom.dose_threshold": 2,
    "wom.memory_days": 30.0,
    "wom.distinct_sources": False,
    "relationship.tie_assurance": 0.0,
    "relationship.answer_back": 0.0,
    "generations": GenerationsConfig().model_dump(mode="json"),
    "relationship.use_brand_growth": 0.0,
    "hit_product.budget_exponent": 0.5,
    "community.peer_reach": "population",
}


def _pop(scenario: dict, dotted: str):
    """Remove a dotted key from a nested dict and return its value (KeyError if absent)."""
    *parents, leaf = dotted.split(".")
    for part in parents:
        scenario = scenario[part]
    return scenario.pop(leaf)


def without_added(scenario: dict, recorded: dict) -> dict:
    """The scenario section of a new run without the keys added since recording, each checked to hold its
    default (keys the recording already has are kept)."""
    scenario = json.loads(json.dumps(scenario))
    for key, default in ADDED.items():
        try:
            _pop(recorded, key)
        except KeyError:
            assert _pop(scenario, key) == default, f"{key} differs from its default"
    return scenario


def renamed(scenario: dict) -> dict:
    """The recorded scenario section with renamed keys moved to their new paths."""
    scenario = json.loads(json.dumps(scenario))
    for key, value in REMOVED.items():
        try:
            assert _pop(scenario, key) == value, f"recorded {key} must be {value!r}"
        except KeyError:
            pass
    for old, new in RENAMED.items():
        *old_parents, old_leaf = old.split(".")
        src = scenario
        for part in old_parents:
            src = src[part]
        if old_leaf not in src:  # recorded after the rename (re-recorded cases)
            continue
        value = src.pop(old_leaf)
        *new_parents, new_leaf = new.split(".")
        dst = scenario
        for part in new_parents:
            dst = dst.setdefault(part, {})
        dst[new_leaf] = value
    return scenario


@pytest.mark.slow
@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_outputs_are_byte_identical(case, engine):
    name, scenario, overrides = case
    golden = DATA / f"{name}-{engine}"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        run_case(name, scenario, overrides, engine, out)
        assert (out / "timeseries.csv").read_bytes() == (golden / "timeseries.csv").read_bytes()
        got = comparable_summary(out / "summary.json")
    want = json.loads((golden / "summary.json").read_text())
    assert got["metrics"] == want["metrics"]
    assert (got["seed"], got["replicates"]) == (want["seed"], want["replicates"])
    assert without_added(got["scenario"], json.loads(json.dumps(want["scenario"]))) == renamed(want["scenario"])

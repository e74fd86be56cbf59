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
#: Scenario keys added since the golden files were recorded, with the default value the recorded runs
#: had implicitly: a summary that shows one at this value is not a change of behaviour.
ADDED: dict[str, object] = {
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
}


def renamed(scenario: dict) -> dict:
    """The recorded scenario section with renamed keys moved to their new paths."""
    scenario = json.loads(json.dumps(scenario))
    for old, new in RENAMED.items():
        *old_parents, old_leaf = old.split(".")
        src = scenario
        for part in old_parents:
            src = src[part]
        value = src.pop(old_leaf)
        *new_parents, new_leaf = new.split(".")
        dst = scenario
        for part in new_parents:
            dst = dst.setdefault(part, {})
        dst[new_leaf] = value
    return scenario


def without_added(scenario: dict) -> dict:
    """The run's scenario section without the keys added since recording, each checked to be at its default."""
    scenario = json.loads(json.dumps(scenario))
    for key, default in ADDED.items():
        *parents, leaf = key.split(".")
        section = scenario
        for part in parents:
            section = section[part]
        assert section.pop(leaf) == default, f"{key} is not at its default"
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
    assert without_added(got["scenario"]) == renamed(want["scenario"])

"""Regression net: shipped scenarios give byte-identical outputs to the recorded golden files.

Recorded before the layout change of issue 10 (`make_golden.py`). A change that is meant to alter
behaviour re-records them and says which cases changed and why in its commit. The scenario section of
summary.json is compared after mapping renamed keys (`RENAMED`), dropping removed keys at the value their
outputs need (`REMOVED`) and dropping keys added since recording, each of which must hold its schema
default (`SCHEMA_DEFAULTS`, the pydantic models' defaults), so a documented rename or a new switch left at
its default is not a change of behaviour.
"""

from __future__ import annotations

import copy
import json
import tempfile
from pathlib import Path

import pytest

from sim.config.scenario import load_scenario
from sim.config.schema import Scenario
from tests.golden.cases import BACKENDS, CASES
from tests.golden.make_golden import DATA, comparable_summary, run_case

#: Scenario keys renamed since the golden files were recorded: old dotted path -> new dotted path.
RENAMED: dict[str, str] = {"run.engine": "run.backend"}
#: Keys removed since recording, with the value a case must have recorded for its outputs to stand
#: (advertising.p = 0: no ads; cases with ads were re-recorded when reach came to follow spend).
REMOVED: dict[str, object] = {"advertising.p": 0.0}
#: The scenario section of a run with every key at its default, as summary.json writes it: a key added
#: since a recording must hold this value in the new run (a new switch left off).
SCHEMA_DEFAULTS: dict = json.loads(Scenario().model_dump_json())


def _pop(scenario: dict, dotted: str):
    """Remove a dotted key from a nested dict and return its value (KeyError if absent)."""
    *parents, leaf = dotted.split(".")
    for part in parents:
        scenario = scenario[part]
    return scenario.pop(leaf)


def without_added(scenario: dict, recorded: dict, defaults: dict = SCHEMA_DEFAULTS, path: str = "") -> dict:
    """The scenario section of a new run without the keys its (renamed) recording lacks, each checked to
    hold its schema default: a key added since recording, or a whole section, left at its default."""
    kept = {}
    for key, value in scenario.items():
        dotted = f"{path}{key}"
        if key not in recorded:
            assert key in defaults, f"{dotted} is neither recorded nor in the schema"
            assert value == defaults[key], f"{dotted} = {value!r} differs from its schema default {defaults[key]!r}"
        elif isinstance(value, dict) and isinstance(recorded[key], dict):
            kept[key] = without_added(value, recorded[key], defaults.get(key, {}), f"{dotted}.")
        else:
            kept[key] = value
    return kept


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
@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("case", CASES, ids=[c[0] for c in CASES])
def test_outputs_are_byte_identical(case, backend):
    name, scenario, overrides = case
    golden = DATA / f"{name}-{backend}"
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "run"
        run_case(name, scenario, overrides, backend, out)
        assert (out / "timeseries.csv").read_bytes() == (golden / "timeseries.csv").read_bytes()
        got = comparable_summary(out / "summary.json")
    want = json.loads((golden / "summary.json").read_text())
    assert got["metrics"] == want["metrics"]
    assert (got["seed"], got["replicates"]) == (want["seed"], want["replicates"])
    assert same_scenario(got["scenario"], want["scenario"])


def same_scenario(new: dict, recorded: dict) -> bool:
    """Whether a new run's scenario section stands for the recorded one (renames, removals and keys added
    at their schema defaults aside); an added key away from its default fails an assertion naming it."""
    want = renamed(recorded)
    return without_added(new, want) == want


# --- the comparison itself, on the scenario section `wom run` writes (no simulation) -----------------


def written_scenario(*overrides: str) -> dict:
    """The scenario section summary.json holds for the default scenario with `overrides`."""
    return json.loads(load_scenario("default", list(overrides)).model_dump_json())


def drop(scenario: dict, *dotted: str) -> dict:
    """A copy of `scenario` without the dotted keys (a recording made before they existed)."""
    scenario = copy.deepcopy(scenario)
    for key in dotted:
        _pop(scenario, key)
    return scenario


def test_keys_missing_from_a_recording_compare_when_the_run_holds_their_schema_defaults():
    new = written_scenario("population.size=800")
    assert same_scenario(new, new)
    assert same_scenario(new, drop(new, "wom.rule", "wom.memory_days", "budget", "generations"))


def test_a_key_missing_from_a_recording_away_from_its_default_does_not_compare():
    new = written_scenario("population.size=800", 'wom.rule="threshold"')
    with pytest.raises(AssertionError, match="wom.rule"):
        same_scenario(new, drop(new, "wom.rule"))
    new = written_scenario("budget.total=1000")
    with pytest.raises(AssertionError, match="budget"):
        same_scenario(new, drop(new, "budget"))


def test_a_recorded_key_that_changed_does_not_compare():
    new = written_scenario("population.size=800")
    assert not same_scenario(new, written_scenario("population.size=900"))


def test_renamed_and_removed_keys_of_a_recording_still_compare():
    new = written_scenario('run.backend="agents"')
    old = drop(new, "run.backend")
    old["run"]["engine"] = "agents"
    old["advertising"]["p"] = 0.0
    assert same_scenario(new, old)
    old["advertising"]["p"] = 0.01
    with pytest.raises(AssertionError, match="advertising.p"):
        same_scenario(new, old)

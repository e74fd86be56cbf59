"""Regression net: shipped scenarios give byte-identical outputs to the recorded golden files.

Recorded before the layout change of issue 10 (`make_golden.py`). A change that is meant to alter
behaviour re-records them and says which cases changed and why in its commit. The scenario section of
summary.json is compared after mapping renamed keys (`RENAMED`) and adding keys added since with their
behaviour-preserving defaults (`ADDED`), so a documented rename or a new switched-off option is not a
change of behaviour.
"""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from tests.golden.cases import CASES, ENGINES
from tests.golden.make_golden import DATA, comparable_summary, run_case

#: Scenario keys renamed since the golden files were recorded: old dotted path -> new dotted path.
RENAMED: dict[str, str] = {"run.engine": "run.backend"}
#: Scenario keys added since the golden files were recorded, with the default that keeps the recorded
#: behaviour: dotted path -> value (the recorded scenario section gains them before comparison).
ADDED: dict[str, object] = {"relationship.use_brand_growth": 0.0}


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
    for key, value in ADDED.items():
        *parents, leaf = key.split(".")
        dst = scenario
        for part in parents:
            dst = dst.setdefault(part, {})
        dst.setdefault(leaf, value)
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
    assert got["scenario"] == renamed(want["scenario"])

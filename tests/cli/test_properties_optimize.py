"""Property-based tests (Hypothesis) of `wom optimize`: random spec structures and random `--set` and
`--trials` options, in the style of test_properties_research.py.

Whatever the input: exit status 0 or 2, no traceback, and a refusal is one line. Specs start valid
(a tiny scenario, 200 people and 4 days, 2 candidates of 1 replicate) and get up to two keys replaced
by random values or deleted, so examples reach every stage (parsing, validation, the base scenario,
the search, re-evaluation, writing). Budget: max_examples of SETTINGS, derandomized.
"""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.cli.main import app
from tests.cli.test_properties_research import SETTINGS, TINY_SET, check, mutated, runner, values, write

#: Property-based: each test runs its whole example budget (seconds to a minute): long-running.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SPEC_KEYS = ["name", "scenario", "seed", "set", "budget", "decisions", "objective", "search", "x"]


def valid_optimize() -> dict:
    """A small valid optimize spec: two candidates of one replicate of a tiny default scenario."""
    return {
        "name": "prop",
        "scenario": str(ROOT / "scenarios" / "default.toml"),
        "seed": 1,
        "set": [*TINY_SET],
        "budget": {"total": 100000.0},
        "decisions": {"advertising.spend_per_day": {"low": 0.0, "high": 1000.0}, "meetups.enabled": [True, False]},
        "objective": {"day": 4.0, "maximize": {"adopted_by_day": 1.0}},
        "search": {"trials": 2, "batch": 2, "replicates": 1, "top": 1, "check_replicates": 2},
    }


def _run(folder: Path, data: dict, extra: list[str]) -> None:
    if not write(folder / "spec.toml", data):
        return
    args = ["optimize", str(folder / "spec.toml"), "--out", str(folder / "out"), "--workers", "1", "--quiet"]
    res = runner.invoke(app, [*args, *extra])
    check(res)
    if res.exit_code == 2:
        assert len(res.output.strip().splitlines()) == 1, res.output


@SETTINGS
@given(data=mutated(valid_optimize, SPEC_KEYS))
def test_optimize_random_specs(tmp_path_factory, data):
    _run(tmp_path_factory.mktemp("optimize"), data, [])


@SETTINGS
@given(
    key=st.sampled_from(["objective", "search", "decisions", "budget"]),
    sub=st.sampled_from(["day", "maximize", "trials", "top", "low", "high", "total", "run.seed", "meetups.enabled"]),
    value=values,
)
def test_optimize_random_nested_values(tmp_path_factory, key, sub, value):
    data = valid_optimize()
    data[key] = {**data[key], sub: value}
    _run(tmp_path_factory.mktemp("nested"), data, [])


@SETTINGS
@given(
    sets=st.lists(
        st.sampled_from(
            ["run.days=2", "run.seed=3", "budget.total=1", "wom.q=nan", "x", "engine.quality=2", "run.dt=4"]
        ),
        max_size=2,
    ),
    trials=st.one_of(st.none(), st.integers(min_value=-2, max_value=3)),
)
def test_optimize_random_options(tmp_path_factory, sets, trials):
    extra = [item for s in sets for item in ("--set", s)]
    extra += [] if trials is None else ["--trials", str(trials)]
    _run(tmp_path_factory.mktemp("options"), valid_optimize(), extra)

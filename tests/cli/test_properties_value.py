"""Property-based tests (Hypothesis) of `wom value` and of `wom report` on damaged value outputs (issue 28).

Whatever the options (random --set / --baseline-set items over the money keys and others, random values,
a random --brand, random replicates): exit status 0 or 2, no traceback, nothing written when the command
fails. A value.json damaged in any way is one error line of `wom report` (exit 2), never a traceback.
Scenarios are tiny (200 people, 4 days) so that valid examples stay cheap. Budget: max_examples below,
derandomized (CI runs the same examples every time).
"""

from __future__ import annotations

import json
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli.main import app

#: Property-based: each test runs its whole example budget (seconds to a minute): long-running.
pytestmark = pytest.mark.slow

runner = CliRunner()
SETTINGS = settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ROOT = Path(__file__).resolve().parents[2]
SCENARIO = ROOT / "scenarios" / "playbook" / "seeds_hubs.toml"
TINY = ["population.size=200", "run.days=4", "seed_users.count=4", "money.price=10", "money.margin=3"]
KEYS = [
    "money.price",
    "money.margin",
    "money.discount_rate",
    "seed_users.choice",
    "seed_users.count",
    "population.size",
    "brands.a.money.margin",
    "nope.key",
    "name",
]
numbers = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.sampled_from([0, 0.5, 1, 0.999999, 1e12, 1e13, -1]),
)
texts = st.one_of(st.text(alphabet=string.printable, max_size=8), st.sampled_from(['"random"', '"hubs"', '"x"']))
items = st.tuples(st.sampled_from(KEYS), st.one_of(numbers, texts)).map(lambda kv: f"{kv[0]}={kv[1]}")


def files(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def check(res) -> None:
    assert "Traceback" not in res.output, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert res.exit_code in (0, 2), (res.exit_code, res.output)


@SETTINGS
@given(
    baseline=st.lists(items, min_size=1, max_size=2),
    both=st.lists(items, max_size=2),
    brand=st.one_of(st.none(), st.sampled_from(["a", "", "../x", "b" * 40])),
    replicates=st.one_of(st.none(), st.integers(min_value=-2, max_value=3)),
)
def test_value_random_options(tmp_path_factory, baseline, both, brand, replicates):
    folder = tmp_path_factory.mktemp("value")
    args = ["value", str(SCENARIO), "--out", str(folder / "v"), "--quiet", "--workers", "1"]
    args += [f"--set={s}" for s in (*TINY, *both)] + [f"--baseline-set={s}" for s in baseline]
    args += ["--brand", brand] if brand is not None else []
    args += ["--replicates", str(replicates)] if replicates is not None else ["--replicates", "1"]
    res = runner.invoke(app, args)
    check(res)
    if res.exit_code != 0:
        assert files(folder) == set()
    else:
        assert json.loads((folder / "v" / "value.json").read_text())["value"]["total"]["mean"] is not None


VALID = {
    "scenario": "s",
    "baseline": "b",
    "brand": None,
    "replicates": 1,
    "value": {p: {"mean": 1.0, "ci90": [1.0, 1.0]} for p in ("acceleration", "expansion", "loss", "spend", "total")},
    "people": {p: {"mean": 1.0, "ci90": [1.0, 1.0]} for p in ("acceleration", "expansion", "loss", "total")},
}
jsons = st.recursive(
    st.one_of(st.none(), st.booleans(), numbers, st.text(max_size=5)),
    lambda inner: st.one_of(st.lists(inner, max_size=3), st.dictionaries(st.text(max_size=5), inner, max_size=3)),
    max_leaves=8,
)


@SETTINGS
@given(
    damage=st.one_of(
        st.sampled_from(["", "not json", "\x00\x01", "[]", "{}", "null"]),
        st.tuples(st.sampled_from(["value", "people", "scenario", "replicates"]), jsons).map(
            lambda kv: json.dumps(VALID | {kv[0]: kv[1]})
        ),
    )
)
def test_report_on_damaged_value_outputs(tmp_path_factory, damage):
    folder = tmp_path_factory.mktemp("report")
    (folder / "v").mkdir()
    (folder / "v" / "value.json").write_text(damage, encoding="utf-8")
    before = files(folder)
    res = runner.invoke(app, ["report", str(folder / "v"), "--out", str(folder / "r.html")])
    check(res)
    if res.exit_code != 0:
        assert files(folder) == before and len(res.output.strip().splitlines()) == 1

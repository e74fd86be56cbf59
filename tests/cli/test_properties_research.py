"""Property-based tests (Hypothesis) of the research and presentation commands: random spec structures
to `wom sweep` and `wom experiment`, random target CSVs to `wom calibrate`, random folders to
`wom analyze` and `wom report`.

Whatever the input: exit status 0 or 2 (1 only for environment faults, which these inputs do not
cause), no traceback, and nothing written when a command fails. Specs start valid and get up to two
keys replaced by random values or deleted, so examples reach every stage (parsing, validation,
planning, running, writing); scenarios are tiny (200 people, 4 days) so that valid ones stay cheap.
Budget: max_examples below, derandomized (CI runs the same examples every time).
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli.main import app
from sim.config.toml import dumps_toml

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
TINY_SET = ["population.size=200", "run.days=4", "seed_users.count=4"]

scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet=string.printable, max_size=10),
    st.sampled_from(["grid", "lhs", "sobol", "wilcoxon", "greater", "less", "final_adoption", "..", "/", "default"]),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=5)
PARAM_KEYS = ["engine.quality", "wom.q", "population.size", "run.days", "nope.key", "channels.weibo.enabled"]


def spec_tables(keys: list[str]) -> st.SearchStrategy[dict]:
    """Random top-level tables over real and unknown keys, with random nested tables for two of them."""
    nested = st.dictionaries(st.sampled_from(PARAM_KEYS), values, max_size=3)
    return st.fixed_dictionaries(
        {},
        optional={
            **{k: values for k in keys},
            "parameters": st.one_of(nested, values),
            "conditions": st.one_of(nested, values),
            "set": st.lists(st.sampled_from([*(f"{k}=1" for k in PARAM_KEYS), *TINY_SET, "x"]), max_size=3),
        },
    )


def write(path: Path, data: dict) -> bool:
    """Write `data` as TOML; False when TOML cannot hold it (then the example is skipped)."""
    try:
        text = dumps_toml(data)
    except TypeError:
        return False
    path.write_text(text, encoding="utf-8")
    return True


def check(res) -> None:
    assert "Traceback" not in res.output, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert res.exit_code in (0, 2), (res.exit_code, res.output)


def files(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def valid_sweep() -> dict:
    """A small valid sweep spec (2 points x 1 replicate of a tiny default scenario)."""
    return {
        "name": "prop",
        "scenario": str(ROOT / "scenarios" / "default.toml"),
        "seed": 1,
        "replicates": 1,
        "set": [*TINY_SET],
        "design": {"kind": "grid"},
        "parameters": {"engine.quality": [0.5, 0.6]},
    }


def valid_claim() -> dict:
    """A small valid claim (two arms of a tiny default scenario, 3 replicates)."""
    default = str(ROOT / "scenarios" / "default.toml")
    return {
        "name": "prop",
        "claim": "better products spread further",
        "seed": 1,
        "replicates": 3,
        "set": [*TINY_SET],
        "arms": [
            {"label": "a", "scenario": default},
            {"label": "b", "scenario": default, "set": ["engine.quality=0.9"]},
        ],
        "expect": [{"metric": "final_adoption", "arms": ["b", "a"], "direction": "greater"}],
    }


#: A valid spec with at most two keys replaced by random values (or deleted), so that examples reach
#: every stage of a command: parsing, validation, planning, running and writing.
def mutated(valid: dict, keys: list[str]) -> st.SearchStrategy[dict]:
    edits = st.lists(st.tuples(st.sampled_from(keys), st.one_of(st.none(), values, spec_tables([]))), max_size=2)

    def apply(changes):
        data = valid()
        for key, value in changes:
            if value is None:
                data.pop(key, None)
            else:
                data[key] = value
        return data

    return edits.map(apply)


@SETTINGS
@given(data=mutated(valid_sweep, ["name", "scenario", "seed", "replicates", "set", "design", "parameters", "x"]))
def test_sweep_random_specs(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("sweep")
    if not write(folder / "spec.toml", data):
        return
    out = folder / "out"
    before = files(folder)
    res = runner.invoke(app, ["sweep", str(folder / "spec.toml"), "--out", str(out), "--workers", "1", "--quiet"])
    check(res)
    if res.exit_code != 0:
        assert files(folder) == before


@SETTINGS
@given(data=mutated(valid_claim, ["name", "claim", "seed", "replicates", "set", "arms", "expect", "conditions"]))
def test_experiment_random_claims(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("claim")
    if not write(folder / "claim.toml", data):
        return
    out = folder / "out"
    before = files(folder)
    res = runner.invoke(app, ["experiment", str(folder / "claim.toml"), "--out", str(out), "--quiet"])
    check(res)
    if res.exit_code != 0:
        assert files(folder) == before


cells = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(min_value=-(10**20), max_value=10**20),
    st.text(string.printable, max_size=5),
)


@settings(SETTINGS, max_examples=12)
@given(
    header=st.sampled_from(["time,adopted_total", "day,users", "", "time"]),
    rows=st.lists(st.tuples(cells, cells), max_size=8),
)
def test_calibrate_random_targets(tmp_path_factory, header, rows):
    folder = tmp_path_factory.mktemp("calibrate")
    lines = ([header] if header else []) + [f"{a},{b}" for a, b in rows]
    (folder / "target.csv").write_text("\n".join(lines) + "\n", encoding="utf-8")
    out = folder / "out.toml"
    before = files(folder)
    args = ["calibrate", "bass", "--target", str(folder / "target.csv"), "--vary", "wom.q=0.1:0.5"]
    args += ["--max-evals", "2", "--replicates", "1", "--out", str(out)]
    for item in TINY_SET[:2]:
        args += ["--set", item]
    res = runner.invoke(app, args)
    check(res)
    if res.exit_code != 0:
        assert files(folder) == before


@SETTINGS
@given(
    names=st.lists(st.sampled_from(["summary.json", "timeseries.csv", "sweep.json", "runs", "x.parquet"]), max_size=4),
    content=st.sampled_from(["", "{}", "not json", "a,b\n1,2\n", '{"metrics": 1}', "\x00\x01"]),
)
def test_analyze_and_report_on_random_folders(tmp_path_factory, names, content):
    folder = tmp_path_factory.mktemp("folder")
    target = folder / "results"
    target.mkdir()
    for name in names:
        path = target / name
        if name == "runs":
            path.mkdir(exist_ok=True)
            (path / "r.parquet").write_text(content, encoding="utf-8")
        else:
            path.write_text(content, encoding="utf-8")
    before = files(folder)
    check(runner.invoke(app, ["analyze", str(target)]))
    if files(folder) != before:  # analyze writes only into RESULTS_DIR/analysis/ (or moves a corrupt run aside)
        assert all(target in p.parents for p in files(folder) - before)
    before = files(folder)
    res = runner.invoke(app, ["report", str(target), "--out", str(folder / "report.html")])
    check(res)
    if res.exit_code != 0:
        assert files(folder) == before

"""Property-based tests of the command line (Hypothesis): random scenario structures, random `--set`
values and random CSVs fed to `wom validate`, `wom run`, `wom fit-bass` and `wom scenarios`.

Whatever the input, a command ends with exit status 0 or 2 (1 only for a fault of the environment,
which these inputs do not cause), never prints a traceback, and writes nothing when it fails.
Commands run in-process through Typer's CliRunner for speed; runs use tiny populations and few days.
Budget: max_examples per test below (about a minute in all on 2 cores); the seed is Hypothesis's
derandomized default so CI runs the same examples every time.
"""

from __future__ import annotations

import json
import math
import string
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli.main import app
from sim.config.toml import dumps_toml, toml_value

#: Property-based: each test runs its whole example budget (seconds to a minute): long-running.
pytestmark = pytest.mark.slow

runner = CliRunner()
SETTINGS = settings(
    max_examples=40,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
RUN_SETTINGS = settings(
    max_examples=12,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
#: Keys of the schema (a few per section) that random structures draw from, beside random names.
KEYS = {
    "run": ["days", "dt", "seed", "replicates", "backend"],
    "population": ["size", "employees", "cities", "official_accounts"],
    "seed_users": ["count", "choice", "community"],
    "engine": ["quality", "max_conversion", "sensitivity", "expectation_sd"],
    "wom": ["transmission", "active_steps", "decay_rate", "q"],
    "network": ["kind", "mean_degree", "rewire", "blocks", "path"],
    "advertising": ["p_max", "spend_per_day", "stop_day"],
    "channels": ["forum", "weibo", "wechat"],
    "events": ["enabled", "topics", "launch_day"],
}
scalars = st.one_of(
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(alphabet=string.printable, max_size=12),
    st.sampled_from(["forever", "vector", "agents", "edgelist", "well_mixed", "community", "..", "/tmp", "hubs"]),
)
values = st.recursive(scalars, lambda inner: st.lists(inner, max_size=3), max_leaves=4)
key_names = st.one_of(
    st.sampled_from(sorted({k for ks in KEYS.values() for k in ks})),
    st.text(string.ascii_lowercase, min_size=1, max_size=6),
)
tables = st.dictionaries(key_names, values, max_size=4)
scenarios = st.fixed_dictionaries(
    {},
    optional={
        "name": st.one_of(st.text(max_size=10), st.integers()),
        **{section: tables for section in KEYS},
    },
)
set_items = st.tuples(
    st.one_of(
        st.sampled_from([f"{s}.{k}" for s, ks in KEYS.items() for k in ks] + ["name", "run", "channels.forum.enabled"]),
        st.text(alphabet=string.ascii_letters + "._", min_size=0, max_size=12),
    ),
    st.one_of(values, st.text(max_size=8).map(lambda text: "raw:" + text)),
)


def as_set(key: str, value) -> str:
    """A --set argument: the value as TOML when it has a TOML form, else as raw text."""
    try:
        text = toml_value(value)
    except TypeError:
        text = str(value)
    return f"{key}={text}" if not isinstance(value, str) or not value.startswith("raw:") else f"{key}={value[4:]}"


def write_toml(path: Path, data: dict) -> bool:
    """Write data as TOML; False when it has no TOML form (then the example is not used)."""
    try:
        path.write_text(dumps_toml(data), encoding="utf-8")
    except (TypeError, ValueError):
        return False
    return True


def check(res, allowed=(0, 2)) -> None:
    text = res.output
    assert "Traceback" not in text, text
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert res.exit_code in allowed, (res.exit_code, text)


def files_in(folder: Path) -> set[Path]:
    return {p for p in folder.rglob("*")}


@SETTINGS
@given(data=scenarios)
def test_validate_random_scenario_files(tmp_path_factory, data):
    folder = tmp_path_factory.mktemp("validate")
    path = folder / "s.toml"
    if not write_toml(path, data):
        return
    res = runner.invoke(app, ["validate", str(path)])
    check(res)
    if res.exit_code == 0:
        json.loads(res.stdout)


@SETTINGS
@given(items=st.lists(set_items, max_size=4))
def test_validate_random_set_values(items):
    args = ["validate", "default"]
    for key, value in items:
        args += ["--set", as_set(key, value)]
    check(runner.invoke(app, args))


TINY = ["--set", "population.size=200", "--set", "run.days=4", "--set", "seed_users.count=4", "--quiet"]


@RUN_SETTINGS
@given(items=st.lists(set_items, max_size=3))
def test_run_random_set_values_writes_all_or_nothing(tmp_path_factory, items):
    folder = tmp_path_factory.mktemp("run")
    out = folder / "out"
    args = ["run", "default", "--out", str(out), *TINY]
    for key, value in items:
        args += ["--set", as_set(key, value)]
    before = files_in(folder)
    res = runner.invoke(app, args)
    check(res)
    if res.exit_code == 0:
        assert (out / "summary.json").is_file() and (out / "timeseries.csv").is_file()
    else:
        assert files_in(folder) == before


finite = st.floats(allow_nan=True, allow_infinity=True, width=64)
cells = st.one_of(finite, st.integers(min_value=-(10**30), max_value=10**30), st.text(string.printable, max_size=6))
csv_rows = st.lists(st.tuples(cells, cells), min_size=0, max_size=12)


@SETTINGS
@given(
    header=st.sampled_from(["time,adopted_total", "time,new_adopters", "t,y", "", "time"]),
    rows=csv_rows,
)
def test_fit_bass_random_csv(tmp_path_factory, header, rows):
    folder = tmp_path_factory.mktemp("fit")
    path = folder / "series.csv"
    lines = [header] + [f"{a},{b}" for a, b in rows]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = files_in(folder)
    res = runner.invoke(app, ["fit-bass", str(path), "--json", "--out", str(folder / "chart.png")])
    check(res)
    if res.exit_code != 0:
        assert files_in(folder) == before
    else:
        fit = json.loads(res.stdout.splitlines()[0])
        assert all(v is None or (isinstance(v, (int, float)) and not math.isinf(v)) for v in fit.values())


@settings(max_examples=10, deadline=None, derandomize=True, database=None)
@given(name=st.text(max_size=20))
def test_run_random_scenario_names(name):
    res = runner.invoke(app, ["validate", name])
    check(res)


def test_scenarios_lists_every_shipped_file():
    res = runner.invoke(app, ["scenarios"])
    check(res, (0,))
    for name in ("default", "miui", "bass", "cascade"):
        assert f"  {name} " in res.stdout


numeric_series = st.lists(
    st.floats(min_value=-1e300, max_value=1e300, allow_nan=False, allow_infinity=False), min_size=2, max_size=12
)


@SETTINGS
@given(values=numeric_series)
def test_fit_bass_random_numeric_series(tmp_path_factory, values):
    folder = tmp_path_factory.mktemp("fitnum")
    path = folder / "series.csv"
    lines = ["time,adopted_total"] + [f"{t},{v!r}" for t, v in enumerate(values)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    before = files_in(folder)
    res = runner.invoke(app, ["fit-bass", str(path), "--json", "--out", str(folder / "chart.png")])
    check(res)
    if res.exit_code != 0:
        assert files_in(folder) == before

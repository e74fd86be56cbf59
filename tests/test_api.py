"""The Python API (`from sim import ...`) and the tutorial notebook that uses it (issue 12)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import sim
from sim.config.errors import InputError
from sim.config.limits import MAX_REPLICATES, MAX_SEED
from sim.run.executor import MAX_WORKERS

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOK = ROOT / "docs" / "tutorial.ipynb"
#: Seconds the whole notebook may take (it runs 2,000 people; about 20 s on a quiet 2-core machine).
NOTEBOOK_TIMEOUT_S = 300


def test_import_sim_is_light():
    code = "import sys, sim; print(sorted(m for m in ('numpy', 'pandas', 'mesa', 'pydantic', 'matplotlib') if m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_every_documented_name_resolves_and_unknown_names_raise():
    for name in sim.__all__:
        assert getattr(sim, name) is not None, name
        assert name in sim.__doc__, f"{name} is not documented in sim/__init__.py"
    with pytest.raises(AttributeError):
        sim.no_such_name  # noqa: B018


def test_load_step_run_read_as_dataframes():
    import pandas as pd

    sc = sim.load_scenario("default", ["population.size=400", "run.days=10", "seed_users.count=5"])
    model = sim.WomModel(sc, seed=3)
    for _ in range(3):
        model.step()
    assert len(model.records) == 3 or len(model.records) == 4  # with or without the day-0 row
    result = sim.run_scenario(sc, seed=3, replicates=2)
    assert isinstance(result.timeseries, pd.DataFrame)
    assert sorted(result.timeseries.replicate.unique()) == [0, 1]
    again = sim.run_scenario(sc, seed=3, replicates=2)
    pd.testing.assert_frame_equal(result.timeseries, again.timeseries)


def test_version_info_has_version_and_commit():
    info = sim.version_info()
    assert set(info) == {"version", "commit"} and info["version"] not in ("", None)
    if (ROOT / ".git").exists():
        assert info["commit"] and len(info["commit"].removesuffix("+dirty")) == 40


@pytest.mark.slow
def test_tutorial_notebook_runs_and_writes_nothing_outside_a_temp_dir(tmp_path):
    nbformat = pytest.importorskip("nbformat")
    nbclient = pytest.importorskip("nbclient")
    nb = nbformat.read(NOTEBOOK, as_version=4)
    client = nbclient.NotebookClient(
        nb, timeout=NOTEBOOK_TIMEOUT_S, kernel_name="python3", resources={"metadata": {"path": str(tmp_path)}}
    )
    client.execute()
    errors = [o for c in nb.cells if c.cell_type == "code" for o in c.get("outputs", []) if o.output_type == "error"]
    assert errors == []
    # the kernel runs in tmp_path; the notebook writes only into a tempfile.TemporaryDirectory it removes
    assert list(tmp_path.iterdir()) == []


# --- arguments: every public entry checks its arguments up front ---------------------------------------
# Hypothesis draws values of every Python kind for one argument at a time (the others valid). A value the
# documented signature does not allow must raise TypeError (a wrong Python type) or InputError (a bad value;
# ScenarioError for scenarios) naming the argument, before any work; an allowed value may only return or
# raise InputError. Budget: 40 examples per argument, Hypothesis's derandomized default examples.

API_SETTINGS = settings(max_examples=40, deadline=None, derandomize=True, database=None)
anything = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=8),
    st.binary(max_size=4),
    st.lists(st.one_of(st.integers(), st.text(max_size=4)), max_size=3),
    st.tuples(st.text(max_size=4)),
    st.dictionaries(st.text(max_size=3), st.integers(), max_size=2),
    st.just(object()),
    st.builds(Path, st.text(max_size=5)),
    st.builds(np.int64, st.integers(min_value=-5, max_value=5)),
    st.builds(np.float64, st.floats(-5, 5)),
)
#: A tiny scenario (50 people, 3 days): fast enough to run for every allowed value drawn.
TINY = ["population.size=50", "run.days=3", "seed_users.count=2"]


def _is_int(value, low: int, high: int) -> bool:
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool) and low <= value <= high


def _is_strings(value) -> bool:
    return isinstance(value, (list, tuple)) and all(isinstance(v, str) for v in value)


def _is_path(value) -> bool:
    return isinstance(value, (str, os.PathLike))


def _answer(call, name: str, allowed: bool):
    """Call; a refusal must be TypeError or InputError naming `name` in one line; a wrong value must be refused."""
    try:
        call()
    except TypeError as exc:
        assert not allowed, f"{name}: an allowed value was refused as a wrong type: {exc}"
        assert str(exc).startswith(f"{name}: ") and "\n" not in str(exc), exc
        return
    except InputError as exc:
        assert allowed or name in str(exc), exc
        return
    assert allowed, f"{name}: a value outside the signature was accepted"


@pytest.fixture(scope="module")
def tiny():
    return sim.load_scenario(None, TINY)


@API_SETTINGS
@given(value=anything)
def test_load_scenario_checks_path_and_overrides(value):
    _answer(lambda: sim.load_scenario(value), "path", value is None or _is_path(value))
    _answer(lambda: sim.load_scenario(None, value), "overrides", _is_strings(value))


@API_SETTINGS
@given(value=anything)
def test_scenario_from_dict_checks_every_argument(value):
    _answer(lambda: sim.scenario_from_dict(value), "data", isinstance(value, dict))
    _answer(lambda: sim.scenario_from_dict({}, value), "overrides", _is_strings(value))
    _answer(lambda: sim.scenario_from_dict({}, source=value), "source", isinstance(value, str))
    _answer(lambda: sim.scenario_from_dict({}, base_dir=value), "base_dir", value is None or _is_path(value))


@API_SETTINGS
@given(value=anything)
def test_run_scenario_checks_every_argument(tiny, value):
    _answer(lambda: sim.run_scenario(value), "scenario", False)
    _answer(lambda: sim.run_scenario(tiny, seed=value), "seed", value is None or _is_int(value, 0, MAX_SEED))
    allowed = value is None or _is_int(value, 1, 3)  # few replicates: allowed values run
    if value is None or not _is_int(value, 4, MAX_REPLICATES):
        _answer(lambda: sim.run_scenario(tiny, replicates=value), "replicates", allowed)
    _answer(lambda: sim.run_scenario(tiny, progress=value), "progress", value is None)
    if not _is_int(value, 2, MAX_WORKERS):  # more than one worker starts processes: not drawn here
        _answer(lambda: sim.run_scenario(tiny, workers=value), "workers", _is_int(value, 1, 1))


@API_SETTINGS
@given(value=anything)
def test_write_run_checks_its_arguments_before_writing(tiny, value, tmp_path_factory):
    out = tmp_path_factory.mktemp("run") / "out"
    result = sim.run_scenario(tiny)
    _answer(lambda: sim.write_run(value, out), "result", False)
    if not _is_path(value):  # a path would be written to; only the wrong types are drawn
        _answer(lambda: sim.write_run(result, value), "out_dir", False)
    _answer(lambda: sim.write_run(result, out, force=value), "force", isinstance(value, bool))
    _answer(lambda: sim.write_run(result, out, force=True, draw=value), "draw", value is None)


@API_SETTINGS
@given(value=anything)
def test_read_runs_and_timeseries_check_the_folder_and_columns(value, tmp_path_factory):
    for read in (sim.read_runs, sim.read_timeseries):
        _answer(lambda read=read: read(value), "results_dir", False)  # nothing drawn is a sweep folder
    empty = tmp_path_factory.mktemp("sweep")
    (empty / "sweep.json").write_text("{}")
    for read in (sim.read_runs, sim.read_timeseries):
        _answer(lambda read=read: read(empty, value), "columns", value is None or _is_strings(value))


@API_SETTINGS
@given(value=anything)
def test_estimate_bytes_checks_its_arguments(tiny, value):
    _answer(lambda: sim.estimate_bytes(value), "scenario", False)
    _answer(lambda: sim.estimate_bytes(tiny, value), "replicates_at_once", _is_int(value, 0, MAX_REPLICATES))


def test_a_lone_override_string_is_refused_not_read_letter_by_letter():
    with pytest.raises(TypeError, match=r"^overrides: must be a list .* \(one item is written \['run.days=5'\]\)$"):
        sim.load_scenario(None, "run.days=5")


def test_missing_folders_and_out_of_range_numbers_are_input_errors(tiny, tmp_path):
    with pytest.raises(InputError, match=r"^results_dir .*: no such folder$"):
        sim.read_runs(tmp_path / "missing")
    with pytest.raises(InputError, match=r"^results_dir .*: not a sweep results folder"):
        sim.read_runs(tmp_path)
    with pytest.raises(InputError, match=r"^seed: must be an integer in \[0, "):
        sim.run_scenario(tiny, seed=-1)
    with pytest.raises(TypeError, match=r"^seed: must be an integer .* got float 1.0$"):
        sim.run_scenario(tiny, seed=1.0)

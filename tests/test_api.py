"""The Python API (`from sim import ...`) and the tutorial notebook that uses it (issue 12)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

import sim

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

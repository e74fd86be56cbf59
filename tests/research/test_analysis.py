"""Sweep analysis: Sobol indices on a known test function, per-point tables, and the files analyze writes."""

import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from SALib.test_functions import Ishigami
from typer.testing import CliRunner

from sim.cli.research import register
from sim.research.options import ResearchOptions
from sim.research.sweep.analysis import ANALYSIS_DIR, HEADLINE_METRICS, censor_milestones, point_table, sobol_indices
from sim.research.sweep.method import (
    run,
)
from sim.research.sweep.spec import SweepSpec, build_design, salib_problem
from sim.research.sweep.store import STATUS_ERROR, STATUS_OK
from sim.run.executor import local_cluster
from sim.run.io import MARKER

ROOT = Path(__file__).resolve().parents[2]
#: The Bass docking scenario at 300 people: S-curves that saturate within 20 days, so the per-run
#: Bass fits converge quickly (flat early curves make them slow).
BASS = ROOT / "scenarios" / "docking" / "bass.toml"
TINY = '["population.size=300", "run.days=20", "run.dt=1"]'
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"

app = typer.Typer()
register(app)
cli = CliRunner()

# Ishigami function (a = 7, b = 0.1) on [-pi, pi]^3: analytic indices (Sobol & Levitan 1999).
ISHIGAMI_S1 = np.array([0.3139, 0.4424, 0.0])
ISHIGAMI_ST = np.array([0.5576, 0.4424, 0.2437])
#: N = 4096 base samples (20,480 evaluations). The bootstrap 95% half-widths are then 0.03-0.04 and
#: the errors seen over seeds 1-5 at most 0.002, so 0.02 leaves a wide margin without hiding a bias.
ISHIGAMI_SAMPLES = 4096
ISHIGAMI_TOLERANCE = 0.02


def test_sobol_indices_recover_ishigami():
    sweep = SweepSpec.model_validate(
        {
            "name": "ishigami",
            "scenario": "unused.toml",
            "seed": 1,
            "design": {"kind": "sobol", "samples": ISHIGAMI_SAMPLES},
            "parameters": {f"x{i}": {"low": -math.pi, "high": math.pi} for i in (1, 2, 3)},
        }
    )
    design = build_design(sweep)  # the sweep's own sampler, in SALib's order
    table = sobol_indices(salib_problem(sweep), Ishigami.evaluate(design.to_numpy()), seed=1)
    assert list(table["parameter"]) == ["x1", "x2", "x3"]
    np.testing.assert_allclose(table["S1"], ISHIGAMI_S1, atol=ISHIGAMI_TOLERANCE)
    np.testing.assert_allclose(table["ST"], ISHIGAMI_ST, atol=ISHIGAMI_TOLERANCE)
    assert (np.abs(table["ST"] - ISHIGAMI_ST) <= table["ST_conf"]).all()  # the intervals cover the truth


def test_point_table_censors_milestones_and_skips_failures():
    runs = pd.DataFrame(
        {
            "point": [0, 0, 0, 1],
            "status": [STATUS_OK, STATUS_OK, STATUS_ERROR, STATUS_OK],
            "days": 100.0,
            "final_adoption": [0.4, 0.6, np.nan, 0.9],
            "time_to_50pct": [np.nan, 80.0, np.nan, 30.0],
        }
    )
    design = pd.DataFrame({"engine.quality": [0.5, 0.9]}, index=pd.Index([0, 1], name="point"))
    table = point_table(runs, design, ["final_adoption", "time_to_50pct"]).set_index("point")
    assert table.loc[0, "runs_ok"] == 2 and table.loc[0, "runs_failed"] == 1
    assert table.loc[0, "final_adoption_mean"] == pytest.approx(0.5)
    assert table.loc[0, "time_to_50pct_mean"] == pytest.approx(90.0)  # the miss counts as the 100-day horizon
    assert table.loc[0, "time_to_50pct_reached"] == 0.5 and table.loc[1, "time_to_50pct_reached"] == 1.0
    assert table.loc[0, "final_adoption_lo"] <= 0.5 <= table.loc[0, "final_adoption_hi"]
    assert censor_milestones(runs)["time_to_50pct"].notna().all()


def _sweep(tmp_path: Path, design: str, parameters: str, replicates: int = 2) -> Path:
    """Run a tiny sweep in a one-thread Dask cluster; returns its results folder."""
    from distributed import Client

    exp = tmp_path / "e.toml"
    exp.write_text(
        f'name = "a"\nscenario = "{BASS}"\nseed = 3\nreplicates = {replicates}\nset = {TINY}\n'
        f"[design]\n{design}\n[parameters]\n{parameters}\n"
    )
    out = tmp_path / "out"
    with local_cluster(1, processes=False) as cluster, Client(cluster) as client:
        run(exp, ResearchOptions(out=out, progress=False), client=client)
    return out


def _analyze(out: Path) -> list[str]:
    result = cli.invoke(app, ["analyze", str(out)])
    assert result.exit_code == 0, result.output
    return sorted(p.name for p in (out / ANALYSIS_DIR).iterdir() if p.name != MARKER)


def test_analyze_grid_writes_tables_and_heatmaps(tmp_path):
    out = _sweep(tmp_path, 'kind = "grid"', '"advertising.p_max" = [0.01, 0.05]\n"wom.q" = [0.2, 0.5]')
    names = _analyze(out)
    assert names == sorted(["bass.csv", "points.csv", *(f"heatmap_{m}.png" for m in HEADLINE_METRICS)])
    points = pd.read_csv(out / ANALYSIS_DIR / "points.csv")
    assert len(points) == 4 and (points["runs_ok"] == 2).all()
    assert (points["final_adoption_lo"] <= points["final_adoption_mean"]).all()
    assert (points["final_adoption_mean"] <= points["final_adoption_hi"]).all()
    bass = pd.read_csv(out / ANALYSIS_DIR / "bass.csv")
    assert {"advertising.p_max", "wom.q", "p", "q", "m", "p_se", "q_se", "m_se", "r2", "m_share"} <= set(bass.columns)
    assert (out / ANALYSIS_DIR / f"heatmap_{HEADLINE_METRICS[0]}.png").read_bytes()[:8] == PNG_MAGIC


@pytest.mark.slow
def test_analyze_sobol_and_one_parameter_charts(tmp_path):
    """One varied parameter: Sobol indices (N = 4 base samples -> 12 points) and metric-vs-parameter lines."""
    out = _sweep(tmp_path, 'kind = "sobol"\nsamples = 4', '"wom.q" = { low = 0.1, high = 0.6 }', replicates=1)
    names = _analyze(out)
    assert {"sobol.csv", "sobol.png", *(f"metric_{m}.png" for m in HEADLINE_METRICS)} <= set(names)
    sobol = pd.read_csv(out / ANALYSIS_DIR / "sobol.csv")
    assert set(sobol["parameter"]) == {"wom.q"}
    assert {"S1", "S1_conf", "ST", "ST_conf"} <= set(sobol.columns)


def test_analyze_rejects_a_folder_that_is_not_a_sweep(tmp_path):
    result = cli.invoke(app, ["analyze", str(tmp_path)])
    assert result.exit_code == 2 and "not a sweep results folder" in result.output


@pytest.mark.slow
def test_analyze_with_a_text_parameter_whose_point_only_failed(tmp_path):
    """seed_users.choice = "community" with an empty forum fails at every replicate of that point."""
    exp = tmp_path / "e.toml"
    exp.write_text(
        f'name = "t"\nscenario = "{BASS.parent.parent / "default.toml"}"\nseed = 1\nreplicates = 2\n'
        'set = ["population.size=300", "run.days=15", "seed_users.count=10"]\n[design]\nkind = "grid"\n'
        '[parameters]\n"seed_users.choice" = ["community", "random"]\n"channels.forum.membership" = [0.0, 0.05]\n'
    )
    out = tmp_path / "out"
    assert cli.invoke(app, ["sweep", str(exp), "--out", str(out), "--workers", "1", "--quiet"]).exit_code == 0
    res = cli.invoke(app, ["analyze", str(out)])
    assert res.exit_code == 0, res.output
    points = pd.read_csv(out / ANALYSIS_DIR / "points.csv")
    assert points["runs_failed"].tolist() == [2, 0, 0, 0]

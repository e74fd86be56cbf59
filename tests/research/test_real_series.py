"""The real-series calibrations of issue 29, part 6 (experiments/calibration/), at a small size: the US small
cars as a market of three brands through `wom calibrate --method abc` (the shipped scenario and target, the
script's market and hold-outs, 500 people, a tiny ABC budget: 4 particles, 2 generations), twice with the same seed, then the Bass
baselines script on its output. Checked: it runs end to end, the same seed gives the same bytes, and the
baselines report every held-out row of every brand. Not checked: the figures (docs/research.md has them)."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
CALIBRATION = ROOT / "experiments" / "calibration"
cli = CliRunner()
#: The keys, market and hold-outs of calibrate-cars.sh, at 500 people and 4 particles over 2 generations.
ARGS = [
    "calibrate",
    str(CALIBRATION / "us-small-cars.toml"),
    "--method",
    "abc",
    "--target",
    str(CALIBRATION / "us-small-cars.csv"),
    "--market",
    "5000000",
    "--hold-out",
    "2555",
    "--hold-out",
    "2920",
    "--vary",
    "wom.q=0.0002:0.01",
    "--vary",
    "brands.yugo.engine.quality=0:0.7",
    "--set",
    "population.size=500",
    "--particles",
    "4",
    "--generations",
    "2",
    "--max-evals",
    "40",
    "--workers",
    "1",
    "--quiet",
]


def load_baselines():
    spec = importlib.util.spec_from_file_location("baselines", CALIBRATION / "baselines.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.slow
def test_the_cars_calibration_runs_end_to_end_and_is_reproducible(tmp_path):
    outs = [tmp_path / "one", tmp_path / "two"]
    for out in outs:
        result = cli.invoke(app, [*ARGS, "--out", str(out)])
        assert result.exit_code == 0, result.output
    for name in ("posterior.csv", "predictions.csv"):
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes()
    baselines = load_baselines()
    assert baselines.main(["--run", f"us-small-cars={outs[0]}", "--out", str(tmp_path / "b")]) == 0
    table = (tmp_path / "b" / "table.md").read_text()
    for brand in ("yugo", "excel", "tercel"):
        assert table.count(f"| adopted_total_{brand} |") == 2  # 1991 and 1992 held out
    assert (tmp_path / "b" / "heldout.png").stat().st_size > 0

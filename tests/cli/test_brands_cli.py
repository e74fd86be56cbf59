"""`wom run` on a market of brands: the per-brand columns, the share metrics and the share chart are written."""

from __future__ import annotations

import json

import pandas as pd
from typer.testing import CliRunner

from sim.cli.main import app

runner = CliRunner()


def test_run_of_two_brands_writes_their_columns_shares_and_chart(tmp_path):
    out = tmp_path / "run"
    args = ["run", "scenarios/docking/competition.toml", "-o", str(out)]
    for s in ("population.size=1000", "run.replicates=2", "run.dt=0.5", "run.days=30", "switching.persuasion=0.05"):
        args += ["--set", s]
    res = runner.invoke(app, args)
    assert res.exit_code == 0, res.output
    assert "shares.png" in res.output and (out / "shares.png").stat().st_size > 0
    ts = pd.read_csv(out / "timeseries.csv")
    for column in ("owners", "adopted_total", "switched_in", "switched_out", "left"):
        assert {f"{column}_a", f"{column}_b"} <= set(ts.columns)
    summary = json.loads((out / "summary.json").read_text())
    mean = summary["metrics"]["mean"]
    assert abs(mean["share_final_a"] + mean["share_final_b"] - 1) < 1e-9
    assert list(summary["scenario"]["brands"]) == ["a", "b"] and summary["scenario"]["brands"]["b"]["entry_day"] == 10


def test_run_with_agents_backend_is_refused_in_one_line(tmp_path):
    res = runner.invoke(app, ["run", "scenarios/docking/competition.toml", "--set", "run.backend=agents"])
    assert res.exit_code == 2 and "Traceback" not in res.output
    assert "run.backend" in res.output and "vector backend only" in res.output

"""`wom run` and `wom validate`: outputs, exit codes, and nothing written on bad input."""

import json
import subprocess
import sys
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli.main import app

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "scenarios" / "default.toml"
FAST = ["--set", "population.size=500", "--set", "run.days=20", "--set", "seed_users.count=10", "--quiet"]
runner = CliRunner()


def invoke(*args):
    return runner.invoke(app, [str(a) for a in args])


@pytest.mark.slow
def test_run_writes_everything(tmp_path):
    out = tmp_path / "run"
    res = invoke("run", DEFAULT, "--out", out, "--replicates", 2, "--seed", 4, *FAST)
    assert res.exit_code == 0, res.output
    assert sorted(p.name for p in out.iterdir()) == [
        ".wom-output",
        "adoption.png",
        "channels.png",
        "funnel.png",
        "summary.json",
        "timeseries.csv",
    ]
    ts = pd.read_csv(out / "timeseries.csv")
    for col in [
        "replicate",
        "step",
        "time",
        "unaware",
        "aware",
        "adopters",
        "fans",
        "detractors",
        "rejecters",
        "adopted_total",
        "new_adopters",
        "adopt_forum",
        "aware_weibo",
    ]:
        assert col in ts.columns
    assert sorted(ts.replicate.unique()) == [0, 1] and len(ts) == 2 * 21
    summary = json.loads((out / "summary.json").read_text())
    assert summary["seed"] == 4 and summary["replicates"] == 2
    assert summary["scenario"]["population"]["size"] == 500
    assert {"numpy", "mesa", "python"} <= set(summary["versions"])
    for key in [
        "final_adoption",
        "time_to_10pct",
        "time_to_50pct",
        "peak_adoption_rate",
        "peak_time",
        "bass_p",
        "bass_q",
        "bass_m",
        "bass_r2",
        "fan_share",
        "detractor_share",
        "cost_per_adopter",
    ]:
        assert key in summary["metrics"]["mean"], key
    for png in out.glob("*.png"):
        assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert "final adoption" in res.output


@pytest.mark.slow
def test_same_seed_identical_files(tmp_path):
    for name in ("a", "b"):
        assert invoke("run", DEFAULT, "--out", tmp_path / name, "--seed", 9, *FAST).exit_code == 0
    for f in ("timeseries.csv", "summary.json"):
        assert (tmp_path / "a" / f).read_bytes() == (tmp_path / "b" / f).read_bytes()


@pytest.mark.slow
def test_existing_output_needs_force(tmp_path):
    out = tmp_path / "run"
    assert invoke("run", DEFAULT, "--out", out, *FAST).exit_code == 0
    before = (out / "summary.json").read_bytes()
    res = invoke("run", DEFAULT, "--out", out, "--seed", 77, *FAST)
    assert res.exit_code == 2 and "--force" in res.output
    assert (out / "summary.json").read_bytes() == before
    assert invoke("run", DEFAULT, "--out", out, "--seed", 77, "--force", *FAST).exit_code == 0
    assert (out / "summary.json").read_bytes() != before
    assert [p.name for p in tmp_path.iterdir()] == ["run"]  # no partial or old directories left


@pytest.mark.parametrize(
    "args, message",
    [
        (["--set", "engine.max_conversion=1.5"], "engine.max_conversion"),
        (["--set", "population.size=-1"], "population.size"),
        (["--set", "engine.nonsense=1"], "allowed keys here"),
        (["--set", "engine.quality"], "KEY=VALUE"),
    ],
)
def test_bad_overrides_exit_2_and_write_nothing(tmp_path, args, message):
    out = tmp_path / "run"
    res = invoke("run", DEFAULT, "--out", out, *args)
    assert res.exit_code == 2
    assert message in res.output
    assert not out.exists() and list(tmp_path.iterdir()) == []


def test_bad_files_exit_2(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text("[engine]\nquality = [\n")
    for path, message in ((bad, "malformed TOML"), (tmp_path / "missing.toml", "file not found")):
        res = invoke("run", path, "--out", tmp_path / "out")
        assert res.exit_code == 2 and str(path) in res.output and message in res.output
    assert not (tmp_path / "out").exists()


def test_failure_during_run_leaves_nothing(tmp_path, monkeypatch):
    import sim.viz.charts

    def explode(*a, **k):
        raise RuntimeError("disk full")

    monkeypatch.setattr(sim.viz.charts, "write_run_charts", explode)
    out = tmp_path / "run"
    res = invoke("run", DEFAULT, "--out", out, *FAST)
    assert res.exit_code != 0
    assert list(tmp_path.iterdir()) == []


def test_validate_prints_resolved_scenario():
    res = invoke("validate", DEFAULT, "--set", "engine.quality=0.9")
    assert res.exit_code == 0 and json.loads(res.stdout)["engine"]["quality"] == 0.9


@pytest.mark.slow
def test_console_script_exit_code(tmp_path):
    wom = Path(sys.executable).with_name("wom")
    assert wom.exists(), f"{wom}: the `wom` console script is not installed (scripts/setup.sh installs it)"
    proc = subprocess.run(
        [wom, "run", DEFAULT, "--set", "wom.transmission=2", "--out", tmp_path / "x"], capture_output=True, text=True
    )
    assert proc.returncode == 2 and "wom.transmission" in proc.stderr
    proc = subprocess.run([wom, "run", DEFAULT, "--out", tmp_path / "ok", *FAST], capture_output=True, text=True)
    assert proc.returncode == 0, proc.stderr


@pytest.mark.slow
def test_workers_give_identical_bytes(tmp_path):
    """Replicate seeds depend only on (seed, replicate): 2 processes write what 1 process writes."""
    for workers in (1, 2):
        res = invoke("run", DEFAULT, "--out", tmp_path / f"w{workers}", "-r", 3, "--workers", workers, *FAST)
        assert res.exit_code == 0, res.output
    for name in ("timeseries.csv", "summary.json"):
        assert (tmp_path / "w1" / name).read_bytes() == (tmp_path / "w2" / name).read_bytes()


@pytest.mark.parametrize("name", [".", "..", "/tmp/x", "../../x"])
def test_scenario_name_is_never_a_path(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    res = invoke("run", DEFAULT, "--set", f'name="{name}"', "--force", *FAST)
    assert res.exit_code == 2 and "plain file name" in res.output
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--replicates", "99999999999999999999"], "--replicates"),
        (["--replicates", "0"], "--replicates"),
        (["--seed", "-1"], "--seed"),
        (["--workers", "0"], "--workers"),
    ],
)
def test_run_options_are_checked_before_work(tmp_path, args, message):
    res = invoke("run", DEFAULT, "--out", tmp_path / "out", *args, *FAST)
    assert res.exit_code == 2 and message in res.output
    assert list(tmp_path.iterdir()) == []


def test_force_never_replaces_a_foreign_directory(tmp_path):
    home = tmp_path / "home"
    home.mkdir()
    (home / "notes.txt").write_text("precious")
    res = invoke("run", DEFAULT, "--out", home, "--force", *FAST)
    assert res.exit_code == 2 and "not a previous run output" in res.output
    assert (home / "notes.txt").read_text() == "precious"


@pytest.mark.parametrize("command", ["attribute", "calibrate"])
def test_research_commands_never_use_a_scenario_name_as_a_path(tmp_path, monkeypatch, command):
    series = tmp_path / "series.csv"
    series.write_text("time,adopted_total\n1,5\n2,9\n3,20\n")
    args = {
        "attribute": ["attribute", DEFAULT, "--baseline-set", "engine.quality=0.5"],
        "calibrate": ["calibrate", DEFAULT, "--target", series, "--vary", "wom.q=0.1:0.5"],
    }[command]
    cwd = tmp_path / "cwd"
    cwd.mkdir()
    monkeypatch.chdir(cwd)
    res = invoke(*args, "--replicates", 200000)
    assert res.exit_code == 2 and "--replicates" in res.output
    res = invoke(*args, "--set", 'name="../../x"')
    assert res.exit_code == 2 and "plain file name" in res.output
    assert list(cwd.iterdir()) == [] and sorted(p.name for p in tmp_path.iterdir()) == ["cwd", "series.csv"]

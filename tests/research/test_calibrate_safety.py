"""Issue 24 on `wom fit-bass` and `wom calibrate`: every problem refused before any simulation in one line
(exit 2, nothing written), the outputs where they are asked for, and an ABC run that stops on its
budget saying so, never the prior reported as a posterior."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from sim.cli.research import register
from sim.config.scenario import load_scenario
from sim.research.calibrate.abc import AbcSettings, CalibrationError, run, summary_dict
from sim.research.calibrate.bass import SeriesError, calibrated_data, check_problem, load_series, parse_varies
from sim.research.options import ResearchOptions

ROOT = Path(__file__).resolve().parents[2]
BASS = ROOT / "scenarios" / "docking" / "bass.toml"
#: A small, fast scenario: 200 people over 10 days (every target below fits it).
TINY_SET = ["population.size=200", "run.days=10"]
#: Ten days of a straight line to 100 adopters.
TARGET = "time,adopted_total\n" + "".join(f"{t},{10 * t}\n" for t in range(11))

app = typer.Typer()
register(app)
cli = CliRunner()


def files(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def refused(args: list[str], folder: Path, *needles: str) -> None:
    """The command exits 2 with one line holding every needle, and writes nothing into `folder`."""
    before = files(folder)
    result = cli.invoke(app, args)
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1 and "Traceback" not in result.output
    for needle in needles:
        assert needle in result.output
    assert files(folder) == before


@pytest.fixture
def target(tmp_path) -> Path:
    path = tmp_path / "target.csv"
    path.write_text(TARGET)
    return path


def calibrate(target: Path, *extra: str) -> list[str]:
    args = ["calibrate", str(BASS), "--target", str(target), "--quiet", "-r", "1"]
    return args + [a for s in TINY_SET for a in ("--set", s)] + list(extra)


def test_calibrate_out_png_is_refused_not_overwritten_by_the_chart(tmp_path, target):
    """--out X.png named the scenario and its chart (X.with_suffix('.png')) alike: the chart overwrote it."""
    args = calibrate(target, "--vary", "wom.q=0.1:0.5", "--out", str(tmp_path / "X.png"))
    refused(args, tmp_path, "--out", ".toml")


@pytest.mark.parametrize("method", ["de", "abc"])
def test_a_vary_key_twice_or_also_set_is_refused(tmp_path, target, method):
    twice = calibrate(target, "--method", method, "--vary", "wom.q=0.1:0.5", "--vary", "wom.q=0.2:0.3")
    refused([*twice, "--out", str(tmp_path / "o.toml")], tmp_path, "--vary wom.q", "given twice")
    both = calibrate(target, "--method", method, "--vary", "wom.q=0.1:0.5", "--set", "wom.q=0.3")
    refused([*both, "--out", str(tmp_path / "o.toml")], tmp_path, "--vary wom.q", "--set")


@pytest.mark.parametrize("method", ["de", "abc"])
def test_a_target_larger_than_the_population_is_refused(tmp_path, method):
    csv = tmp_path / "big.csv"
    csv.write_text("time,adopted_total\n0,10\n5,150\n10,500\n")
    args = calibrate(csv, "--method", method, "--vary", "wom.q=0.1:0.5", "--out", str(tmp_path / "o.toml"))
    refused(args, tmp_path, str(csv), "500", "population.size is 200")


@pytest.mark.parametrize(
    "market, needles",
    [
        ("inf", ("--market inf", "finite")),
        ("1e300", ("--market 1e+300", "at most")),
        ("300", ("--market 300", "reaches 500", "--market >= 500")),
        ("100", ("--market 100", "population.size")),
    ],
)
def test_a_market_that_cannot_hold_the_target_is_refused(tmp_path, market, needles):
    csv = tmp_path / "big.csv"
    csv.write_text("time,adopted_total\n0,10\n5,150\n10,500\n")
    args = calibrate(csv, "--method", "abc", "--vary", "wom.q=0.1:0.5", "--market", market)
    refused([*args, "--out", str(tmp_path / "o")], tmp_path, *needles)


@pytest.mark.parametrize(
    "options, needles",
    [
        (["--particles", "4", "--max-evals", "7"], ("--max-evals 7", "2 x --particles = 8")),
        (["--particles", "4", "--max-evals", "1"], ("--max-evals 1",)),
        (["--generations", "1"], ("--generations 1", "prior")),
        (["--particles", "1000000"], ("--particles 1000000",)),
        (["--particles", "2"], ("--particles 2",)),
    ],
)
def test_abc_settings_that_cannot_give_a_posterior_are_refused(tmp_path, target, options, needles):
    args = calibrate(target, "--method", "abc", "--vary", "wom.q=0.1:0.5", *options)
    refused([*args, "--out", str(tmp_path / "o")], tmp_path, *needles)


def test_de_budget_below_one_generation_is_refused_before_any_work(tmp_path, target):
    args = calibrate(target, "--vary", "wom.q=0.1:0.5", "--max-evals", "7", "--out", str(tmp_path / "o.toml"))
    refused(args, tmp_path, "--max-evals 7", "one generation")


def test_the_checks_are_the_python_apis_too(target):
    scenario = load_scenario(BASS, TINY_SET)
    series = load_series(target)
    with pytest.raises(SeriesError, match="given twice"):
        check_problem(scenario, series, parse_varies(["wom.q=0.1:0.5", "wom.q=0.2:0.3"]))
    with pytest.raises(SeriesError, match="also fixed by --set"):
        parse_varies(["wom.q=0.1:0.5"], ["wom.q=0.2"])
    with pytest.raises(SeriesError, match="population.size is 60"):
        check_problem(load_scenario(BASS, ["population.size=60", "run.days=10"]), series, parse_varies(["wom.q=0:1"]))
    with pytest.raises(CalibrationError, match="--max-evals 7"):
        AbcSettings(particles=4, max_evals=7)


def test_a_shipped_scenario_name_is_calibrated_and_written(tmp_path, target):
    """README's `wom calibrate bass ...`: the name of a shipped scenario, not a file in the folder."""
    out = tmp_path / "c.toml"
    args = ["calibrate", "bass", "--target", str(target), "--vary", "wom.q=0.1:0.5", "--max-evals", "8"]
    result = cli.invoke(
        app, [*args, "-r", "1", "--quiet", "--out", str(out), *(a for s in TINY_SET for a in ("--set", s))]
    )
    assert result.exit_code == 0, result.output
    assert load_scenario(out).population.size == 200 and out.with_suffix(".png").stat().st_size > 0
    assert calibrated_data(Path("bass"), [], {"wom.q": 0.2})["wom"]["q"] == 0.2


@pytest.mark.slow
def test_fit_bass_writes_its_chart_to_the_results_folder_not_beside_the_input(tmp_path, monkeypatch, target):
    data = tmp_path / "data"
    data.mkdir()
    series = data / "sales.csv"
    series.write_text(TARGET)
    monkeypatch.chdir(tmp_path)
    result = cli.invoke(app, ["fit-bass", str(series)])
    assert result.exit_code == 0, result.output
    assert sorted(p.name for p in data.iterdir()) == ["sales.csv"]
    assert (tmp_path / "results" / "sales.fit.png").stat().st_size > 0
    refused(["fit-bass", str(series), "--out", str(tmp_path / "fit.toml")], tmp_path, "--out", ".png")


def scripted_runner(perfect: int):
    """A runner that matches TARGET exactly for its first `perfect` simulations and adopts nobody after:
    later candidates are never within the tolerance (0), so the budget decides how far ABC gets."""
    calls = []

    def runner(scenario, seed_seq, replicate):
        calls.append(replicate)
        time = np.arange(scenario.run.days + 1.0)
        total = 10 * time if len(calls) <= perfect else np.zeros_like(time)
        return pd.DataFrame({"time": time, "adopted_total": total})

    return runner


def test_abc_that_runs_out_before_generation_1_is_refused_not_a_prior(target):
    scenario, series, varies = load_scenario(BASS, TINY_SET), load_series(target), parse_varies(["wom.q=0.1:0.5"])
    settings = AbcSettings(particles=4, generations=3, seed=1, max_evals=12)
    with pytest.raises(CalibrationError, match="before generation 1 was complete"):
        run(scenario, series, varies, settings, ResearchOptions(workers=1), runner=scripted_runner(4))


def test_abc_stopped_on_its_budget_says_so_in_the_result(target):
    scenario, series, varies = load_scenario(BASS, TINY_SET), load_series(target), parse_varies(["wom.q=0.1:0.5"])
    settings = AbcSettings(particles=4, generations=3, seed=1, max_evals=16)
    posterior = run(scenario, series, varies, settings, ResearchOptions(workers=1), runner=scripted_runner(8))
    assert posterior.stopped_early and posterior.generations == 2
    assert "stopped early after 2 of 3 generations" in posterior.message
    summary = json.loads(json.dumps(summary_dict(posterior, settings, {})))
    assert summary["stopped_early"] is True and summary["generations_completed"] == 2
    complete = run(
        scenario,
        series,
        varies,
        AbcSettings(particles=4, generations=2, seed=1, max_evals=16),
        ResearchOptions(workers=1),
        runner=scripted_runner(8),
    )
    assert not complete.stopped_early and complete.generations == 2

"""fit-bass on synthetic Bass series, series validation, the TOML writer, and calibration recovering a known value."""

import json
import math
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from sim.cli.research import register
from sim.config.scenario import load_scenario
from sim.model.streams import replicate_seeds
from sim.model.theory import bass_cdf
from sim.research.calibrate.abc import AbcSettings, CalibrationError, Market, run, scale_to_market
from sim.research.calibrate.bass import SeriesError, dumps_toml, load_series, parse_vary, with_values
from sim.research.options import ResearchOptions
from sim.run.runner import run_replicate

ROOT = Path(__file__).resolve().parents[2]
BASS = ROOT / "scenarios" / "docking" / "bass.toml"

app = typer.Typer()
register(app)
cli = CliRunner()

TRUE_P, TRUE_Q, TRUE_M = 0.03, 0.38, 100_000
#: fit-bass must recover p and q within 5% (the issue's requirement). With Poisson noise on a market of
#: 100,000 the estimates vary by 1.0% (p) and 0.6% (q) across noise seeds 0-19, so 5% is 5 sigma.
FIT_TOLERANCE = 0.05


def synthetic_bass_csv(path: Path, cumulative: bool, seed: int = 0, days: int = 30) -> Path:
    """Daily Bass series (p = 0.03, q = 0.38, m = 100,000) with Poisson noise on each day's new adopters."""
    t = np.arange(1, days + 1, dtype=float)
    expected = TRUE_M * np.diff(bass_cdf(np.concatenate(([0.0], t)), TRUE_P, TRUE_Q))
    new = np.random.default_rng(seed).poisson(expected)
    column = {"adopted_total": np.cumsum(new)} if cumulative else {"new_adopters": new}
    pd.DataFrame({"time": t, **column}).to_csv(path, index=False)
    return path


@pytest.mark.parametrize("cumulative", [False, True])
def test_fit_bass_recovers_p_and_q(tmp_path, cumulative):
    csv = synthetic_bass_csv(tmp_path / "series.csv", cumulative)
    chart = ["--out", str(tmp_path / "fit.png")]
    result = cli.invoke(app, ["fit-bass", str(csv), "--json", *chart])
    assert result.exit_code == 0, result.output
    fit = json.loads(result.stdout)
    assert set(fit) >= {"p", "q", "m", "p_se", "q_se", "m_se", "r2"}
    assert fit["p"] == pytest.approx(TRUE_P, rel=FIT_TOLERANCE)
    assert fit["q"] == pytest.approx(TRUE_Q, rel=FIT_TOLERANCE)
    assert 0 < fit["p_se"] < TRUE_P and 0 < fit["q_se"] < TRUE_Q
    assert (tmp_path / "fit.png").stat().st_size > 0
    assert cli.invoke(app, ["fit-bass", str(csv), *chart]).exit_code == 2  # the chart exists: --force needed
    table = cli.invoke(app, ["fit-bass", str(csv), "--force", *chart])
    assert table.exit_code == 0 and "q = 0.3" in table.output


@pytest.mark.parametrize(
    "content, message",
    [
        ("day,adopted_total\n1,5\n2,9\n", "needs a 'time' column"),
        ("time,sales\n1,5\n2,9\n", "one of adopted_total, new_adopters"),
        ("time,new_adopters\n1,5\n2,x\n", "row 3"),
        ("time,new_adopters\n1,5\n1,9\n", "distinct"),
        ("time,new_adopters\n1,5\n2,-9\n3,4\n", "must be >= 0"),
        ("time,adopted_total\n1,5\n2,9\n3,4\n", "decreases"),
        ("time,adopted_total\n1,5\n2,1e300\n", "at most"),
        ("time,adopted_total\n1,5\n2,inf\n", "must be numbers"),
    ],
)
def test_bad_series_exit_2(tmp_path, content, message):
    csv = tmp_path / "bad.csv"
    csv.write_text(content)
    result = cli.invoke(app, ["fit-bass", str(csv), "--json"])
    assert result.exit_code == 2 and str(csv) in result.output and message in result.output


@pytest.mark.parametrize(
    "content, reason",
    [
        ("time,new_adopters\n" + "".join(f"{t},0\n" for t in range(1, 11)), "no adoption"),
        # Adoption that stopped at once: a step, not an S-curve; p or q cannot be pinned down.
        ("time,adopted_total\n0,0\n" + "".join(f"{t},100\n" for t in range(1, 11)), "not identified"),
    ],
)
def test_series_that_never_took_off_are_not_identified(tmp_path, content, reason):
    csv = tmp_path / "flat.csv"
    csv.write_text(content)
    chart = ["--out", str(tmp_path / "fit.png")]
    result = cli.invoke(app, ["fit-bass", str(csv), "--json", *chart])
    assert result.exit_code == 0, result.output
    fit = json.loads(result.stdout)
    assert fit["identified"] is False and fit["p"] is None and fit["q"] is None and fit["m"] is None
    assert fit["reason"]
    table = cli.invoke(app, ["fit-bass", str(csv), "--force", *chart])
    assert table.exit_code == 0 and "not identified" in table.output


def test_toml_writer_round_trips():
    data = {
        "name": 'a "quoted" ü',
        "run": {"days": 30.0, "seed": 3, "stop": math.inf},
        "channels": {"weibo": {"enabled": True, "reach": 0.25}, "forum": {"enabled": False}},
        "official": {"channels": ["forum", "weibo"]},
        "odd key": {"x.y": -1e-5},
    }
    assert tomllib.loads(dumps_toml(data)) == data


def test_parse_vary():
    assert parse_vary("wom.q=0.1:0.9").low == 0.1
    for bad in ("wom.q", "wom.q=0.1", "wom.q=a:b", "wom.q=0.9:0.1", "=0:1", "wom.q=0:inf", "wom.q=nan:1"):
        with pytest.raises(SeriesError):
            parse_vary(bad)


def test_calibrate_rejects_a_target_beyond_the_horizon(tmp_path):
    csv = synthetic_bass_csv(tmp_path / "long.csv", cumulative=True, days=60)
    result = cli.invoke(
        app,
        ["calibrate", str(BASS), "--target", str(csv), "--vary", "wom.q=0.1:0.9", "--out", str(tmp_path / "c.toml")],
    )
    assert result.exit_code == 2 and "run.days=60" in result.output


# Calibration: the docking Bass scenario at 2,000 people, dt = 0.5, 30 days (about 20 ms a replicate).
CALIBRATION_SET = ["population.size=2000", "run.dt=0.5", "run.days=30"]
TRUE_WOM_Q = 0.38
#: The target is the mean of 4 replicates (seed 101); calibration uses 3 others (seed 7), so seed noise
#: is real. Over 8 target seeds the estimate had a standard deviation of 0.005 and a largest error of
#: 0.01 with this budget (24 evaluations); 0.03 (8% of q) is about 6 standard deviations.
CALIBRATION_TOLERANCE = 0.03


@pytest.mark.slow
def test_calibrate_recovers_a_known_value(tmp_path):
    scenario = with_values(load_scenario(BASS, CALIBRATION_SET), {"wom.q": TRUE_WOM_Q})
    frames = [run_replicate(scenario, seq, r) for r, seq in enumerate(replicate_seeds(101, 4))]
    mean = pd.concat(frames).groupby("time")["adopted_total"].mean()
    daily = mean[mean.index == mean.index.round()]
    target = tmp_path / "target.csv"
    pd.DataFrame({"time": daily.index, "adopted_total": daily.to_numpy()}).to_csv(target, index=False)
    out = tmp_path / "calibrated.toml"
    args = [
        "calibrate",
        str(BASS),
        "--target",
        str(target),
        "--vary",
        "wom.q=0.05:1.0",
        "--replicates",
        "3",
        "--seed",
        "7",
        "--max-evals",
        "24",
        "--out",
        str(out),
        "--quiet",
        *sum((["--set", s] for s in CALIBRATION_SET), []),
    ]
    result = cli.invoke(app, args)
    assert result.exit_code == 0, result.output
    calibrated = load_scenario(out)
    assert calibrated.wom.q == pytest.approx(TRUE_WOM_Q, abs=CALIBRATION_TOLERANCE)
    assert calibrated.population.size == 2000 and calibrated.name == "docking-bass-calibrated"
    assert "RMSE" in result.output and out.with_suffix(".png").stat().st_size > 0
    assert load_series(target).column == "adopted_total"


# --- ABC-SMC, market scaling, ill-posed problems ------------------------------------------------------
MILESTONES = "time,adopted_total\n0,100\n861,10000000\n1384,50000000\n1642,100000000\n"


@pytest.mark.parametrize("method", ["de", "abc"])
def test_more_free_parameters_than_data_points_is_refused(tmp_path, method):
    """Three --vary keys against two fitted milestones (the third held out, the start is the initial
    condition): one line naming --vary, exit 2, nothing run."""
    csv = tmp_path / "m.csv"
    csv.write_text(MILESTONES if method == "abc" else "time,adopted_total\n0,1\n10,50\n20,90\n")
    extra = ["--method", "abc", "--hold-out", "1642"] if method == "abc" else []
    varies = ["wom.transmission=0.01:0.1", "engine.quality=0.5:0.9", "wom.q=0:1"]
    args = ["calibrate", str(BASS), "--target", str(csv), *sum((["--vary", v] for v in varies), []), *extra]
    result = cli.invoke(app, [*args, "--set", "run.days=1700", "--quiet", "--out", str(tmp_path / "o")])
    assert result.exit_code == 2, result.output
    assert "--vary: 3 free parameters" in result.output and "at most 2 --vary" in result.output
    assert len(result.output.strip().splitlines()) == 1 and not (tmp_path / "o").exists()


def test_market_scaling_sets_seed_users_from_the_real_figures(tmp_path):
    """400 M people on 300 simulated: 1.33 M each; 100 real seed users round to the minimum of 1
    simulated one (super users capped to it); targets are divided by the scale."""
    csv = tmp_path / "m.csv"
    csv.write_text(MILESTONES)
    scenario = load_scenario(ROOT / "experiments" / "calibration" / "miui.toml")
    scaled, target, note = scale_to_market(scenario, load_series(csv), Market(400e6, 300))
    assert scaled.seed_users.count == 1 and scaled.fan_building.super_users == 1
    assert target.values[1] == pytest.approx(10e6 / (400e6 / 300)) and "1.333e+06 people" in note
    # smaller markets, with a series that fits in them (one of 100 million does not: refused below)
    small = tmp_path / "small.csv"
    small.write_text("time,adopted_total\n0,100\n861,20000\n")
    # 3,000 people for 300,000: 100 real seed users are exactly 1 simulated one
    larger = with_values(scenario, {"population.size": 3000})
    assert scale_to_market(larger, load_series(small), Market(3e5, 3000))[0].seed_users.count == 1
    # 3,000 people for 30,000: 100 real seed users are 10 simulated ones
    assert scale_to_market(larger, load_series(small), Market(3e4, 3000))[0].seed_users.count == 10
    with pytest.raises(CalibrationError, match="--market 30000: .* reaches 1e\\+08 adopters"):
        scale_to_market(larger, load_series(csv), Market(3e4, 3000))
    with pytest.raises(CalibrationError, match="--market"):
        scale_to_market(scenario, load_series(csv), Market(100, 300))


#: ABC-SMC on the docking Bass scenario (500 people, dt = 0.5, 30 days; the target one replicate with
#: seed 101, the ABC's own simulations from seed 7): 20 particles, 3 generations. The true q = 0.38
#: must lie inside the 90% credible interval, the interval must be narrower than half the prior
#: (0.05-1.0), and the posterior must be identical with 1 and 2 workers (chosen before running).
ABC_SET = ["population.size=500", "run.dt=0.5", "run.days=30"]


@pytest.mark.slow
def test_abc_posterior_covers_the_truth_and_does_not_depend_on_workers(tmp_path):
    scenario = load_scenario(BASS, ABC_SET)
    truth = run_replicate(with_values(scenario, {"wom.q": TRUE_WOM_Q}), replicate_seeds(101, 1)[0], 0)
    rows = truth[truth["time"].isin([0, 5, 10, 15, 20, 25, 30])]
    csv = tmp_path / "t.csv"
    rows[["time", "adopted_total"]].to_csv(csv, index=False)
    target = load_series(csv)
    settings = AbcSettings(particles=20, generations=3, seed=7)
    one = run(scenario, target, [parse_vary("wom.q=0.05:1.0")], settings, ResearchOptions(workers=1), hold_out=[30.0])
    two = run(scenario, target, [parse_vary("wom.q=0.05:1.0")], settings, ResearchOptions(workers=2), hold_out=[30.0])
    np.testing.assert_array_equal(one.particles, two.particles)
    np.testing.assert_array_equal(one.weights, two.weights)
    q = one.summary()["wom.q"]
    assert q["lo"] <= TRUE_WOM_Q <= q["hi"] and q["hi"] - q["lo"] < 0.5 * (1.0 - 0.05)
    assert one.epsilons[-1] < one.epsilons[1] and len(one.epsilons) == 3
    held = one.predictions().iloc[-1]
    assert held["role"] == "held out" and held["lo"] <= held["observed"] <= held["hi"]

"""`wom optimize`: a problem with a known optimum, determinism whatever the workers, resume, bad specs."""

from __future__ import annotations

import math
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import typer
from typer.testing import CliRunner

from sim.cli.optimize import register
from sim.config.scenario import load_scenario
from sim.research.optimize.method import PLAN_FILE, RANKED_FILE, TRIALS_FILE, run
from sim.research.optimize.search import load_problem
from sim.research.optimize.spec import OptimizeSpecError, load_spec
from sim.research.optimize.storage import TRIALS_DIR
from sim.research.options import ResearchOptions
from sim.run.io import OutputError
from sim.viz.optimize_charts import draw_optimize

#: One worker runs this module (--dist loadgroup), so the module's `small_run` is made once, not once per worker.
pytestmark = pytest.mark.xdist_group("optimize-small-run")

ROOT = Path(__file__).resolve().parents[2]
BASS = ROOT / "scenarios" / "docking" / "bass.toml"
app = typer.Typer()
register(app)
app.command("unused")(lambda: None)  # two commands, so `optimize` is a subcommand
cli = CliRunner()

# --- the known optimum -------------------------------------------------------------------------------
# Reduced scenario: the Bass docking population (well mixed, every contact buys, nobody talks: q = 0),
# ads only. With spend s per day the response curve buys p(s) = P_MAX * (1 - exp(-s / SCALE)) contacts
# per person per day (probability p * dt per step, dt = 1); a budget B pays for floor(B / s) days, and
# ads starting on day t0 have D - t0 days before day D. So the share adopted by day D is
#     F(s, t0) = 1 - (1 - p(s)) ** min(D - t0, floor(B / s)).
# For s <= B / D the money lasts and F grows with s; for s >= B / D, p(s) * B / s falls (as (1 - e^-x)/x
# does), so the optimum is to spread the budget evenly over the horizon, s* = B / D, from day t0* = 0.
D, B = 60, 600_000.0
P_MAX, SCALE = 0.02, 10_000.0
S_STAR = B / D
#: Tolerances, chosen before running: the winner's spend within 25% of s*, its start within 5 days of
#: day 0, and its closed-form share and its re-evaluated share within 0.03 of the optimum F*.
SPEND_RTOL, START_ATOL, SHARE_ATOL = 0.25, 5.0, 0.03


def closed_form(s: float, t0: float) -> float:
    """Expected share adopted by day D (see above)."""
    p = P_MAX * -math.expm1(-s / SCALE)
    return 1.0 - (1.0 - p) ** min(D - math.ceil(t0), math.floor(B / s))


KNOWN = f"""name = "known"
scenario = "{BASS}"
seed = 11
set = ["population.size=2000", "run.days={D}", "run.dt=1", "wom.q=0.0", "advertising.p_max={P_MAX}",
       "advertising.spend_scale={SCALE}", "run.backend=\\"vector\\""]

[budget]
total = {B}

[decisions]
"advertising.spend_per_day" = {{ low = 2000, high = 40000, log = true }}
"advertising.start_day" = {{ low = 0, high = 30 }}

[objective]
day = {D}
maximize = {{ adopted_by_day = 1.0 }}

[search]
trials = 40
batch = 8
replicates = 2
top = 3
check_replicates = 4
"""


def test_closed_form_optimum_is_spreading_the_budget_evenly():
    """The derivation's claim, checked on a grid: the best spend is B / D from day 0."""
    grid = [(s, t0) for s in np.linspace(2000, 40000, 3801) for t0 in range(31)]
    best = max(grid, key=lambda st: closed_form(*st))
    assert best[1] == 0 and abs(best[0] - S_STAR) <= 10


@pytest.mark.slow
def test_optimiser_finds_the_known_optimum(tmp_path):
    spec = tmp_path / "known.toml"
    spec.write_text(KNOWN)
    result = run(spec, ResearchOptions(out=tmp_path / "out", workers=1, progress=False))
    best = result.winner.params
    s, t0 = best["advertising.spend_per_day"], best["advertising.start_day"]
    f_star = closed_form(S_STAR, 0)
    assert abs(s - S_STAR) <= SPEND_RTOL * S_STAR, best
    assert t0 <= START_ATOL, best
    assert abs(closed_form(s, t0) - f_star) <= SHARE_ATOL
    assert abs(result.winner.summary["adopted_by_day_mean"] - f_star) <= SHARE_ATOL
    assert result.winner.summary["spend_by_day_mean"] <= B


# --- determinism, resume, outputs -------------------------------------------------------------------------
SMALL = f"""name = "small"
scenario = "{ROOT / "scenarios" / "playbook" / "ads_first.toml"}"
seed = 5
set = ["population.size=300", "run.days=30"]

[budget]
total = 150000

[decisions]
"advertising.spend_per_day" = {{ low = 0, high = 20000 }}
"meetups.enabled" = [true, false]

[objective]
day = 30
maximize = {{ adopted_by_day = 1.0 }}
money = "spend_by_day"

[search]
trials = 6
batch = 3
replicates = 2
top = 2
check_replicates = 2
"""


def _files(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in (RANKED_FILE, TRIALS_FILE, PLAN_FILE)}


@pytest.fixture(scope="module")
def small_run(tmp_path_factory):
    """The small two-objective spec run once with one worker."""
    folder = tmp_path_factory.mktemp("small")
    spec = folder / "small.toml"
    spec.write_text(SMALL)
    result = run(spec, ResearchOptions(out=folder / "one", workers=1, progress=False), draw=draw_optimize)
    return spec, folder / "one", result


@pytest.mark.slow
def test_outputs_and_plan_runs(small_run, tmp_path):
    spec, out, result = small_run
    names = {p.name for p in out.iterdir()}
    assert {RANKED_FILE, TRIALS_FILE, PLAN_FILE, "result.json", "response.png", "pareto.png"} <= names
    plan = load_scenario(out / PLAN_FILE)
    assert plan.budget.total == 150000 and plan.population.size == 300
    assert plan.advertising.spend_per_day == result.winner.params["advertising.spend_per_day"]
    run = subprocess.run(
        [
            str(Path(sys.executable).parent / "wom"),
            "run",
            str(out / PLAN_FILE),
            "--out",
            str(tmp_path / "r"),
            "--quiet",
        ],
        capture_output=True,
        text=True,
    )
    assert run.returncode == 0, run.stderr


@pytest.mark.slow
def test_two_workers_give_identical_results(small_run, tmp_path):
    spec, out, _ = small_run
    run(spec, ResearchOptions(out=tmp_path / "two", workers=2, progress=False))
    assert _files(tmp_path / "two") == _files(out)


def test_resume_reruns_only_missing_candidates(small_run, tmp_path):
    spec, out, _ = small_run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    for number in (3, 4, 5):
        (copy / TRIALS_DIR / f"trial-{number:05d}.json").unlink()
    shutil.rmtree(copy / "checks")
    (copy / RANKED_FILE).unlink()
    result = run(spec, ResearchOptions(out=copy, workers=1, progress=False))
    assert (result.search.ran, result.search.replayed) == (3, 3)
    assert _files(copy) == _files(out)


def test_another_spec_needs_force(small_run, tmp_path):
    spec, out, _ = small_run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    other = tmp_path / "other.toml"
    other.write_text(SMALL.replace("seed = 5", "seed = 6"))
    (copy / "my-notes.txt").write_text("mine")  # a user's file in the folder
    (copy / "my-figures").mkdir()
    with pytest.raises(OptimizeSpecError, match="use --force"):
        run(other, ResearchOptions(out=copy, workers=1, progress=False))
    result = run(other, ResearchOptions(out=copy, workers=1, progress=False, force=True))
    assert result.search.replayed == 0
    assert (copy / "my-notes.txt").read_text() == "mine" and (copy / "my-figures").is_dir()  # --force keeps them
    assert not list(copy.glob(".wom-trash-*"))


def test_trials_replaced_by_a_symlink_are_refused(small_run, tmp_path):
    """An optimize folder whose trials/ is a link to another folder is refused before anything is read or
    written there (the link's target stays empty)."""
    spec, out, _ = small_run
    copy, elsewhere = tmp_path / "copy", tmp_path / "elsewhere"
    shutil.copytree(out, copy)
    elsewhere.mkdir()
    shutil.rmtree(copy / TRIALS_DIR)
    (copy / TRIALS_DIR).symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(OutputError, match="symlink"):
        run(spec, ResearchOptions(out=copy, workers=1, progress=False))
    assert list(elsewhere.iterdir()) == []


# --- bad input ---------------------------------------------------------------------------------------
GOOD_DECISION = '[decisions]\n"advertising.spend_per_day" = { low = 0, high = 1000 }\n'
GOOD_OBJECTIVE = "[objective]\nday = 10\nmaximize = { adopted_by_day = 1.0 }\n"


@pytest.mark.parametrize(
    "body, message",
    [
        (f'scenario = "{BASS}"\n{GOOD_DECISION}{GOOD_OBJECTIVE}', "name: Field required"),
        (
            f'name = "x"\nscenario = "{BASS}"\n{GOOD_DECISION}[objective]\nday = 10\nmaximize = {{ reach = 1.0 }}\n',
            "unknown metric 'reach'",
        ),
        (
            f'name = "x"\nscenario = "{BASS}"\n[decisions]\n"a.b" = {{ low = 2, high = 1 }}\n{GOOD_OBJECTIVE}',
            "low (2.0) must be < high (1.0)",
        ),
        (
            f'name = "x"\nscenario = "{BASS}"\n{GOOD_DECISION}{GOOD_OBJECTIVE}[search]\ntrials = 2\ntop = 3\n',
            "search.top (3) cannot exceed search.trials (2)",
        ),
        (
            f'name = "x"\nscenario = "{BASS}"\n{GOOD_DECISION}{GOOD_OBJECTIVE}[search]\ntrails = 2\n',
            "search.trails: unknown key",
        ),
        (
            f'name = "x"\nscenario = "{BASS}"\n[decisions]\n"budget.total" = [1, 2]\n{GOOD_OBJECTIVE}',
            "the budget is set in [budget]",
        ),
        (
            f'name = "x"\nscenario = "{BASS}"\n{GOOD_DECISION}[objective]\nday = 100\nmaximize = {{ fans_by_day = 1 }}\n',
            "is after the horizon of the baseline",
        ),
        (
            f'name = "x"\nscenario = "{BASS}"\n[decisions]\n"engine.max_conversion" = {{ low = 0.5, high = 2 }}\n'
            f"{GOOD_OBJECTIVE}",
            "decision engine.max_conversion",
        ),
    ],
)
def test_bad_spec_is_one_line_and_exit_2(tmp_path, body, message):
    path = tmp_path / "bad.toml"
    path.write_text(body)
    with pytest.raises(OptimizeSpecError) as info:
        load_problem(path)
    assert str(path) in str(info.value) and message in str(info.value)
    result = cli.invoke(app, ["optimize", str(path), "--out", str(tmp_path / "o"), "--quiet"])
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1 and message in result.output
    assert not (tmp_path / "o").exists()


def test_out_that_is_not_an_optimize_output_is_refused(tmp_path):
    spec = tmp_path / "s.toml"
    spec.write_text(SMALL)
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "keep.txt").write_text("mine")
    result = cli.invoke(app, ["optimize", str(spec), "--out", str(foreign), "--quiet", "--force"])
    assert result.exit_code == 2 and "not an optimize output" in result.output
    assert (foreign / "keep.txt").read_text() == "mine"


def test_spec_loads_the_shipped_example():
    spec = load_spec(ROOT / "experiments" / "optimize" / "new_phone.toml")
    assert spec.budget.total == 2_000_000 and spec.objective.day == 180


def test_report_shows_the_plan_against_the_baseline(small_run, tmp_path):
    from sim.viz.report import write_report

    _, out, result = small_run
    page = write_report([out], tmp_path / "report.html").read_text()
    assert "Optimized plans" in page and "Winning plan" in page and "baseline" in page
    assert page.count("data:image/png;base64") == 2  # response and Pareto charts
    assert f"advertising.spend_per_day</code> = {result.winner.params['advertising.spend_per_day']}" in page

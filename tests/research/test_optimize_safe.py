"""`wom optimize` on hostile input (issue 24): every refusal is one line naming the file or option, the
key and what is allowed (exit 2); results are never silently wrong (a base scenario's budget kept, a
never-day kept, no baseline passed off as the winner); damaged stored candidates run again."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sim.cli.optimize import register
from sim.config.scenario import load_scenario
from sim.research.optimize.method import CHECKS_DIR, PLAN_FILE, RESULT_FILE, TRIALS_FILE, run
from sim.research.optimize.search import load_problem
from sim.research.optimize.spec import OptimizeSpecError
from sim.research.optimize.storage import TRIALS_DIR, trial_file
from sim.research.options import ResearchOptions

ROOT = Path(__file__).resolve().parents[2]
BASS = ROOT / "scenarios" / "docking" / "bass.toml"
app = typer.Typer()
register(app)
app.command("unused")(lambda: None)  # two commands, so `optimize` is a subcommand
cli = CliRunner()

#: A tiny spec: 200 people, 4 days, a never-day among the choices; 3 candidates of 1 replicate.
TINY = f"""name = "tiny"
scenario = "{BASS}"
seed = 3
set = ["population.size=200", "run.days=4"]

[decisions]
"advertising.stop_day" = [2, inf]

[objective]
day = 4
maximize = {{ adopted_by_day = 1.0 }}

[search]
trials = 3
batch = 3
replicates = 1
top = 2
check_replicates = 2
"""


def _spec(folder: Path, text: str, name: str = "spec.toml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _refused(path: Path, message: str, *args: str) -> None:
    """The CLI refuses the spec with one line holding `message`, exit 2, and writes nothing."""
    out = path.parent / "out"
    result = cli.invoke(app, ["optimize", str(path), "--out", str(out), "--quiet", *args])
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1 and message in result.output, result.output
    assert not out.exists()


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    folder = tmp_path_factory.mktemp("tiny")
    spec = _spec(folder, TINY)
    result = run(spec, ResearchOptions(out=folder / "out", workers=1, progress=False))
    return spec, folder / "out", result


def _outputs(out: Path) -> dict[str, bytes]:
    return {name: (out / name).read_bytes() for name in (TRIALS_FILE, PLAN_FILE)}


# --- silent wrong answers ----------------------------------------------------------------------------
def test_base_scenario_budget_is_kept_when_the_spec_has_none(tmp_path):
    base = _spec(tmp_path, f'extends = "{BASS}"\n[budget]\ntotal = 1234\n', "base.toml")
    spec = _spec(tmp_path, TINY.replace(f'scenario = "{BASS}"', f'scenario = "{base.name}"'))
    problem = load_problem(spec)
    assert problem.budget.total == 1234
    assert problem.scenario({"advertising.stop_day": 2}).budget.total == 1234


def test_a_never_day_choice_runs_resumes_and_is_written_as_inf(tiny_run, tmp_path):
    spec, out, result = tiny_run
    assert {t["params"]["advertising.stop_day"] for t in result.search.trials} <= {2, float("inf")}
    stored = json.loads(trial_file(out, 0).read_text())
    assert stored["params"]["advertising.stop_day"] in (2, "inf")
    assert json.loads((out / RESULT_FILE).read_text())["budget"]["total"] == "inf"
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    (copy / PLAN_FILE).unlink()
    again = run(spec, ResearchOptions(out=copy, workers=1, progress=False))
    assert (again.search.ran, again.search.replayed) == (0, 3)
    assert _outputs(copy) == _outputs(out)


def test_plan_names_a_shipped_base_by_name_so_a_copy_runs(tiny_run, tmp_path):
    _, out, result = tiny_run
    text = (out / PLAN_FILE).read_text()
    assert 'extends = "docking/bass"' in text
    moved = tmp_path / "elsewhere" / "plan.toml"
    moved.parent.mkdir()
    shutil.copy(out / PLAN_FILE, moved)
    assert load_scenario(moved).advertising.stop_day == result.winner.params["advertising.stop_day"]


def test_when_every_candidate_fails_no_plan_is_reported(tmp_path):
    # each value is valid alone (the base has 30 days of dt 0.05), but no pair is a whole number of steps
    text = (
        TINY.replace('"advertising.stop_day" = [2, inf]', '"run.days" = [3, 5]\n"run.dt" = [2, 0.4]')
        .replace("day = 4", "day = 2")
        .replace(', "run.days=4"]', "]")
    )
    spec = _spec(tmp_path, text)
    with pytest.raises(OptimizeSpecError, match="no candidate plan could be scored; 3 of 3 candidates are infeasible"):
        run(spec, ResearchOptions(out=tmp_path / "o", workers=1, progress=False))
    result = cli.invoke(app, ["optimize", str(spec), "--out", str(tmp_path / "o2"), "--quiet"])
    assert result.exit_code == 2 and len(result.output.strip().splitlines()) == 1, result.output
    assert not (tmp_path / "o2" / PLAN_FILE).exists()


# --- damaged stored candidates -----------------------------------------------------------------------
@pytest.mark.parametrize(
    "damage",
    [
        [1, 2],
        {"number": 0},
        {"number": 7, "params": {"advertising.stop_day": 2}, "objectives": [0.5], "replicates": []},
        {"number": 0, "params": {"advertising.stop_day": 3}, "objectives": [0.5], "replicates": [{}]},
        {"number": 0, "params": {"advertising.stop_day": 2}, "objectives": ["x"], "replicates": [{}]},
        {"number": 0, "params": {"advertising.stop_day": 2}, "objectives": [0.5], "replicates": [{"a": "b"}]},
    ],
    ids=["list", "keys", "number", "not-a-choice", "objective", "replicate"],
)
def test_a_damaged_stored_candidate_runs_again(tiny_run, tmp_path, damage):
    spec, out, _ = tiny_run
    copy = tmp_path / "copy"
    shutil.copytree(out, copy)
    trial_file(copy, 0).write_text(json.dumps(damage))
    for check in (copy / CHECKS_DIR).iterdir():
        check.write_text(json.dumps(damage))
    again = run(spec, ResearchOptions(out=copy, workers=1, progress=False))
    assert (again.search.ran, again.search.replayed) == (1, 2)
    assert _outputs(copy) == _outputs(out)
    assert (copy / TRIALS_DIR).is_dir()


# --- refusals ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "old, new, message",
    [
        ("adopted_by_day = 1.0", "adopted_by_day = nan", "objective.maximize: adopted_by_day: weight must be a finite"),
        ("adopted_by_day = 1.0", "adopted_by_day = inf", "weight must be a finite number > 0 (got inf)"),
        ("day = 4", "day = 0.01", "objective.day (0.01) is shorter than one step of the baseline"),
        ("day = 4", "day = 3.51", "objective.day (3.51) is not a whole number of steps of the baseline"),
        ('"advertising.stop_day" = [2, inf]', '"run.seed" = [1, 2]', '"run.seed": cannot be decided'),
        ('"advertising.stop_day" = [2, inf]', '"advertising.stop_day" = [2, nan]', "nan is not a choice"),
        ('"run.days=4"]', '"run.days=4", "run.replicates=3"]', '"run.replicates" cannot be fixed'),
        (f'scenario = "{BASS}"', 'scenario = "bas"', "did you mean 'bass'"),
        (
            '"advertising.stop_day" = [2, inf]',
            '"seed_users.count" = { low = 1.2, high = 1.8, integer = true }',
            "integer = true needs a whole number in [1.2, 1.8]",
        ),
    ],
)
def test_bad_spec_is_refused_in_one_line(tmp_path, old, new, message):
    assert old in TINY
    _refused(_spec(tmp_path, TINY.replace(old, new)), message)


def test_a_decision_that_ends_a_run_before_the_objective_day_is_refused(tmp_path):
    text = TINY.replace(', "run.days=4"]', "]").replace('"advertising.stop_day" = [2, inf]', '"run.days" = [2, 4]')
    _refused(_spec(tmp_path, text), "objective.day (4) is after the horizon of decision run.days (run.days=2)")


def test_a_shipped_scenario_name_is_a_base(tmp_path):
    problem = load_problem(_spec(tmp_path, TINY.replace(f'scenario = "{BASS}"', 'scenario = "bass"')))
    assert problem.base_path.resolve() == BASS.resolve()


# --- trying a spec small ------------------------------------------------------------------------------
def test_set_and_trials_try_a_spec_small(tmp_path):
    spec = _spec(tmp_path, TINY.replace('set = ["population.size=200", "run.days=4"]', 'set = ["run.days=4"]'))
    out = tmp_path / "out"
    args = ["optimize", str(spec), "--out", str(out), "--quiet", "--trials", "1", "--set", "population.size=150"]
    result = cli.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert (out / TRIALS_FILE).read_text().count("\n") == 2  # header and one candidate
    assert load_scenario(out / PLAN_FILE).population.size == 150


@pytest.mark.parametrize(
    "args, message",
    [
        (["--trials", "0"], "with --set/--trials: invalid optimize spec; search.trials"),
        (["--set", "run.seed=4"], '"run.seed" cannot be fixed'),
        (["--set", "budget.total=5"], "the budget is set in [budget]"),
        (["--set", "engine.nosuch=1"], "engine.nosuch"),
    ],
)
def test_bad_set_or_trials_is_refused_in_one_line(tmp_path, args, message):
    _refused(_spec(tmp_path, TINY), message, *args)

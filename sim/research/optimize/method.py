"""Honest answers of `wom optimize`: the best plans re-evaluated on fresh seeds, ranked, and written.

The search picks its best plans from noisy means, so their search means are biased upwards (the
winner's curse). The `search.top` best (one objective: by search mean; two: spread along the Pareto
front of outcome against money) and the baseline (the base scenario with the spec's budget) are
re-run on `search.check_replicates` replicates whose seeds the search never used, and ranked by those.
Intervals are 90% intervals of the mean over the fresh replicates (Student's t), the same seeds for
every plan. Outputs: ranked.csv, trials.csv, plan.toml (the winner, runnable with `wom run`),
result.json; charts are drawn by the caller (sim.viz.optimize_charts).
"""

from __future__ import annotations

import json
import math
import sys
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from scipy import stats

from sim.config.scenario import parse_override
from sim.config.shipped import shipped_folder
from sim.config.toml import toml_key, toml_value
from sim.research.optimize.search import EvalTask, Problem, SearchResult, evaluate, replicate_seed
from sim.research.optimize.spec import OptimizeSpecError
from sim.research.optimize.storage import encode_params, is_metrics, store
from sim.research.options import ResearchOptions
from sim.run.executor import open_executor, run_tasks
from sim.run.io import write_text
from sim.run.metrics import OBJECTIVES

#: Coverage of the intervals of re-evaluated plans.
INTERVAL_LEVEL = 0.90
#: Folder of the stored re-evaluations (one JSON file per plan), so a restart does not run them again.
CHECKS_DIR = "checks"
RANKED_FILE = "ranked.csv"
TRIALS_FILE = "trials.csv"
PLAN_FILE = "plan.toml"
RESULT_FILE = "result.json"
#: Fewest completed candidates for decision importance (PED-ANOVA compares the best 10% with all).
MIN_IMPORTANCE_TRIALS = 10
#: Label of the baseline in tables.
BASELINE = "baseline"


@dataclass
class Checked:
    """One re-evaluated plan: its label, decisions, fresh replicate metrics and their summary."""

    label: str
    params: dict[str, Any]
    search_objectives: list[float]
    replicates: list[dict[str, float]]
    summary: dict[str, float] = field(default_factory=dict)


def mean_interval(values: list[float], level: float = INTERVAL_LEVEL) -> tuple[float, float, float]:
    """Mean and `level` interval of the mean (Student's t) of the finite values; NaNs if fewer than 2."""
    x = np.array([v for v in values if math.isfinite(v)], dtype=float)
    if len(x) < 2:
        m = float(x.mean()) if len(x) else math.nan
        return m, math.nan, math.nan
    half = stats.t.ppf((1 + level) / 2, len(x) - 1) * x.std(ddof=1) / math.sqrt(len(x))
    return float(x.mean()), float(x.mean() - half), float(x.mean() + half)


def choose_top(result: SearchResult) -> list[dict]:
    """The candidates to re-evaluate: best search means (one objective) or spread along the Pareto front."""
    spec = result.problem.spec
    done = [t for t in result.trials if all(math.isfinite(v) for v in t["objectives"])]
    unique: dict[str, dict] = {}
    for t in sorted(done, key=lambda t: (-t["objectives"][0], t["number"])):
        unique.setdefault(json.dumps(t["params"], sort_keys=True), t)
    ranked = list(unique.values())
    if not spec.two_objectives:
        return ranked[: spec.search.top]
    front = pareto_front(ranked)
    front.sort(key=lambda t: t["objectives"][1])
    if len(front) <= spec.search.top:
        return front
    picks = np.unique(np.round(np.linspace(0, len(front) - 1, spec.search.top)).astype(int))
    return [front[i] for i in picks]


def pareto_front(trials: list[dict]) -> list[dict]:
    """Candidates no other beats on both outcome (higher) and money (lower)."""
    front = []
    for t in trials:
        out, money = t["objectives"]
        if not any(
            (o["objectives"][0] >= out and o["objectives"][1] <= money)
            and (o["objectives"][0] > out or o["objectives"][1] < money)
            for o in trials
        ):
            front.append(t)
    return front


def recheck(result: SearchResult, out: Path, executor_args: dict, progress: bool = True) -> list[Checked]:
    """Re-evaluate the chosen plans and the baseline on fresh seeds; ranked best first (baseline last)."""
    from tqdm import tqdm

    problem, spec = result.problem, result.problem.spec
    first = spec.search.replicates  # fresh replicates: indices the search never used
    seeds = [replicate_seed(spec, first + i) for i in range(spec.search.check_replicates)]
    top = choose_top(result)
    if not top:
        raise OptimizeSpecError(f"{problem.path}: no candidate plan could be scored; {_failure(result)}")
    plans = [(f"trial {t['number']}", t["params"], t["objectives"]) for t in top]
    plans.append((BASELINE, {}, []))
    checked, tasks = [], []
    for label, params, objectives in plans:
        reps = _stored_check(out / CHECKS_DIR / f"{_slug(label)}.json", params, len(seeds), spec.brand_objectives)
        if reps is not None:
            checked.append(Checked(label, params, objectives, reps))
            continue
        checked.append(Checked(label, params, objectives, [{} for _ in seeds]))
        sc = problem.scenario(params, label)
        tasks += [EvalTask(label, i, sc, s, spec.objective.day, spec.brand_objectives) for i, s in enumerate(seeds)]
    bar = tqdm(total=len(tasks), unit="run", desc=f"{spec.name}: re-evaluate", file=sys.stderr, disable=not progress)
    by_label = {c.label: c for c in checked}
    left = {c.label: sum(1 for t in tasks if t.label == c.label) for c in checked}

    def on_result(task: EvalTask, values: dict | str) -> None:
        if isinstance(values, str):  # the baseline itself cannot run
            raise OptimizeSpecError(f"{spec.name}: {task.label} cannot run: {values}")
        plan = by_label[task.label]
        plan.replicates[task.replicate] = values
        left[task.label] -= 1
        bar.update()
        if left[task.label] == 0:
            store(
                out / CHECKS_DIR / f"{_slug(task.label)}.json", {"params": plan.params, "replicates": plan.replicates}
            )

    try:
        if tasks:
            (out / CHECKS_DIR).mkdir(exist_ok=True)
            with open_executor(**executor_args, tasks=len(tasks)) as executor:
                run_tasks(executor, evaluate, tasks, on_result)
    finally:
        bar.close()
    for plan in checked:
        plan.summary = summarize_plan(problem, plan.replicates)
    plans_only = sorted(checked[:-1], key=lambda c: (-_or_inf(c.summary["score_mean"]), c.label))
    return [*plans_only, checked[-1]]


def _or_inf(value: float) -> float:
    """NaN ranks last."""
    return value if math.isfinite(value) else -math.inf


def _slug(label: str) -> str:
    return label.replace(" ", "-")


def _failure(result: SearchResult) -> str:
    """Why the search found no plan: the first infeasible candidate's reason, else no finite score."""
    reasons = [t["infeasible"] for t in result.trials if t.get("infeasible")]
    if reasons:
        return f"{len(reasons)} of {len(result.trials)} candidates are infeasible, the first: {reasons[0]}"
    return "every candidate's objective is NaN (the metrics are undefined on objective.day)"


def _stored_check(
    path: Path, params: dict[str, Any], count: int, extra: tuple[str, ...] = ()
) -> list[dict[str, float]] | None:
    """The stored fresh replicates of a plan, or None (then it runs again) if absent, unreadable, of other
    decisions or not `count` replicates of every stored metric (and of the `extra` per-brand objectives)."""
    try:
        stored = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(stored, dict) or stored.get("params") != encode_params(params):
        return None
    reps = stored.get("replicates")
    if not isinstance(reps, list) or len(reps) != count or not all(is_metrics(r, extra) for r in reps):
        return None
    return [{k: math.nan if v is None else float(v) for k, v in r.items()} for r in reps]


def summarize_plan(problem: Problem, replicates: list[dict[str, float]]) -> dict[str, float]:
    """Mean and 90% interval of the score and of every objective metric; when money ran out (mean day,
    share of replicates)."""
    out: dict[str, float] = {}
    columns = {"score": [problem.score(r) for r in replicates]}
    columns |= {name: [r[name] for r in replicates] for name in (*OBJECTIVES, *problem.spec.brand_objectives)}
    for name, values in columns.items():
        out[f"{name}_mean"], out[f"{name}_lo"], out[f"{name}_hi"] = mean_interval(values)
    days = [r["out_of_money_day"] for r in replicates]
    finite = [d for d in days if math.isfinite(d)]
    out["out_of_money_share"] = len(finite) / len(days)
    out["out_of_money_day_mean"] = float(np.mean(finite)) if finite else math.nan
    return out


# --- outputs ------------------------------------------------------------------------------------------
def ranked_table(problem: Problem, checked: list[Checked]) -> pd.DataFrame:
    """One row per re-evaluated plan (rank 1 = best on fresh seeds; the baseline unranked, last)."""
    rows = []
    for i, plan in enumerate(checked):
        row = {"rank": i + 1 if plan.label != BASELINE else None, "plan": plan.label}
        row |= {k: plan.params.get(k) for k in problem.spec.decisions}
        row["search_score"] = plan.search_objectives[0] if plan.search_objectives else math.nan
        row |= plan.summary
        rows.append(row)
    table = pd.DataFrame(rows)
    table["rank"] = table["rank"].astype("Int64")
    return table


def trials_table(result: SearchResult) -> pd.DataFrame:
    """Every candidate of the search: its decisions and search objective values."""
    rows = []
    for t in result.trials:
        row = {"trial": t["number"], **t["params"], "score": t["objectives"][0]}
        if result.problem.spec.two_objectives:
            row["money"] = t["objectives"][1]
        row["infeasible"] = t.get("infeasible", "")
        rows.append(row)
    return pd.DataFrame(rows)


def plan_toml(problem: Problem, winner: Checked) -> str:
    """The winning plan as a scenario file: `extends` the base scenario, then the fixed overrides, the
    decisions and the budget as dotted keys (`wom run` accepts it)."""
    s = winner.summary
    base = _extends(problem.base_path)
    lines = [
        f"# Winning plan of the optimize spec {problem.spec.name!r} ({problem.path.name}).",
        f"# Re-evaluated on {problem.spec.search.check_replicates} fresh replicates: objective score "
        f"{s['score_mean']:.4g} (90% interval {s['score_lo']:.4g} .. {s['score_hi']:.4g}).",
        f"extends = {toml_value(base)}",
        f"name = {toml_value(problem.spec.name + '-plan')}",
        f"description = {toml_value('Best plan found by wom optimize for ' + problem.spec.name)}",
    ]
    for item in problem.spec.set:
        key, value = parse_override(item)
        lines.append(f"{_dotted(key)} = {toml_value(value)}")
    lines += [f"{_dotted(k)} = {toml_value(v)}" for k, v in winner.params.items()]
    lines += [f"budget.{k} = {toml_value(v)}" for k, v in problem.budget.model_dump().items()]
    return "\n".join(lines) + "\n"


def _extends(base_path: Path) -> str:
    """How plan.toml names its base scenario so that a copied plan still runs: a shipped scenario by its
    name (below scenarios/, without .toml), any other by its absolute path."""
    base = base_path.resolve()
    shipped = shipped_folder("scenarios").resolve()
    if base.is_relative_to(shipped):
        return base.relative_to(shipped).with_suffix("").as_posix()
    return str(base)


def _dotted(key: str) -> str:
    return ".".join(toml_key(p) for p in key.split("."))


def importance(result: SearchResult) -> dict[str, float]:
    """Importance of each decision for the (first) objective over the search's candidates: Optuna's
    PED-ANOVA (how differently a decision is distributed among the best 10% of candidates than among all;
    made for the few hundred trials of a search, and it needs no scikit-learn as fANOVA does). Empty when
    it cannot be computed (too few completed candidates)."""
    import optuna

    study = result.study
    complete = [t for t in study.trials if t.state == optuna.trial.TrialState.COMPLETE]
    if len(complete) < MIN_IMPORTANCE_TRIALS:
        return {}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        evaluator = optuna.importance.PedAnovaImportanceEvaluator()
        try:
            found = optuna.importance.get_param_importances(
                study, evaluator=evaluator, target=lambda t: t.values[0], normalize=True
            )
        except (ValueError, RuntimeError, ZeroDivisionError):
            return {}
    return {k: float(v) for k, v in found.items() if math.isfinite(v)}


@dataclass
class OptimizeResult:
    """What `wom optimize` produced: the ranked plans, the candidates, decision importance, the files."""

    problem: Problem
    search: SearchResult
    checked: list[Checked]
    ranked: pd.DataFrame
    trials: pd.DataFrame
    importance: dict[str, float]
    out: Path
    files: list[Path] = field(default_factory=list)

    @property
    def winner(self) -> Checked:
        return self.checked[0]

    @property
    def baseline(self) -> Checked:
        return self.checked[-1]


def write_outputs(result: OptimizeResult, draw: Callable[[OptimizeResult, Path], list[Path]] | None) -> list[Path]:
    """ranked.csv, trials.csv, plan.toml, result.json and the charts (`draw`) into the output folder."""
    out = result.out
    files = [out / RANKED_FILE, out / TRIALS_FILE, out / PLAN_FILE, out / RESULT_FILE]
    write_text(files[0], result.ranked.to_csv(index=False), force=True)
    write_text(files[1], result.trials.to_csv(index=False), force=True)
    write_text(files[2], plan_toml(result.problem, result.winner), force=True)
    summary = {
        "spec": result.problem.spec.name,
        "objective": result.problem.spec.objective.model_dump(),
        "budget": encode_params(result.problem.budget.model_dump()),
        "sampler": "NSGA-II" if result.problem.spec.two_objectives else "TPE",
        "candidates": len(result.search.trials),
        "importance": result.importance,
        "plans": [{"plan": c.label, "params": encode_params(c.params), **c.summary} for c in result.checked],
    }
    store(files[3], summary)
    if draw is not None:
        files += draw(result, out)
    result.files = files
    return files


def run(
    spec_path: str | Path,
    options: ResearchOptions | None = None,
    *,
    draw: Callable[[OptimizeResult, Path], list[Path]] | None = None,
    overrides: Sequence[str] = (),
    trials: int | None = None,
) -> OptimizeResult:
    """Search (or resume), re-evaluate the best plans on fresh seeds, write the outputs into
    `options.out` (default results/<spec name>; `options.force` starts over in a folder of another
    spec) with the charts `draw` adds, on `options.workers` processes or `options.scheduler`; `overrides`
    and `trials` adjust the spec as `--set` and `--trials` do (sim.research.optimize.search.load_problem)."""
    from sim.research.optimize.search import load_problem, run_search
    from sim.research.optimize.storage import default_out_dir, prepare_out

    options = options or ResearchOptions()
    progress = options.progress
    problem = load_problem(spec_path, overrides, trials)
    out = Path(options.out) if options.out is not None else default_out_dir(problem.spec)
    prepare_out(out, problem.spec, problem.base_data, options.force)
    executor_args = {"workers": options.workers, "scheduler": options.scheduler}
    search = run_search(problem, out, executor_args, progress)
    checked = recheck(search, out, executor_args, progress)
    result = OptimizeResult(
        problem, search, checked, ranked_table(problem, checked), trials_table(search), importance(search), out
    )
    write_outputs(result, draw)
    return result


def format_ranked(result: OptimizeResult) -> str:
    """The ranked table as printed: each plan's decisions, fresh score with its 90% interval, spend."""
    spec = result.problem.spec
    lines = [
        f"{spec.name}: {len(result.search.trials)} candidates ({result.search.ran} run, {result.search.replayed} "
        f"resumed), best {len(result.checked) - 1} re-evaluated on {spec.search.check_replicates} fresh replicates",
        f"  objective: maximize {' + '.join(f'{w:g} x {m}' for m, w in spec.objective.maximize.items())} "
        f"on day {spec.objective.day:g}" + (f"; minimize {spec.objective.money}" if spec.objective.money else ""),
    ]
    for plan in result.checked:
        s = plan.summary
        rank = "base" if plan.label == BASELINE else f"#{result.checked.index(plan) + 1}"
        search = f"search {plan.search_objectives[0]:.4g}, " if plan.search_objectives else ""
        ran_out = (
            f", out of money on day {s['out_of_money_day_mean']:.0f} in {s['out_of_money_share']:.0%} of runs"
            if s["out_of_money_share"] > 0
            else ""
        )
        lines.append(
            f"  {rank:>4} {plan.label:<10} score {s['score_mean']:.4g} [{s['score_lo']:.4g}, {s['score_hi']:.4g}] "
            f"({search}spend {s['spend_by_day_mean']:,.0f}{ran_out})"
        )
        if plan.params:
            lines.append("         " + ", ".join(f"{k}={_short(v)}" for k, v in plan.params.items()))
    return "\n".join(lines)


def _short(value: Any) -> str:
    return f"{value:.4g}" if isinstance(value, float) else str(value)

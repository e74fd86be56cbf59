"""`wom optimize`: search the plans of an optimize spec for the best outcome within a budget.

The search asks Optuna for a fixed batch of candidate plans (`search.batch`), evaluates every
candidate on the same `search.replicates` seeds (common random numbers: differences between plans are
not differences of luck), and tells the optimiser the results in trial order. The sampler is seeded, so
the candidates, and so every result, are the same whatever the number of workers or a Dask cluster
(sim.run.executor). One objective uses TPE (a model of good and bad regions that copes with mixed
continuous, integer and on/off decisions and with noise, and needs no gradient); two objectives
(outcome and money) use NSGA-II, whose non-dominated sorting keeps a whole Pareto front.

Each evaluated candidate is stored at once (one JSON file, written atomically) in the output folder. A
restart with the same spec replays the stored candidates into a fresh study (asking in the same order,
telling the stored values), so the optimiser ends in the same state as an uninterrupted search and only
the missing candidates run. The best plans are then re-evaluated on fresh seeds (sim.research.optimize.method).
"""

from __future__ import annotations

import math
import sys
import warnings
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from sim.config.budget import BudgetConfig
from sim.config.errors import InputError
from sim.config.run import whole_steps
from sim.config.scenario import read_scenario_dict, scenario_from_dict
from sim.config.schema import Scenario
from sim.config.shipped import scenario_beside
from sim.config.toml import toml_value
from sim.model import streams
from sim.research.optimize.spec import DecisionRange, OptimizeSpec, OptimizeSpecError, format_spec_error, load_spec
from sim.research.optimize.storage import encode_params, read_trial, reloaded, store, trial_file
from sim.run.brand_metrics import split_brand_metric
from sim.run.executor import open_executor, run_tasks
from sim.run.metrics import METRICS, metrics_on_day
from sim.run.runner import run_replicate
from sim.run.series_metrics import out_of_money_day


@dataclass(frozen=True)
class EvalTask:
    """One replicate of one plan: the plan's label, the replicate index and its seed stream."""

    label: str
    replicate: int
    scenario: Scenario
    seed: np.random.SeedSequence
    day: float
    brands: tuple[str, ...] = ()  # the objective's per-brand metrics (`share_by_day_a`, ...)


def evaluate(task: EvalTask) -> dict[str, float] | str:
    """Run one replicate (a module-level function, so it pickles): the objective metrics on the day, and
    the day money ran out (NaN if never); or, for a plan the model cannot build (e.g. more community seed
    users than the community has), the one-line reason as a string: such a plan is infeasible."""
    try:
        frame = run_replicate(task.scenario, task.seed, task.replicate)
    except InputError as exc:
        return str(exc)
    values = metrics_on_day(frame, task.scenario.population.size, task.day, task.brands)
    values["out_of_money_day"] = out_of_money_day(frame)
    return values


@dataclass
class Problem:
    """A loaded optimize spec: the spec, where it is, its base scenario table and baseline scenario."""

    spec: OptimizeSpec
    path: Path
    base_path: Path
    base_data: dict
    baseline: Scenario

    @property
    def budget(self) -> BudgetConfig:
        """The money every plan may spend: the spec's [budget], else the base scenario's (with the fixed
        overrides), so a base scenario's budget is never dropped."""
        return self.spec.budget if self.spec.budget is not None else self.baseline.budget

    def overrides(self, params: dict[str, Any]) -> list[str]:
        """The `--set` items of a plan: fixed overrides, the decisions' values, the spec's budget if any."""
        budget = self.spec.budget.model_dump().items() if self.spec.budget is not None else ()
        return [
            *self.spec.set,
            *(f"{k}={toml_value(v)}" for k, v in params.items()),
            *(f"budget.{k}={toml_value(v)}" for k, v in budget),
        ]

    def scenario(self, params: dict[str, Any], label: str = "plan") -> Scenario:
        """The scenario of a plan; an invalid combination, or a run that cannot be scored on the objective's
        day (the run ends before it, or the day is shorter than one step), is one OptimizeSpecError naming
        the plan."""
        shown = ", ".join(f"{k}={v!r}" for k, v in params.items())
        try:
            sc = scenario_from_dict(self.base_data, self.overrides(params), source=str(self.base_path))
        except InputError as exc:
            reason = " ".join(str(exc).split("\n")[1:]).strip() or str(exc)
            raise OptimizeSpecError(f"{self.path}: {label} ({shown}) is not a valid scenario: {reason}") from None
        day = self.spec.objective.day
        if day > sc.run.days:
            raise OptimizeSpecError(
                f"{self.path}: objective.day ({day:g}) is after the horizon of {label} ({shown}) "
                f"(run.days = {sc.run.days:g}); allowed: a day within every plan's run"
            )
        if day < sc.run.dt:
            raise OptimizeSpecError(
                f"{self.path}: objective.day ({day:g}) is shorter than one step of {label} ({shown}) "
                f"(run.dt = {sc.run.dt:g}); allowed: a day of at least one step"
            )
        if not whole_steps(day, sc.run.dt):
            steps = day / sc.run.dt
            raise OptimizeSpecError(
                f"{self.path}: objective.day ({day:g}) is not a whole number of steps of {label} ({shown}) "
                f"(run.dt = {sc.run.dt:g}); allowed: a multiple of run.dt, e.g. {math.floor(steps) * sc.run.dt:g} "
                f"or {math.ceil(steps) * sc.run.dt:g} (a run records the end of each step only)"
            )
        return sc

    def score(self, values: dict[str, float]) -> float:
        """The weighted mix of one replicate's metrics (lower-is-better metrics negated): maximised."""
        total = 0.0
        for name, weight in self.spec.objective.maximize.items():
            sign = -1.0 if name in METRICS and METRICS[name].lower_is_better else 1.0  # a brand's: higher
            total += sign * weight * values[name]
        return total

    def objectives(self, replicates: list[dict[str, float]]) -> list[float]:
        """The values told to the optimiser: mean score (and mean money) over the replicates (NaN-ignoring;
        NaN for an infeasible plan, which the optimiser is told failed)."""
        if not replicates:
            return [math.nan] * (2 if self.spec.two_objectives else 1)
        out = [_nanmean([self.score(v) for v in replicates])]
        if self.spec.objective.money is not None:
            out.append(_nanmean([v[self.spec.objective.money] for v in replicates]))
        return out


def _nanmean(values: list[float]) -> float:
    """Mean of the finite values (NaN if none)."""
    finite = [v for v in values if math.isfinite(v)]
    return float(np.mean(finite)) if finite else math.nan


def load_problem(spec_path: str | Path, overrides: Sequence[str] = (), trials: int | None = None) -> Problem:
    """Read the spec and its base scenario; check the baseline plan and the objective's day before any run.

    `overrides` (KEY=VALUE, as `--set`) are appended to the spec's fixed overrides and `trials` replaces
    search.trials (and lowers search.top to it), to try a spec small; both are validated as the spec is."""
    spec_path = Path(spec_path)
    spec = load_spec(spec_path)
    if overrides or trials is not None:
        spec = _adjusted(spec, spec_path, list(overrides), trials)
    try:
        base_path = scenario_beside(spec_path.resolve().parent, spec.scenario)
        base_data = read_scenario_dict(base_path)
    except InputError as exc:
        raise OptimizeSpecError(f"{spec_path}: scenario: {exc}") from None
    problem = Problem(spec, spec_path, base_path, base_data, None)  # type: ignore[arg-type]
    problem.baseline = problem.scenario({}, "the baseline")
    check_brand_objectives(problem)
    for key, choice in spec.decisions.items():  # every end of every decision must give a valid scenario
        for value in choice.ends if isinstance(choice, DecisionRange) else choice:
            problem.scenario({key: value}, f"decision {key}")
    return problem


def check_brand_objectives(problem: Problem) -> None:
    """Each per-brand objective names a brand of the base scenario's market of two brands or more."""
    brands = list(problem.baseline.brands)
    for name in problem.spec.brand_objectives:
        template, brand = split_brand_metric(name)
        if brand not in brands or len(brands) < 2:
            have = f"allowed: {', '.join(brands)}" if len(brands) > 1 else "the base scenario is not a market of brands"
            raise OptimizeSpecError(
                f"{problem.path}: objective.maximize.{name}: unknown brand {brand!r} ({have}); "
                f"a brand's objective is {template}_<brand>"
            )


def _adjusted(spec: OptimizeSpec, spec_path: Path, overrides: list[str], trials: int | None) -> OptimizeSpec:
    """The spec with command-line overrides and trials, validated as a spec file is (one OptimizeSpecError)."""
    data = spec.model_dump()
    data["set"] = [*spec.set, *overrides]
    if trials is not None:
        data["search"] |= {"trials": trials, "top": min(spec.search.top, trials) if trials > 0 else spec.search.top}
    try:
        return OptimizeSpec.model_validate(data)
    except ValidationError as exc:
        raise OptimizeSpecError(format_spec_error(exc, f"{spec_path} with --set/--trials")) from None


def replicate_seed(spec: OptimizeSpec, replicate: int) -> np.random.SeedSequence:
    """Seed stream of replicate r: the same for every plan (common random numbers). The search uses
    r < search.replicates; re-evaluation uses the next ones, never seen by the search."""
    return streams.replicate_seed(spec.seed, replicate)


def distributions(spec: OptimizeSpec) -> dict[str, Any]:
    """Optuna distributions of the decisions, in file order."""
    from optuna.distributions import CategoricalDistribution, FloatDistribution, IntDistribution

    out: dict[str, Any] = {}
    for key, choice in spec.decisions.items():
        if isinstance(choice, DecisionRange):
            if choice.integer:
                out[key] = IntDistribution(*choice.ends, log=choice.log)
            else:
                out[key] = FloatDistribution(choice.low, choice.high, log=choice.log)
        else:
            out[key] = CategoricalDistribution(choice)
    return out


def make_study(spec: OptimizeSpec):
    """A fresh in-memory study with a seeded sampler: TPE for one objective, NSGA-II for two."""
    import optuna

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", optuna.exceptions.ExperimentalWarning)
        if spec.two_objectives:
            sampler = optuna.samplers.NSGAIISampler(population_size=max(spec.search.batch, 2), seed=spec.seed)
            directions = ["maximize", "minimize"]
        else:
            sampler = optuna.samplers.TPESampler(seed=spec.seed, multivariate=True, constant_liar=True)
            directions = ["maximize"]
    return optuna.create_study(directions=directions, sampler=sampler)


# --- the search -------------------------------------------------------------------------------------
@dataclass
class SearchResult:
    """The finished search: every candidate (number, params, objective values, replicate metrics)."""

    problem: Problem
    study: Any
    trials: list[dict] = field(default_factory=list)
    ran: int = 0
    replayed: int = 0


def run_search(
    problem: Problem,
    out: Path,
    executor_args: dict,
    progress: bool = True,
) -> SearchResult:
    """Ask, evaluate (or replay) and tell every batch of candidates; store each as it finishes."""
    import optuna
    from tqdm import tqdm

    spec = problem.spec
    dists = distributions(spec)
    study = make_study(spec)
    result = SearchResult(problem, study)
    seeds = [replicate_seed(spec, r) for r in range(spec.search.replicates)]
    bar = tqdm(
        total=spec.search.trials * spec.search.replicates,
        unit="run",
        desc=f"{spec.name}: search",
        file=sys.stderr,
        disable=not progress,
        dynamic_ncols=True,
    )
    try:
        with open_executor(**executor_args) as executor:
            for start in range(0, spec.search.trials, spec.search.batch):
                batch = [study.ask(dists) for _ in range(min(spec.search.batch, spec.search.trials - start))]
                records = _evaluate_batch(problem, out, batch, seeds, executor, bar, result)
                for trial, record in zip(batch, records):
                    values = record["objectives"]
                    if any(v is None or not math.isfinite(v) for v in values):
                        study.tell(trial, state=optuna.trial.TrialState.FAIL)
                    else:
                        study.tell(trial, values)
                    result.trials.append(record)
    finally:
        bar.close()
    return result


def _evaluate_batch(problem, out, batch, seeds, executor, bar, result) -> list[dict]:
    """The records of a batch of asked trials: stored ones replayed, the others run and stored."""
    records: dict[int, dict] = {}
    tasks: list[EvalTask] = []
    for trial in batch:
        stored = read_trial(problem.spec, out, trial.number)
        if stored is not None:
            if encode_params(stored["params"]) != encode_params(trial.params):
                raise OptimizeSpecError(
                    f"{trial_file(out, trial.number)}: stored candidate {trial.number} holds other decisions than "
                    "the optimiser asks for now (the file was edited, or another version of the code or optimiser "
                    "wrote it); use --force to start over"
                )
            records[trial.number] = stored
            result.replayed += 1
            bar.update(len(seeds))
            continue
        try:
            sc = problem.scenario(trial.params, f"candidate {trial.number}")
        except OptimizeSpecError as exc:  # an infeasible combination of decisions: the optimiser learns it
            records[trial.number] = _infeasible(problem, trial.number, trial.params, str(exc))
            store(trial_file(out, trial.number), records[trial.number])
            bar.update(len(seeds))
            continue
        day, brands = problem.spec.objective.day, problem.spec.brand_objectives
        tasks += [EvalTask(str(trial.number), r, sc, s, day, brands) for r, s in enumerate(seeds)]
    if tasks:
        done: dict[str, dict[int, dict]] = {}
        params = {t.number: t.params for t in batch}

        def on_result(task: EvalTask, values: dict | str) -> None:
            mine = done.setdefault(task.label, {})
            mine[task.replicate] = values
            bar.update()
            if len(mine) == len(seeds):  # this candidate is complete: store it now
                number = int(task.label)
                reps = [mine[r] for r in range(len(seeds))]
                errors = [r for r in reps if isinstance(r, str)]
                if errors:
                    record = _infeasible(problem, number, params[number], errors[0])
                else:
                    record = {
                        "number": number,
                        "params": params[number],
                        "objectives": problem.objectives(reps),
                        "replicates": reps,
                    }
                store(trial_file(out, number), record)
                records[number] = reloaded(record)

        run_tasks(executor, evaluate, tasks, on_result)
        result.ran += len({t.label for t in tasks})
    return [records[t.number] for t in batch]


def _infeasible(problem: Problem, number: int, params: dict, reason: str) -> dict:
    """The record of a candidate the model cannot run: no replicates, NaN objectives, the reason."""
    record = {"number": number, "params": params, "objectives": problem.objectives([])}
    return reloaded(record | {"replicates": [], "infeasible": reason})


__all__ = ["load_problem", "run_search"]

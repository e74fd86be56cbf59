"""Parameter sweeps: plan (design + validated scenarios + seeds), run on an executor, write as runs finish.

A sweep spec (sim.research.sweep.spec) names a base scenario, the parameters to vary, a design and
the replicates per point. `run` validates every point's scenario before running anything, then
runs the (point, replicate) pairs on Dask -- an embedded `LocalCluster` or an existing cluster at
`scheduler` (sim.run.executor) -- and writes one small Parquet file per finished run
(sim.research.sweep.store), so an interrupted sweep resumes where it stopped.

Seeds: run (point i, replicate r) of a sweep with seed s uses
``SeedSequence(s).spawn(n_points)[i].spawn(replicates)[r]``, which is the same stream as
``SeedSequence(s, spawn_key=(i, r))``. It depends neither on the number of points or replicates nor on
the worker or order a run lands on, so results are identical for any cluster and replicates can be
added later without changing the runs already written.
"""

from __future__ import annotations

import concurrent.futures as cf
import copy
import functools
import json
import math
import sys
import time
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config.errors import EnvironmentFault, InputError, ScenarioError, os_reason
from sim.config.memory import check_memory
from sim.config.scenario import load_scenario, scenario_from_dict, set_dotted
from sim.config.schema import Scenario
from sim.config.shipped import scenario_beside
from sim.model import streams
from sim.research.options import ResearchOptions
from sim.research.sweep.spec import (
    SweepSpec,
    SweepSpecError,
    build_design,
    describe_point,
    load_spec,
    point_overrides,
)
from sim.research.sweep.store import (
    STATUS_ERROR,
    STATUS_OK,
    TIMESERIES_KEY_COLUMNS,
    check_same_sweep,
    code_version,
    default_out_dir,
    existing_statuses,
    pending_specs,
    quarantine_corrupt,
    remove_stale_tmp,
    sweep_lock,
    write_outcome,
    write_sweep_folder,
)
from sim.run.executor import available_cores, dask_client
from sim.run.metrics import REPLICATE_COLUMNS, summarize_replicate
from sim.run.runner import package_versions, run_replicate

#: Invalid points listed in one error before "... and N more".
MAX_POINT_ERRORS_SHOWN = 5


# ==================================================================================================
# Seeds and run specs
# ==================================================================================================
def run_id(point: int, replicate: int) -> str:
    """The identity of a run, also its file name stem: '00003-001'."""
    return f"{point:05d}-{replicate:03d}"


@dataclass(frozen=True)
class RunSpec:
    """Everything a worker needs for one run: small and picklable (a scenario dict, not a model)."""

    point: int
    replicate: int
    scenario: dict
    sweep_seed: int

    @property
    def run_id(self) -> str:
        return run_id(self.point, self.replicate)

    def meta(self) -> dict:
        """The run's identity columns (status and error filled in by `run_one`)."""
        return {
            "run_id": self.run_id,
            "point": self.point,
            "replicate": self.replicate,
            "status": STATUS_OK,
            "error": "",
            "traceback": "",
            "seed_entropy": self.sweep_seed,
            "seed_spawn_key": f"{self.point},{self.replicate}",
            "population": int(self.scenario["population"]["size"]),
            "days": float(self.scenario["run"]["days"]),
        }


@dataclass
class RunOutcome:
    """What a worker sends back: the run's row (meta + metrics) and its time series (None on error)."""

    row: dict
    timeseries: pd.DataFrame | None


@functools.cache
def metric_names() -> tuple[str, ...]:
    """Names of the metrics `summarize_replicate` reports, in its order.

    Probed on a one-step series rather than listed here, so that a failed run's row has the same
    (NaN) metric columns as a finished one -- which keeps `pandas.read_parquet(runs/)` complete --
    and stays right when sim.run.metrics gains a metric.
    """
    probe = pd.DataFrame({column: [0] for column in REPLICATE_COLUMNS})
    return tuple(summarize_replicate(probe, population=1))


def run_one(spec: RunSpec) -> RunOutcome:
    """Run one replicate on a worker. An exception becomes an error row, so the sweep goes on."""
    row = spec.meta()
    try:
        scenario = Scenario.model_validate(spec.scenario)
        ts = run_replicate(scenario, streams.sweep_seed(spec.sweep_seed, spec.point, spec.replicate), spec.replicate)
        metrics = summarize_replicate(ts, scenario.population.size)
    except Exception as exc:  # noqa: BLE001 -- any failure of a run is recorded, not fatal
        return error_outcome(spec, f"{type(exc).__name__}: {exc}", traceback.format_exc())
    ts = ts.drop(columns="replicate")
    for i, column in enumerate(TIMESERIES_KEY_COLUMNS):
        ts.insert(i, column, row[column])
    return RunOutcome(row | metrics, ts)


def error_outcome(spec: RunSpec, error: str, trace: str = "") -> RunOutcome:
    """The row of a run that failed: status 'error', the error text, NaN metrics."""
    row = spec.meta() | {"status": STATUS_ERROR, "error": error, "traceback": trace}
    return RunOutcome(row | {name: math.nan for name in metric_names()}, None)


# ==================================================================================================
# Planning: design + validated scenarios + run specs
# ==================================================================================================
@dataclass
class SweepPlan:
    """A validated sweep, ready to run: the sweep, its design, and one spec per run."""

    sweep: SweepSpec
    source: Path
    base_scenario: dict
    design: pd.DataFrame
    specs: list[RunSpec]

    @property
    def n_points(self) -> int:
        return len(self.design)


def plan_sweep(spec_path: str | Path) -> SweepPlan:
    """Load the sweep, build its design and validate every point's scenario before anything runs.

    Raises SweepSpecError (or ScenarioError for the base scenario) listing the invalid points with
    their parameter values and the scenario's own message.
    """
    source = Path(spec_path)
    sweep = load_spec(source)
    try:
        scenario_path = scenario_beside(source.resolve().parent, sweep.scenario)
    except InputError as exc:
        raise SweepSpecError(f"{source}: scenario: {exc}") from None
    base = load_scenario(scenario_path, sweep.set)
    base_data = base.model_dump()
    design = build_design(sweep)
    scenarios, problems = [], []
    for point in design.index:
        overrides = point_overrides(design, point)
        data = copy.deepcopy(base_data)
        try:
            for key, value in overrides.items():
                set_dotted(data, key, value, f"{source} parameter")
            scenario = scenario_from_dict(
                data, (), source=f"{source}: point {point} ({describe_point(overrides)})", base_dir=scenario_path.parent
            )
        except ScenarioError as exc:
            problems.append(str(exc))
            continue
        scenarios.append(scenario.model_dump())
    if problems:
        more = len(problems) - MAX_POINT_ERRORS_SHOWN
        shown = problems[:MAX_POINT_ERRORS_SHOWN] + ([f"... and {more} more invalid point(s)"] if more > 0 else [])
        raise SweepSpecError(
            f"{source}: {len(problems)} of {len(design)} points are invalid; nothing was run\n" + "\n".join(shown)
        )
    specs = [
        RunSpec(point, r, scenarios[point], sweep.seed) for point in range(len(design)) for r in range(sweep.replicates)
    ]
    return SweepPlan(sweep, source, base_data, design, specs)


def manifest(plan: SweepPlan) -> dict:
    """sweep.json: what identifies the sweep (seed, base scenario, design kind) plus counts and versions."""
    sweep = plan.sweep
    return {
        "name": sweep.name,
        "seed": sweep.seed,
        "replicates": sweep.replicates,
        "design": sweep.design.kind,
        "parameters": sweep.parameter_names,
        "points": plan.n_points,
        "runs": len(plan.specs),
        "seed_scheme": "SeedSequence(seed, spawn_key=(point, replicate))",
        "base_scenario": json.loads(Scenario.model_validate(plan.base_scenario).model_dump_json()),
        "versions": package_versions(),
        "code": code_version(),
    }


# ==================================================================================================
# Execution on Dask
# ==================================================================================================
@dataclass
class SweepReport:
    """What a `run` call did."""

    name: str
    results_dir: Path
    total: int
    skipped: int
    ok: int = 0
    failed: int = 0
    elapsed_s: float = 0.0
    interrupted: bool = False
    notes: list[str] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        """Runs neither written before nor during this call."""
        return self.total - self.skipped - self.ok - self.failed

    def summary(self) -> str:
        """Plain sentences for the terminal."""
        head = (
            f"{self.name}: {self.total} runs; {self.skipped} already written, "
            f"{self.ok} finished and {self.failed} failed now in {self.elapsed_s:.1f} s"
        )
        if self.interrupted:
            head += f"\ninterrupted: {self.remaining} runs left; re-run the same command to resume"
        notes = "".join(f"\nnote: {note}" for note in self.notes)
        return head + notes + f"\nresults in {self.results_dir}/ (runs/, timeseries/, design.parquet)"


def _outcome(future: cf.Future, spec: RunSpec) -> RunOutcome:
    """A finished future's outcome. A worker that died running it makes an error row; a lost cluster raises."""
    exc = future.exception()
    if exc is None:
        return future.result()
    if type(exc).__name__ == "KilledWorker":  # distributed.KilledWorker, without importing Dask here
        return error_outcome(spec, f"KilledWorker: {exc}")
    raise exc


def execute(executor: cf.Executor, pending: list[RunSpec], on_outcome) -> None:
    """Submit every pending run to the executor and hand each outcome to `on_outcome` as it finishes.

    The parent writes the results, so a killed worker loses only its in-flight run. On any exception
    (Ctrl-C included) the outstanding runs are cancelled before it propagates.
    """
    futures = {executor.submit(run_one, spec): spec for spec in pending}
    try:
        for future in cf.as_completed(futures):
            on_outcome(_outcome(future, futures.pop(future)))
    except BaseException:
        for future in futures:
            future.cancel()
        raise


def write_sweep_files(plan: SweepPlan, results_dir: Path, manifest_data: dict | None = None) -> None:
    """Write the sweep's own files (spec copy, sweep.json, design.parquet) into its results folder."""
    write_sweep_folder(plan, Path(results_dir), manifest_data or manifest(plan))


def check_sweep_out(out: Path) -> None:
    """--out must be a folder (or not exist yet): a sweep writes many files, never one."""
    if out.exists() and not out.is_dir():
        raise SweepSpecError(f"--out {out}: is a file; a sweep writes a folder (give a folder path)")


def run(
    spec_path: str | Path,
    options: ResearchOptions | None = None,
    *,
    client: Any = None,
    retry_failed: bool = False,
) -> SweepReport:
    """Run (or resume) the sweep of a sweep spec file and write its results as runs finish.

    The results go to `options.out` (default results/<sweep name>). Runs already written are skipped;
    failed ones too unless `retry_failed`. Execution uses `client` when given (left open), else
    `options.scheduler`, else an embedded LocalCluster of `options.workers` processes (default one per
    core); `options.progress` draws a progress bar.
    Ctrl-C stops cleanly: finished runs stay written and the report says interrupted.
    """
    from tqdm import tqdm

    options = options or ResearchOptions()
    workers, scheduler = options.workers, options.scheduler
    out = Path(options.out) if options.out else None
    if out is not None:
        check_sweep_out(out)
    plan = plan_sweep(spec_path)
    if scheduler is None:  # local workers hold one run each: the largest point must fit that many times
        at_once = min(workers or available_cores(), len(plan.specs))
        largest = max((s.scenario for s in plan.specs), key=lambda s: s["population"]["size"])
        check_memory(Scenario.model_validate(largest), at_once, source=str(spec_path))
    out = out or default_out_dir(plan.sweep)
    manifest_data = manifest(plan)
    notes = check_same_sweep(plan, manifest_data, out)
    try:
        out.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise EnvironmentFault(f"--out {out}: cannot create the folder: {os_reason(exc)}") from None
    with sweep_lock(out):
        write_sweep_files(plan, out, manifest_data)
        remove_stale_tmp(out)
        notes += quarantine_corrupt(out)
        statuses = existing_statuses(out)
        pending = pending_specs(plan.specs, statuses, retry_failed)
        report = SweepReport(plan.sweep.name, out, len(plan.specs), len(plan.specs) - len(pending), notes=notes)
        if not pending:
            return report
        started = time.perf_counter()
        done_failed = 0 if retry_failed else sum(status == STATUS_ERROR for status in statuses.values())
        bar = tqdm(
            total=report.total,
            initial=report.skipped,
            unit="run",
            desc=plan.sweep.name,
            file=sys.stderr,
            disable=not options.progress,
            dynamic_ncols=True,
        )

        def on_outcome(outcome: RunOutcome) -> None:
            point = outcome.row["point"]
            write_outcome(out, outcome, point_overrides(plan.design, point))
            if outcome.row["status"] == STATUS_OK:
                report.ok += 1
            else:
                report.failed += 1
            bar.set_postfix(failed=done_failed + report.failed, refresh=False)
            bar.update()

        bar.set_postfix(failed=done_failed, refresh=False)
        try:
            with _borrowed(client) if client is not None else dask_client(workers, scheduler) as active:
                execute(active.get_executor(pure=False), pending, on_outcome)
        except KeyboardInterrupt:
            report.interrupted = True
        finally:
            bar.close()
            report.elapsed_s = time.perf_counter() - started
    return report


@contextmanager
def _borrowed(client: Any) -> Iterator[Any]:
    """A caller's client, used as is and left open."""
    yield client

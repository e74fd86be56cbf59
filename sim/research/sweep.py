"""Parameter sweeps: experiment files, designs, seeds, Dask execution and resumable Parquet results.

An experiment file (TOML) names a base scenario, the parameters to vary (dotted keys, as `--set`),
a design (full grid, Latin hypercube or Sobol/Saltelli, sampled with SALib) and the replicates per
point. `run_sweep` validates every point's scenario before running anything, then runs the
(point, replicate) pairs on Dask -- an embedded `LocalCluster` or an existing cluster -- and writes
one small Parquet file per finished run, so an interrupted sweep resumes where it stopped.

Seeds: run (point i, replicate r) of a sweep with seed s uses
``SeedSequence(s).spawn(n_points)[i].spawn(replicates)[r]``, which is the same stream as
``SeedSequence(s, spawn_key=(i, r))``. It depends neither on the number of points or replicates nor on
the worker or order a run lands on, so results are identical for any cluster and replicates can be
added later without changing the runs already written.

Layout of ``results/<name>/``::

    experiment.toml     copy of the experiment file (latest invocation)
    sweep.json          seed, base scenario, counts, package versions and code version (git commit)
    design.parquet      one row per point: point, then one column per parameter
    runs/               run-PPPPP-RRR.parquet: one row per run (see RUN_META_COLUMNS, parameters, metrics)
    timeseries/         run-PPPPP-RRR.parquet: the run's per-step series (finished runs only)

Read the results with ``pandas.read_parquet("results/<name>/runs")`` or `read_runs`.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json
import logging
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import tomllib
import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.config.errors import ScenarioError
from sim.config.scenario import load_scenario, scenario_from_dict, set_dotted
from sim.config.schema import Scenario
from sim.run.metrics import REPLICATE_COLUMNS, summarize_replicate
from sim.run.runner import package_versions, run_replicate

# --- Results layout -------------------------------------------------------------------------------
#: Where `wom sweep` writes unless --out is given: RESULTS_ROOT / <experiment name>.
RESULTS_ROOT = Path("results")
EXPERIMENT_COPY = "experiment.toml"
MANIFEST_FILE = "sweep.json"
DESIGN_FILE = "design.parquet"
RUNS_DIR = "runs"
TIMESERIES_DIR = "timeseries"
#: Lock file marking a folder that a sweep process is writing to (holds "pid@host").
LOCK_FILE = ".lock"
#: Temporary files start with a dot: pyarrow and pandas ignore them when reading a dataset.
TMP_PREFIX = "."
PARQUET_SUFFIX = ".parquet"

# --- Runs -----------------------------------------------------------------------------------------
STATUS_OK = "ok"
STATUS_ERROR = "error"
#: Columns of a run row before the parameters and the metrics, in file order.
RUN_META_COLUMNS = (
    "run_id",
    "point",
    "replicate",
    "status",
    "error",
    "traceback",
    "seed_entropy",
    "seed_spawn_key",
    "population",
    "days",
)
#: Columns put in front of each run's time series.
TIMESERIES_KEY_COLUMNS = ("run_id", "point", "replicate")

# --- Experiment files -----------------------------------------------------------------------------
#: Seeds are stored in Parquet int64 columns.
MAX_SEED = 2**63 - 1
MAX_REPLICATES = 100_000
#: Keys of a parameter range table (lhs and sobol designs).
RANGE_KEYS = ("low", "high", "integer")
#: Invalid points listed in one error before "... and N more".
MAX_POINT_ERRORS_SHOWN = 5

# --- Dask -----------------------------------------------------------------------------------------
#: Log level of the embedded cluster: its routine INFO/WARNING chatter would hide the progress bar.
CLUSTER_LOG_LEVEL = logging.ERROR
#: Seconds to wait when connecting to --scheduler, and when shutting the embedded cluster down.
CONNECT_TIMEOUT_S = 10
CLOSE_TIMEOUT_S = 10
#: Seconds allowed for the git commands that record the code version.
GIT_TIMEOUT_S = 5
#: Characters of a commit hash shown in messages.
SHORT_COMMIT = 7
#: Where the embedded scheduler serves its HTTP endpoint: any free port on loopback.
HTTP_ADDRESS = "127.0.0.1:0"


class ExperimentError(ScenarioError):
    """An experiment file, a point of its design or a results folder that cannot be used."""


# ==================================================================================================
# Experiment files
# ==================================================================================================
class Range(BaseModel):
    """A continuous parameter range sampled by lhs and sobol designs (uniform on [low, high])."""

    model_config = ConfigDict(extra="forbid")

    low: float
    high: float
    integer: bool = Field(
        False, description="Round sampled values to integers (for integer keys such as population.size)."
    )

    @model_validator(mode="after")
    def _ordered(self) -> Range:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be < high ({self.high})")
        return self


GridValue = bool | int | float | str


class Design(BaseModel):
    """How points are chosen: a full grid of listed values, a Latin hypercube or a Sobol/Saltelli sample."""

    model_config = ConfigDict(extra="forbid")

    kind: Literal["grid", "lhs", "sobol"] = Field(description="grid | lhs | sobol.")
    samples: int | None = Field(
        None,
        ge=1,
        description="lhs: number of points; sobol: N base samples (a power of 2), giving N * (D + 2) points "
        "(N * (2D + 2) with second_order) for D parameters.",
    )
    second_order: bool = Field(False, description="sobol: also sample for second-order indices.")


class Experiment(BaseModel):
    """A sweep: base scenario + fixed overrides + varied parameters + design + replicates + seed."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", description="Names the results folder.")
    description: str = ""
    scenario: str = Field(description="Base scenario file, relative to the experiment file.")
    seed: int = Field(0, ge=0, le=MAX_SEED, description="Sweep seed: every run's stream is spawned from it.")
    replicates: int = Field(1, ge=1, le=MAX_REPLICATES, description="Runs per point.")
    set: list[str] = Field(default_factory=list, description="Fixed overrides KEY=VALUE applied to every point.")
    design: Design
    parameters: dict[str, list[GridValue] | Range] = Field(
        description="Dotted key -> list of values (grid) or {low, high} (lhs, sobol)."
    )

    @field_validator("parameters", mode="before")
    @classmethod
    def _parse_parameters(cls, raw: Any) -> dict:
        """Each value is a non-empty list of one type (grid) or a {low, high[, integer]} table."""
        if not isinstance(raw, dict) or not raw:
            raise ValueError("needs at least one parameter: a dotted key = [values] or { low = ..., high = ... }")
        parsed = {}
        for key, spec in raw.items():
            if isinstance(spec, list):
                parsed[key] = _check_grid_values(key, spec)
            elif isinstance(spec, dict):
                unknown = sorted(set(spec) - set(RANGE_KEYS))
                if unknown:
                    raise ValueError(f'"{key}": unknown key {unknown[0]!r}; allowed keys here: {", ".join(RANGE_KEYS)}')
                try:
                    parsed[key] = Range.model_validate(spec)
                except ValidationError as exc:
                    problem = "; ".join(
                        f"{'.'.join(map(str, e['loc'])) or 'range'}: {e['msg'].removeprefix('Value error, ')}"
                        for e in exc.errors()
                    )
                    raise ValueError(f'"{key}": {problem}') from None
            else:
                raise ValueError(
                    f'"{key}": expected a list of values (grid) or a table {{ low, high }} (lhs, sobol), got {spec!r}'
                )
        return parsed

    @model_validator(mode="after")
    def _design_matches_parameters(self) -> Experiment:
        kind = self.design.kind
        ranges = [k for k, v in self.parameters.items() if isinstance(v, Range)]
        lists = [k for k, v in self.parameters.items() if not isinstance(v, Range)]
        if kind == "grid" and ranges:
            raise ValueError(
                f'design.kind = "grid" needs a list of values for each parameter; "{ranges[0]}" is a range'
            )
        if kind != "grid":
            if lists:
                raise ValueError(
                    f'design.kind = "{kind}" needs {{ low, high }} for each parameter; "{lists[0]}" is a list'
                )
            if self.design.samples is None:
                raise ValueError(f'design.samples is required when design.kind = "{kind}"')
        if kind == "sobol" and not _is_power_of_two(self.design.samples):
            raise ValueError(f"design.samples must be a power of 2 for a Sobol design (got {self.design.samples})")
        fixed = {item.split("=", 1)[0].strip() for item in self.set}
        clash = sorted(fixed & set(self.parameters))
        if clash:
            raise ValueError(f'"{clash[0]}" is both varied (parameters) and fixed (set); keep one')
        return self

    @property
    def parameter_names(self) -> list[str]:
        """Varied keys in file order (the design's columns)."""
        return list(self.parameters)


def _check_grid_values(key: str, values: list) -> list:
    """A grid list must be non-empty, without duplicates, and of one kind (numbers, booleans or strings)."""
    if not values:
        raise ValueError(f'"{key}": empty list of values')
    kinds = {
        "bool" if isinstance(v, bool) else "number" if isinstance(v, (int, float)) else type(v).__name__ for v in values
    }
    if len(kinds) > 1 or kinds - {"bool", "number", "str"}:
        raise ValueError(f'"{key}": values must be all numbers, all booleans or all strings (got {values!r})')
    if len(set(values)) != len(values):
        raise ValueError(f'"{key}": duplicate values in {values!r}')
    return values


def _is_power_of_two(n: int | None) -> bool:
    """True for 1, 2, 4, 8, ..."""
    return n is not None and n > 0 and n & (n - 1) == 0


def _format_experiment_error(exc: ValidationError, source: str) -> str:
    """One readable message, like sim.config.scenario's: file, then one line per problem with its key."""
    lines = [f"{source}: invalid experiment"]
    for err in exc.errors():
        loc = [p for p in err["loc"] if p not in ("function-after", "function-before")]
        key = ".".join(f'"{p}"' if "." in str(p) else str(p) for p in loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            owner = Design if loc[:1] == ["design"] else Experiment
            lines.append(f"  {key}: unknown key; allowed keys here: {', '.join(sorted(owner.model_fields))}")
            continue
        got = err.get("input")
        got_text = "" if isinstance(got, (dict, list)) or got is None else f" (got {got!r})"
        lines.append(f"  {key}: {err['msg'].removeprefix('Value error, ')}{got_text}")
    return "\n".join(lines)


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment TOML file; any problem is one ExperimentError naming file and key."""
    path = Path(path)
    if not path.is_file():
        raise ExperimentError(f"{path}: file not found")
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as exc:
        raise ExperimentError(f"{path}: malformed TOML: {exc}") from None
    except UnicodeDecodeError as exc:
        raise ExperimentError(f"{path}: not a UTF-8 text file: {exc}") from None
    try:
        return Experiment.model_validate(data)
    except ValidationError as exc:
        raise ExperimentError(_format_experiment_error(exc, str(path))) from None


# ==================================================================================================
# Designs
# ==================================================================================================
def salib_problem(experiment: Experiment) -> dict:
    """The SALib problem dict (names, bounds) of an lhs or sobol experiment."""
    names = experiment.parameter_names
    return {
        "num_vars": len(names),
        "names": names,
        "bounds": [[experiment.parameters[k].low, experiment.parameters[k].high] for k in names],
    }


def build_design(experiment: Experiment) -> pd.DataFrame:
    """The design: one row per point (index `point` 0..n-1), one column per parameter.

    grid: the Cartesian product of the listed values, the first parameter varying slowest.
    lhs: `SALib.sample.latin` with `samples` points. sobol: `SALib.sample.sobol` (Saltelli's scheme)
    with `samples` base samples, in SALib's order (which `SALib.analyze.sobol` relies on).
    Samplers are seeded with the sweep seed, so the design is the same on every invocation.
    """
    names = experiment.parameter_names
    design = experiment.design
    if design.kind == "grid":
        rows = list(itertools.product(*(experiment.parameters[k] for k in names)))
        frame = pd.DataFrame(rows, columns=names)
    else:
        from SALib.sample import latin, sobol

        problem = salib_problem(experiment)
        if design.kind == "lhs":
            values = latin.sample(problem, design.samples, seed=experiment.seed)
        else:
            values = sobol.sample(problem, design.samples, calc_second_order=design.second_order, seed=experiment.seed)
        frame = pd.DataFrame(values, columns=names)
        for key in names:
            if experiment.parameters[key].integer:
                frame[key] = frame[key].round().astype(np.int64)
    frame.index.name = "point"
    return frame


def point_overrides(design: pd.DataFrame, point: int) -> dict[str, Any]:
    """The parameter values of one point as plain Python scalars (what pydantic and TOML expect)."""
    row = design.loc[point]
    return {key: value.item() if isinstance(value, np.generic) else value for key, value in row.items()}


def describe_point(overrides: dict[str, Any]) -> str:
    """`key=value, ...` of a point, for messages."""
    return ", ".join(f"{k}={v!r}" for k, v in overrides.items())


# ==================================================================================================
# Seeds and run specs
# ==================================================================================================
def run_id(point: int, replicate: int) -> str:
    """The identity of a run, also its file name stem: '00003-001'."""
    return f"{point:05d}-{replicate:03d}"


def run_seed(sweep_seed: int, point: int, replicate: int) -> np.random.SeedSequence:
    """The run's stream: SeedSequence(seed).spawn(n_points)[point].spawn(replicates)[replicate].

    Spawned children carry their position as `spawn_key`, so this is built directly, without
    materialising the siblings; it does not depend on the number of points or replicates.
    """
    return np.random.SeedSequence(sweep_seed, spawn_key=(point, replicate))


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
        ts = run_replicate(scenario, run_seed(spec.sweep_seed, spec.point, spec.replicate), spec.replicate)
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
    """A validated sweep, ready to run: the experiment, its design, and one spec per run."""

    experiment: Experiment
    source: Path
    base_scenario: dict
    design: pd.DataFrame
    point_scenarios: list[dict]
    specs: list[RunSpec]

    @property
    def n_points(self) -> int:
        return len(self.design)


def plan_sweep(experiment_path: str | Path) -> SweepPlan:
    """Load the experiment, build its design and validate every point's scenario before anything runs.

    Raises ExperimentError (or ScenarioError for the base scenario) listing the invalid points with
    their parameter values and the scenario's own message.
    """
    source = Path(experiment_path)
    experiment = load_experiment(source)
    scenario_path = source.resolve().parent / experiment.scenario
    base = load_scenario(scenario_path, experiment.set)
    base_data = base.model_dump()
    design = build_design(experiment)
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
        raise ExperimentError(
            f"{source}: {len(problems)} of {len(design)} points are invalid; nothing was run\n" + "\n".join(shown)
        )
    specs = [
        RunSpec(point, r, scenarios[point], experiment.seed)
        for point in range(len(design))
        for r in range(experiment.replicates)
    ]
    return SweepPlan(experiment, source, base_data, design, scenarios, specs)


# ==================================================================================================
# The results folder
# ==================================================================================================


def default_out_dir(experiment: Experiment) -> Path:
    """results/<experiment name>."""
    return RESULTS_ROOT / experiment.name


def run_file(results_dir: Path, subdir: str, rid: str) -> Path:
    """Path of a run's file in runs/ or timeseries/: run-00003-001.parquet."""
    return Path(results_dir) / subdir / f"run-{rid}{PARQUET_SUFFIX}"


def _write_atomic(path: Path, write) -> None:
    """Write through a dot-prefixed temporary file then rename: readers never see a partial file."""
    tmp = path.with_name(f"{TMP_PREFIX}{path.name}.{os.getpid()}.tmp")
    try:
        write(tmp)
        os.replace(tmp, path)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def _write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Atomic Parquet write of a frame without its index.

    Written through pyarrow without pandas' schema metadata and column statistics: for one-row files
    these are most of the bytes (about 14 kB down to 5 kB per run), and the dataset reads the same.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    _write_atomic(path, lambda tmp: pq.write_table(table, tmp, write_statistics=False))


def _write_text(text: str, path: Path) -> None:
    """Atomic text write."""
    _write_atomic(path, lambda tmp: tmp.write_text(text, encoding="utf-8"))


def code_version() -> dict:
    """The git commit of the simulator's source and whether sim/ had uncommitted changes.

    Stored in sweep.json so that results can be traced to the model that made them; None values
    outside a git checkout.
    """
    package_dir = Path(__file__).resolve().parents[1]  # sim/

    def git(*args: str) -> str:
        return subprocess.run(
            ["git", *args], cwd=package_dir, capture_output=True, text=True, check=True, timeout=GIT_TIMEOUT_S
        ).stdout.strip()

    try:
        return {"commit": git("rev-parse", "HEAD"), "dirty": bool(git("status", "--porcelain", "--", "."))}
    except (OSError, subprocess.SubprocessError):
        return {"commit": None, "dirty": None}


def _manifest(plan: SweepPlan) -> dict:
    """sweep.json: what identifies the sweep (seed, base scenario, design kind) plus counts and versions."""
    experiment = plan.experiment
    return {
        "name": experiment.name,
        "seed": experiment.seed,
        "replicates": experiment.replicates,
        "design": experiment.design.kind,
        "parameters": experiment.parameter_names,
        "points": plan.n_points,
        "runs": len(plan.specs),
        "seed_scheme": "SeedSequence(seed, spawn_key=(point, replicate))",
        "base_scenario": json.loads(Scenario.model_validate(plan.base_scenario).model_dump_json()),
        "versions": package_versions(),
        "code": code_version(),
    }


def _check_same_sweep(plan: SweepPlan, new: dict, results_dir: Path) -> list[str]:
    """Refuse to resume into a folder written by a different sweep (other seed, base scenario or design).

    `new` is this invocation's manifest. Replicates and the description may change: raising
    `replicates` adds runs and keeps the old ones. A new config section with its defaults counts as a
    changed base scenario. Returns notes for the user, e.g. that the simulator's code changed since
    the sweep started.
    """
    manifest_path = results_dir / MANIFEST_FILE
    if not manifest_path.is_file():
        if results_dir.exists() and any(results_dir.iterdir()):
            raise ExperimentError(
                f"{results_dir} exists and is not a sweep folder (no {MANIFEST_FILE}); use --out to write elsewhere"
            )
        return []
    stored = json.loads(manifest_path.read_text(encoding="utf-8"))
    changed = [key for key in ("seed", "base_scenario") if stored.get(key) != new[key]]
    stored_design = read_design(results_dir)
    if list(stored_design.columns) != list(plan.design.columns) or stored_design.to_dict("list") != plan.design.to_dict(
        "list"
    ):
        changed.append("design")
    if changed:
        raise ExperimentError(
            f"{results_dir} holds a different sweep ({', '.join(changed)} changed since it was started); "
            "resuming would mix results. Use --out for a new folder, or delete the old one."
        )
    if stored.get("code") != new["code"]:
        return [
            f"the simulator's code differs from the last invocation ({_describe_code(stored.get('code'))} -> "
            f"{_describe_code(new['code'])}): runs written before and after may not be comparable"
        ]
    return []


def _describe_code(code: dict | None) -> str:
    """'d5e6a6a' or 'd5e6a6a+changes' or 'unknown'."""
    if not code or not code.get("commit"):
        return "unknown"
    return code["commit"][:SHORT_COMMIT] + ("+changes" if code.get("dirty") else "")


def write_sweep_files(plan: SweepPlan, results_dir: Path, manifest: dict | None = None) -> None:
    """Write experiment.toml, sweep.json (`manifest`, default `_manifest(plan)`) and design.parquet,
    and create runs/ and timeseries/."""
    for sub in (RUNS_DIR, TIMESERIES_DIR):
        (results_dir / sub).mkdir(parents=True, exist_ok=True)
    _write_text(plan.source.read_text(encoding="utf-8"), results_dir / EXPERIMENT_COPY)
    _write_parquet(plan.design.reset_index(), results_dir / DESIGN_FILE)
    _write_text(json.dumps(manifest or _manifest(plan), indent=2) + "\n", results_dir / MANIFEST_FILE)


def _remove_stale_tmp(results_dir: Path) -> None:
    """Delete temporary files left by a killed process (they were never renamed into place)."""
    for sub in (RUNS_DIR, TIMESERIES_DIR):
        for tmp in (results_dir / sub).glob(f"{TMP_PREFIX}*.tmp"):
            tmp.unlink(missing_ok=True)


def _pid_alive(pid: int) -> bool:
    """Whether a process with this id exists on this machine."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


@contextmanager
def _sweep_lock(results_dir: Path) -> Iterator[None]:
    """Hold the folder's lock while running, so two processes never run the same sweep at once.

    A lock left by a killed process on this host is taken over; one from another host must be
    removed by hand (its liveness cannot be checked from here).
    """
    lock = results_dir / LOCK_FILE
    me = f"{os.getpid()}@{socket.gethostname()}"
    if lock.exists():
        owner = lock.read_text(encoding="utf-8").strip()
        pid_text, _, host = owner.partition("@")
        if host != socket.gethostname() or (pid_text.isdigit() and _pid_alive(int(pid_text))):
            raise ExperimentError(
                f"{results_dir} is being written by another sweep ({owner}); "
                f"wait for it, or delete {lock} if that process is gone"
            )
    lock.write_text(me, encoding="utf-8")
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def write_outcome(results_dir: Path, outcome: RunOutcome, parameters: dict[str, Any]) -> None:
    """Write a finished run: its time series first, then its row (the row marks the run as done)."""
    row = outcome.row
    rid = row["run_id"]
    ts_path = run_file(results_dir, TIMESERIES_DIR, rid)
    if outcome.timeseries is not None:
        _write_parquet(outcome.timeseries, ts_path)
    else:
        ts_path.unlink(missing_ok=True)  # from an earlier attempt killed before its row was written
    metrics = {k: v for k, v in row.items() if k not in RUN_META_COLUMNS}
    ordered = {k: row[k] for k in RUN_META_COLUMNS} | parameters | metrics
    _write_parquet(pd.DataFrame([ordered]), run_file(results_dir, RUNS_DIR, rid))


def _has_runs(directory: Path) -> bool:
    """Whether a runs/ or timeseries/ folder holds at least one run file."""
    return directory.is_dir() and any(directory.glob(f"run-*{PARQUET_SUFFIX}"))


def read_runs(results_dir: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """All run rows of a sweep (one per run, sorted by point and replicate); empty if none yet."""
    directory = Path(results_dir) / RUNS_DIR
    if not _has_runs(directory):
        return pd.DataFrame(columns=columns or list(RUN_META_COLUMNS))
    frame = pd.read_parquet(directory, columns=columns)
    order = [c for c in ("point", "replicate") if c in frame.columns]
    return frame.sort_values(order).reset_index(drop=True) if order else frame


def read_timeseries(results_dir: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """The per-step series of every finished run, with run_id, point and replicate columns."""
    directory = Path(results_dir) / TIMESERIES_DIR
    if not _has_runs(directory):
        return pd.DataFrame(columns=columns or list(TIMESERIES_KEY_COLUMNS))
    return pd.read_parquet(directory, columns=columns)


def read_design(results_dir: str | Path) -> pd.DataFrame:
    """The stored design, indexed by point."""
    return pd.read_parquet(Path(results_dir) / DESIGN_FILE).set_index("point")


def existing_statuses(results_dir: Path) -> dict[str, str]:
    """run_id -> status of every run already written."""
    runs = read_runs(results_dir, columns=["run_id", "status"])
    return dict(zip(runs["run_id"], runs["status"]))


def pending_specs(specs: list[RunSpec], statuses: dict[str, str], retry_failed: bool) -> list[RunSpec]:
    """Runs still to do: those without a row, plus the failed ones when retry_failed."""
    return [s for s in specs if s.run_id not in statuses or (retry_failed and statuses[s.run_id] == STATUS_ERROR)]


# ==================================================================================================
# Execution on Dask
# ==================================================================================================
@dataclass
class SweepReport:
    """What a `run_sweep` call did."""

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


def available_cores() -> int:
    """CPU cores this process may use (the default number of local workers)."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:
        return os.cpu_count() or 1


def local_cluster(workers: int | None = None, processes: bool = True) -> Any:
    """A LocalCluster of single-threaded workers (default one per core) without a dashboard.

    The scheduler's HTTP endpoint (health checks) goes to a free loopback port rather than 8787, which
    another cluster or app on the machine may hold. `processes=False` runs the workers as threads of
    this process (quick to start; used by tests).
    """
    from distributed import LocalCluster

    with _workers_ignore_ctrl_c():
        return LocalCluster(
            n_workers=workers or available_cores(),
            threads_per_worker=1,
            processes=processes,
            dashboard_address=None,
            scheduler_kwargs={"dashboard_address": HTTP_ADDRESS},
            silence_logs=CLUSTER_LOG_LEVEL,
        )


@contextmanager
def _workers_ignore_ctrl_c() -> Iterator[None]:
    """Ignore SIGINT while worker processes are spawned, so that they inherit "ignore".

    Ctrl-C in a terminal signals the whole foreground process group. The workers should not die
    with tracebacks: the sweep process alone handles it, cancels the runs and closes the cluster.
    (Signal handlers can only be changed from the main thread; elsewhere this does nothing.)
    """
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    previous = signal.signal(signal.SIGINT, signal.SIG_IGN)
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)


@contextmanager
def dask_client(workers: int | None = None, scheduler: str | None = None) -> Iterator[Any]:
    """A Dask client: connected to `scheduler` if given, else to an embedded LocalCluster.

    The local cluster has `workers` single-threaded worker processes (default: one per core) and no
    dashboard. Both are closed on exit, also after Ctrl-C.
    """
    from distributed import Client

    if scheduler:
        try:
            client = Client(scheduler, timeout=CONNECT_TIMEOUT_S)
        except (OSError, TimeoutError) as exc:
            raise ExperimentError(f"cannot connect to the Dask scheduler at {scheduler}: {exc}") from None
        with client:
            yield client
        return
    cluster = local_cluster(workers)
    client = Client(cluster)
    try:
        yield client
    finally:
        client.close(timeout=CLOSE_TIMEOUT_S)
        cluster.close(timeout=CLOSE_TIMEOUT_S)


def _collect(future: Any, spec: RunSpec) -> RunOutcome:
    """A finished future's outcome. A worker that died running it makes an error row; a lost cluster raises."""
    from distributed import KilledWorker

    if future.status == "error":
        exc = future.exception()
        if isinstance(exc, KilledWorker):
            return error_outcome(spec, f"KilledWorker: {exc}")
        raise exc
    return future.result()


def execute(client: Any, pending: list[RunSpec], on_outcome) -> None:
    """Submit every pending run and hand each outcome to `on_outcome` as soon as it finishes.

    The parent writes the results, so a killed worker loses only its in-flight run. On any exception
    (Ctrl-C included) the outstanding runs are cancelled before it propagates.
    """
    from distributed import as_completed

    futures = {client.submit(run_one, spec, pure=False): spec for spec in pending}
    try:
        for future in as_completed(futures):
            on_outcome(_collect(future, futures[future]))
            future.release()
    except BaseException:
        client.cancel(list(futures))
        raise


def run_sweep(
    experiment_path: str | Path,
    results_dir: str | Path | None = None,
    *,
    workers: int | None = None,
    scheduler: str | None = None,
    client: Any = None,
    retry_failed: bool = False,
    progress: bool = True,
) -> SweepReport:
    """Run (or resume) the sweep of an experiment file and write its results as runs finish.

    Runs already written are skipped; failed ones too unless `retry_failed`. Execution uses `client`
    when given (left open), else `scheduler`, else an embedded LocalCluster of `workers` processes.
    Ctrl-C stops cleanly: finished runs stay written and the report says interrupted.
    """
    from tqdm import tqdm

    plan = plan_sweep(experiment_path)
    out = Path(results_dir) if results_dir else default_out_dir(plan.experiment)
    manifest = _manifest(plan)
    notes = _check_same_sweep(plan, manifest, out)
    out.mkdir(parents=True, exist_ok=True)
    with _sweep_lock(out):
        write_sweep_files(plan, out, manifest)
        _remove_stale_tmp(out)
        statuses = existing_statuses(out)
        pending = pending_specs(plan.specs, statuses, retry_failed)
        report = SweepReport(plan.experiment.name, out, len(plan.specs), len(plan.specs) - len(pending), notes=notes)
        if not pending:
            return report
        started = time.perf_counter()
        done_failed = 0 if retry_failed else sum(status == STATUS_ERROR for status in statuses.values())
        bar = tqdm(
            total=report.total,
            initial=report.skipped,
            unit="run",
            desc=plan.experiment.name,
            file=sys.stderr,
            disable=not progress,
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
                execute(active, pending, on_outcome)
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

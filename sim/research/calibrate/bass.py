"""Fitting observed adoption series: Bass p, q, m (`wom fit-bass`) and scenario calibration (`wom calibrate`).

A series is a CSV with a `time` column (days) and either `adopted_total` (cumulative people) or
`new_adopters` (people per period, each row's period ending at its time); with both, the cumulative
column is used.

fit-bass fits the Bass curve by nonlinear least squares on the per-period increments
(`sim.run.bass_fit.fit_bass(target="increments")`): cumulative residuals carry every earlier period's
noise, so a fit to the cumulative curve gives similar estimates but standard errors that are far too
small; the increments are close to independent, so their standard errors can be trusted.

calibrate searches the ranges of one or more scenario keys for the values whose simulated mean series
(in the target's column, interpolated on the target's time grid) is closest to the target in RMSE.
Every evaluation uses the same replicate seeds (common random numbers), so the objective is a
deterministic function of the keys and differences between candidates are not seed noise. The search
is differential evolution (`scipy.optimize.differential_evolution`) with a fixed seed and no gradient
polish: at small scales the objective is piecewise constant and rugged (a candidate's replicates
take different random paths), which traps local methods -- a bounded Brent search stopped in a local
minimum with 10x the best RMSE in one of six trials, differential evolution in none of eight.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config.errors import InputError
from sim.config.scenario import parse_override, read_scenario_dict, scenario_from_dict, set_dotted
from sim.config.schema import Scenario
from sim.config.shipped import resolve_scenario
from sim.config.toml import dumps_toml, loads_toml
from sim.model.streams import replicate_seeds
from sim.model.theory import bass_cdf
from sim.research.options import ResearchOptions
from sim.run.bass_fit import BassFit, fit_bass, fit_problem
from sim.run.executor import apply_runner, open_executor, run_tasks
from sim.run.io import write_text
from sim.run.runner import run_replicate

TIME_COLUMN = "time"
CUMULATIVE = "adopted_total"
INCREMENTS = "new_adopters"
#: Value columns in order of preference.
VALUE_COLUMNS = (CUMULATIVE, INCREMENTS)
#: Suffix of a fitted series' chart in the output folder: data/x.csv -> results/x.fit.png.
FIT_CHART_SUFFIX = ".fit.png"
#: Suffix of the calibrated scenario (--out) and of its chart, written beside it.
SCENARIO_SUFFIX = ".toml"
CHART_SUFFIX = ".png"
#: Relative slack of the population check: a target scaled to the market (divided by M / N) may
#: exceed N by a few rounding errors when its largest value is the market itself.
ROUNDING_SLACK = 8 * np.finfo(float).eps
#: Largest time (days) or count (people) accepted in a series: beyond it floats lose whole people.
MAX_SERIES_VALUE = 1e12
#: The fit's model points drawn per chart.
CURVE_POINTS = 400

#: Default budget of simulated candidates (each runs every replicate once), per varied key: six
#: generations of differential evolution. Two keys at half this budget stopped visibly short in tests.
EVALS_PER_KEY = 48
#: Several keys: differential evolution's population is this many candidates per key.
DE_POPSIZE = 8

Runner = Callable[[Scenario, np.random.SeedSequence, int], pd.DataFrame]


class SeriesError(InputError):
    """A series CSV or a --vary option that cannot be used; the message says which and why."""


# ==================================================================================================
# Series files
# ==================================================================================================
@dataclass
class TargetSeries:
    """An observed adoption series: time (days, sorted) and values in `column` (people)."""

    path: Path
    time: np.ndarray
    values: np.ndarray
    column: str

    @property
    def cumulative(self) -> bool:
        """Whether the values are cumulative (adopted_total, or a brand's adopted_total_<brand>; else new_adopters per period)."""
        return self.column != INCREMENTS

    def cumulative_values(self) -> np.ndarray:
        """The series as cumulative people (new_adopters are summed)."""
        return self.values if self.cumulative else np.cumsum(self.values)


def read_target_csv(path: Path) -> pd.DataFrame:
    """The table of a target CSV; a missing or unreadable file raises SeriesError naming it."""
    if not path.is_file():
        raise SeriesError(f"{path}: file not found")
    try:
        return pd.read_csv(path)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError) as exc:
        raise SeriesError(f"{path}: not a readable CSV file: {exc}") from None


def load_series(path: str | Path) -> TargetSeries:
    """Read a series CSV, checking its columns and values; problems raise SeriesError naming the file."""
    path = Path(path)
    frame = read_target_csv(path)
    column = next((c for c in VALUE_COLUMNS if c in frame.columns), None)
    if TIME_COLUMN not in frame.columns or column is None:
        raise SeriesError(
            f"{path}: needs a '{TIME_COLUMN}' column and one of {', '.join(VALUE_COLUMNS)}; "
            f"found columns: {', '.join(map(str, frame.columns)) or 'none'}"
        )
    return series_from_frame(path, frame, column)


def series_from_frame(path: Path, frame: pd.DataFrame, column: str) -> TargetSeries:
    """The series of `column` of a read CSV (rows numbered as in the file), checked as `load_series` says."""
    data = frame[[TIME_COLUMN, column]].apply(pd.to_numeric, errors="coerce")
    bad = data.isna().any(axis=1) | ~np.isfinite(data.to_numpy(dtype=float)).all(axis=1)
    if bad.any():
        raise SeriesError(
            f"{path}: row {int(data.index[np.flatnonzero(bad)[0]]) + 2}: '{TIME_COLUMN}' and '{column}' must be numbers"
        )
    data = data.sort_values(TIME_COLUMN)
    time, values = data[TIME_COLUMN].to_numpy(dtype=float), data[column].to_numpy(dtype=float)
    if len(time) < 2:
        raise SeriesError(f"{path}: needs at least 2 rows")
    if time[0] < 0 or np.any(np.diff(time) == 0):
        raise SeriesError(f"{path}: times must be >= 0 and distinct")
    if time[-1] > MAX_SERIES_VALUE or np.max(np.abs(values)) > MAX_SERIES_VALUE:
        raise SeriesError(f"{path}: '{TIME_COLUMN}' and '{column}' must be at most {MAX_SERIES_VALUE:g}")
    if np.any(values < 0):
        raise SeriesError(f"{path}: row {int(np.flatnonzero(values < 0)[0]) + 2}: '{column}' must be >= 0 (people)")
    if column != INCREMENTS and np.any(np.diff(values) < 0):
        row = int(np.flatnonzero(np.diff(values) < 0)[0]) + 3
        raise SeriesError(f"{path}: row {row}: '{column}' decreases; a cumulative count of adopters cannot")
    return TargetSeries(path, time, values, column)


# ==================================================================================================
# Bass fit of a series
# ==================================================================================================
def fit_series(series: TargetSeries) -> BassFit:
    """Bass p, q, m with standard errors, fitted on the increments (see the module doc)."""
    kwargs = {CUMULATIVE: series.values} if series.cumulative else {INCREMENTS: series.values}
    return fit_bass(series.time, **kwargs, target="increments")


def not_identified(series: TargetSeries, fit: BassFit) -> str | None:
    """Why the Bass parameters cannot be read off this series (None if they can).

    A series without adoption, one the fit cannot follow (no fit, or R^2 < 0: worse than its mean),
    or a fit whose p or q sits on its search bound (the data do not pin it down) is not identified.
    """
    if not np.any(series.cumulative_values() > series.cumulative_values()[0]):
        return "no adoption after the first period: nothing to fit"
    return fit_problem(fit)


def bass_curve(series: TargetSeries, fit: BassFit, t: np.ndarray) -> np.ndarray:
    """The fitted cumulative curve at times t, anchored as `fit_bass` does.

    fit_bass fixes the adopters present at t = 0 from the data (the value at t = 0 when the series has
    one, else 0) and lets the rest of the market m follow the Bass CDF.
    """
    y0 = float(series.cumulative_values()[0]) if series.time[0] == 0 else 0.0
    return y0 + (fit.m - y0) * bass_cdf(t, fit.p, fit.q)


def fit_chart_path(csv_path: str | Path, out: Path | None, results: Path) -> Path:
    """Where the chart of a fitted series goes: `out` (a .png), else the results folder
    (data/x.csv -> results/x.fit.png), never beside the input."""
    if out is None:
        return results / (Path(csv_path).stem + FIT_CHART_SUFFIX)
    if out.suffix.lower() != CHART_SUFFIX:
        raise SeriesError(f"--out {out}: the chart is a PNG file; give a path ending in {CHART_SUFFIX}")
    return out


def output_paths(out: Path) -> tuple[Path, Path]:
    """The calibrated scenario (`out`, a .toml file) and its chart beside it (.png): two different files."""
    if out.suffix.lower() != SCENARIO_SUFFIX:
        raise SeriesError(
            f"--out {out}: the calibrated scenario is a TOML file (its chart goes beside it as "
            f"{CHART_SUFFIX}); give a path ending in {SCENARIO_SUFFIX}"
        )
    return out, out.with_suffix(CHART_SUFFIX)


# ==================================================================================================
# Calibration
# ==================================================================================================
@dataclass(frozen=True)
class Vary:
    """A scenario key searched between low and high."""

    key: str
    low: float
    high: float


def parse_varies(texts: list[str], overrides: list[str] = ()) -> list[Vary]:
    """Read every --vary KEY=LO:HI, refusing a key also fixed by --set (the rest: `check_problem`)."""
    varies = [parse_vary(t) for t in texts]
    keys = [v.key for v in varies]
    fixed = {parse_override(item)[0] for item in overrides}
    both = next((k for k in keys if k in fixed), None)
    if both is not None:
        raise SeriesError(f"--vary {both}: also fixed by --set; a key is either searched (--vary) or set (--set)")
    return varies


def parse_vary(text: str) -> Vary:
    """Read KEY=LO:HI, e.g. wom.transmission=0.02:0.3."""
    key, sep, bounds = text.partition("=")
    low, sep2, high = bounds.partition(":")
    try:
        vary = Vary(key.strip(), float(low), float(high))
    except ValueError:
        vary = None
    if not sep or not sep2 or vary is None or not key.strip():
        raise SeriesError(f"--vary {text!r}: expected KEY=LO:HI with numbers, e.g. wom.transmission=0.02:0.3")
    if not (math.isfinite(vary.low) and math.isfinite(vary.high)):
        raise SeriesError(f"--vary {text!r}: LO and HI must be finite numbers (a search range is bounded)")
    if not vary.low < vary.high:
        raise SeriesError(f"--vary {text!r}: LO must be < HI")
    return vary


def with_values(scenario: Scenario, values: dict[str, float], source: str = "--vary") -> Scenario:
    """The scenario with dotted keys set to values, validated; values of integer keys are rounded."""
    data = scenario.model_dump()
    for key, value in values.items():
        current = _get_dotted(data, key)
        if isinstance(current, int) and not isinstance(current, bool):
            value = int(round(value))
        set_dotted(data, key, value, source)
    return scenario_from_dict(data, source=source)


def _get_dotted(data: dict, key: str) -> Any:
    """data[a][b][c] for 'a.b.c', or None if a part is missing."""
    node: Any = data
    for part in key.split("."):
        if not isinstance(node, dict) or part not in node:
            return None
        node = node[part]
    return node


def simulated_series(frames: list[pd.DataFrame], target: TargetSeries) -> np.ndarray:
    """The replicates' mean series in the target's column, on the target's time grid.

    adopted_total: the mean cumulative curve interpolated at the target times. new_adopters: the
    increase of that curve over each target period (t[i-1], t[i]], the first period as long as the
    second, so periods of any length (weeks, months) compare with the simulation's steps.
    """
    mean = pd.concat(frames).groupby("time", sort=True)[CUMULATIVE].mean()
    curve = lambda t: np.interp(t, mean.index.to_numpy(dtype=float), mean.to_numpy(dtype=float))  # noqa: E731
    if target.cumulative:
        return curve(target.time)
    first_start = max(target.time[0] - (target.time[1] - target.time[0]), 0.0)
    starts = np.concatenate(([first_start], target.time[:-1]))
    return curve(target.time) - curve(starts)


def rmse(a: np.ndarray, b: np.ndarray) -> float:
    """Root mean squared difference."""
    return float(np.sqrt(np.mean((np.asarray(a) - np.asarray(b)) ** 2)))


@dataclass
class Calibration:
    """The best values found, their RMSE (people) and simulated series, and the search's history."""

    values: dict[str, float]
    rmse: float
    simulated: np.ndarray
    target: TargetSeries
    evaluations: int
    message: str

    @property
    def relative_rmse(self) -> float:
        """RMSE as a fraction of the target's largest value."""
        top = float(np.max(np.abs(self.target.values)))
        return self.rmse / top if top > 0 else math.nan


def default_max_evals(n_keys: int) -> int:
    """The default budget of candidates for n varied keys."""
    return EVALS_PER_KEY * n_keys


def search_budget(n_keys: int, max_evals: int | None) -> int:
    """The candidates simulated for n varied keys: `max_evals` (default EVALS_PER_KEY per key), at
    least one generation of differential evolution (DE_POPSIZE per key)."""
    budget = default_max_evals(n_keys) if max_evals is None else max_evals
    population = DE_POPSIZE * n_keys
    if budget < population:
        raise SeriesError(
            f"--max-evals {budget}: below one generation of the search ({population} = {DE_POPSIZE} per key); raise it"
        )
    return budget


def fitted_mask(target: TargetSeries, hold_out: list[float]) -> np.ndarray:
    """Rows that are fitted: after time 0 (the start is the initial condition) and not held out."""
    held = np.isin(target.time, hold_out)
    return (target.time > 0) & ~held


def check_problem(
    scenario: Scenario,
    target: TargetSeries,
    varies: list[Vary],
    hold_out: list[float] = (),
    pseudo_keys: tuple[str, ...] = (),
) -> np.ndarray:
    """Refuse a calibration that cannot be posed, before any simulation; return the fitted rows.

    The one check of both methods (differential evolution and ABC), from the command and from Python:
    each key once, held-out times that are rows of the target, no more free parameters than fitted
    points, a target within the simulated horizon and population, and both ends of every range valid
    scenario values (`pseudo_keys`, such as ABC's delay, are not scenario keys).
    """
    check_keys(varies)
    missing = [t for t in hold_out if t not in target.time]
    if missing:
        raise SeriesError(f"--hold-out {missing[0]:g}: no row of {target.path} has this time")
    mask = fitted_mask(target, list(hold_out))
    if len(varies) > int(mask.sum()):
        raise SeriesError(
            f"--vary: {len(varies)} free parameters but {target.path} has only {int(mask.sum())} data points to "
            f"fit (rows after time 0, not held out); give at most {int(mask.sum())} --vary"
        )
    check_within(scenario, target)
    check_ranges(scenario, varies, pseudo_keys)
    return mask


def check_keys(varies: list[Vary]) -> None:
    """Refuse no --vary at all, or a key given twice."""
    if not varies:
        raise SeriesError("--vary: give at least one KEY=LO:HI")
    keys = [v.key for v in varies]
    repeated = next((k for i, k in enumerate(keys) if k in keys[:i]), None)
    if repeated is not None:
        raise SeriesError(f"--vary {repeated}: given twice; give each key once, with one range")


def check_ranges(scenario: Scenario, varies: list[Vary], pseudo_keys: tuple[str, ...] = ()) -> None:
    """Refuse a range whose ends are not valid scenario values (`pseudo_keys` are not scenario keys)."""
    for vary in varies:
        if vary.key not in pseudo_keys:
            for end in (vary.low, vary.high):
                with_values(scenario, {vary.key: end}, source=f"--vary {vary.key}={vary.low:g}:{vary.high:g}")


def check_within(scenario: Scenario, target: TargetSeries) -> None:
    """Refuse a target beyond the simulated horizon (run.days) or above the population a simulation has."""
    if target.time.max() > scenario.run.days:
        raise SeriesError(
            f"{target.path}: runs to day {target.time.max():g} but the scenario stops at "
            f"run.days = {scenario.run.days:g}; add --set run.days={math.ceil(target.time.max())}"
        )
    most, size = float(np.max(target.cumulative_values())), scenario.population.size
    if most > size * (1 + ROUNDING_SLACK):
        raise SeriesError(
            f"{target.path}: reaches {most:g} adopters but population.size is {size}: a simulation has at "
            f"most that many; give population.size >= {math.ceil(most)} (--set), or the market the "
            "population stands for (--market, --method abc)"
        )


def run(
    scenario: Scenario,
    target: TargetSeries,
    varies: list[Vary],
    options: ResearchOptions | None = None,
    max_evals: int | None = None,
    runner: Runner | None = None,
    progress: Callable[[int], None] | None = None,
) -> Calibration:
    """Find values of the varied keys whose simulated mean series matches the target (least RMSE).

    Every candidate runs `options.replicates` replicates (default run.replicates) with the same seeds
    spawned from `options.seed` (default run.seed). At most `max_evals` candidates are simulated (default
    EVALS_PER_KEY per key); `progress` is called with 1 after each. Candidates that fail validation
    raise ScenarioError naming the key. `options.workers` processes (default 1) run each candidate's replicates
    (sim.run.executor) with identical results.
    """
    from scipy.optimize import differential_evolution

    check_problem(scenario, target, varies)
    search_budget(len(varies), max_evals)
    keys = [v.key for v in varies]
    options = options or ResearchOptions()
    replicates = scenario.run.replicates if options.replicates is None else options.replicates
    seed = scenario.run.seed if options.seed is None else options.seed
    workers = options.workers or 1
    seeds = replicate_seeds(seed, replicates)
    runner = runner or run_replicate
    cache: dict[tuple[float, ...], tuple[float, np.ndarray]] = {}

    def objective(x) -> float:
        point = tuple(float(v) for v in np.atleast_1d(x))
        if point not in cache:
            candidate = with_values(scenario, dict(zip(keys, point)))
            tasks = [(candidate, seq, r) for r, seq in enumerate(seeds)]
            frames = run_tasks(executor, functools.partial(apply_runner, runner), tasks)
            simulated = simulated_series(frames, target)
            cache[point] = (rmse(simulated, target.values), simulated)
            if progress:
                progress(1)
        return cache[point][0]

    bounds = [(v.low, v.high) for v in varies]
    max_evals = search_budget(len(varies), max_evals)
    population = DE_POPSIZE * len(varies)
    with open_executor(workers, tasks=replicates) as executor:
        result = differential_evolution(
            objective, bounds, seed=seed, popsize=DE_POPSIZE, maxiter=max_evals // population - 1, polish=False, tol=0
        )
    best = min(cache, key=lambda p: cache[p][0])
    return Calibration(
        dict(zip(keys, best)),
        cache[best][0],
        cache[best][1],
        target,
        len(cache),
        str(getattr(result, "message", "")),
    )


# ==================================================================================================
# Writing the calibrated scenario
# ==================================================================================================
def calibrated_data(scenario_path: Path, overrides: list[str], values: dict[str, float]) -> dict:
    """The scenario file's own dict (`extends` merged) with --set overrides and the calibrated values applied.

    `scenario_path` may name a shipped scenario (`bass`), as `wom calibrate` takes it. An edge-list
    path is made absolute, so the calibrated file works wherever it is written.
    """
    scenario_path = resolve_scenario(scenario_path)
    data = read_scenario_dict(scenario_path)
    for item in overrides:
        set_dotted(data, *parse_override(item, str(scenario_path)), str(scenario_path))
    for key, value in values.items():
        set_dotted(data, key, value, "calibrated")
    path = data.get("network", {}).get("path")
    if path and not Path(path).is_absolute():
        data["network"]["path"] = str((scenario_path.resolve().parent / path).resolve())
    data["name"] = f"{data.get('name', scenario_path.stem)}-calibrated"
    return data


def write_outputs(
    scenario_path: Path, overrides: list[str], result: Calibration, out: Path, force: bool = False
) -> Path:
    """Write the calibrated scenario TOML (with a header saying how it was made) and check it loads."""
    header = [
        f"# Calibrated by `wom calibrate` from {scenario_path} against {result.target.path}",
        f"# ({result.target.column}): RMSE {result.rmse:.4g} people "
        f"({result.relative_rmse:.2%} of the target's maximum) after {result.evaluations} evaluations.",
        *(f"# {k} = {v:.6g}" for k, v in result.values.items()),
    ]
    text = "\n".join(header) + "\n" + dumps_toml(calibrated_data(scenario_path, overrides, result.values))
    scenario_from_dict(loads_toml(text, str(out)), source=str(out))  # valid before it is written
    return write_text(out, text, force)

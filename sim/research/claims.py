"""Experiments: the seeds' claims as comparisons of scenarios, run with common random numbers.

An experiment file (TOML, see docs/experiments.md) states one claim, the scenarios it compares (the
*arms*), the metrics and the direction the claim expects, the statistical test and its level, and
optionally a small sweep (*conditions*) over which the comparison is repeated to map where the claim
holds. `load_experiment` validates a file, `run_experiment` runs every (condition point, arm,
replicate), tests every expectation at every point and writes the results folder atomically:

    results/experiments/<name>/
        comparison.png          headline point: mean and 90% band of the first chart column per arm
        charts/<col>--<point>.png   the same for every chart column and condition point
        table.md, table.csv     per point and arm: mean and 90% interval of every metric
        comparisons.csv         per expectation and point: effect size, p-values, verdict
        runs.csv                one row per run: point, arm, replicate, metrics
        verdict.json            the claim, settings, seeds and every comparison

**Common random numbers.** Replicate r of every arm and every condition point uses the same seed
stream, child r of `SeedSequence(seed)` (`sim.run.runner.replicate_seeds`). Arms that build the same
layers therefore share their graphs, expectations and seed users, so a difference between arms comes
from the mechanism and not from luck of the draw; replicates pair up across arms, which is why the
default test is Wilcoxon's signed-rank test on the per-replicate differences.

**Expectations.** An expectation is a linear contrast of arms, per replicate
``d_r = sum_arm w_arm * metric(arm, r)``, and a claimed direction against a margin:
``d > margin`` ("greater") or ``d < margin`` ("less"). Two arms ``arms = ["A", "B"]`` mean
``A - B``; one arm ``arms = ["A"]`` compares A itself with the margin (a one-sample test).
The verdict at a point is "holds" if the one-sided test in the claimed direction has p < alpha,
"reversed" if the one-sided test in the opposite direction does, and "inconclusive" otherwise.
"""

from __future__ import annotations

import itertools
import json
import math
import multiprocessing
import sys
import tomllib
from collections.abc import Callable
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator
from scipy import optimize, stats

from sim.config.errors import ScenarioError
from sim.config.scenario import format_validation_error, load_scenario
from sim.config.schema import EngineConfig, Scenario
from sim.model import rules
from sim.run.io import atomic_directory, check_output
from sim.run.metrics import BAND_LEVEL, summarize_replicate, to_jsonable
from sim.run.runner import package_versions, replicate_seeds, run_replicate

# --- Layout --------------------------------------------------------------------------------------
#: Where `wom experiment` writes unless --out is given: RESULTS_ROOT / <name> (or <name>-ci).
RESULTS_ROOT = Path("results") / "experiments"
CI_SUFFIX = "-ci"
HEADLINE_CHART = "comparison.png"
CHARTS_DIR = "charts"
ARMS_TABLE = "table.csv"
MARKDOWN_TABLE = "table.md"
COMPARISONS_TABLE = "comparisons.csv"
RUNS_TABLE = "runs.csv"
VERDICT_FILE = "verdict.json"
#: Output kind of a claim's results folder (sim.run.io markers).
CLAIM_KIND = "claim"

# --- Statistics ----------------------------------------------------------------------------------
DEFAULT_ALPHA = 0.05
HOLDS, REVERSED, INCONCLUSIVE = "holds", "reversed", "inconclusive"
#: Quantiles of the across-replicate interval reported per arm (the same 90% as run summaries).
INTERVAL = ((1 - BAND_LEVEL) / 2, (1 + BAND_LEVEL) / 2)
#: Fewest usable replicate pairs for a test; with fewer the verdict is inconclusive (p = 1).
MIN_PAIRS = 3

# --- Metrics -------------------------------------------------------------------------------------
#: Metrics of `sim.run.metrics.summarize_replicate` an experiment may compare.
SUMMARY_METRICS = (
    "final_adoption",
    "time_to_10pct",
    "time_to_50pct",
    "peak_adoption_rate",
    "peak_time",
    "fan_share",
    "detractor_share",
    "cost_per_adopter",
)
#: Milestone times are NaN when the level is never reached; experiments count such a run as reaching it
#: at the horizon (right-censored), which can only understate a difference.
CENSORED_AT_HORIZON = ("time_to_10pct", "time_to_50pct")
#: Metrics always reported in the arms table, besides those the expectations compare.
TABLE_METRICS = ("final_adoption", "time_to_50pct", "fan_share", "detractor_share")
#: Default length (days) of the windows of `participation_retention`.
DEFAULT_WINDOW = 30.0
#: Time-series columns a chart may draw (recorded by every run, see sim/model/model.py `_record`), with their
#: y-axis label; `sim.viz.charts.plot_comparison` divides each by the population and shows it in percent.
CHART_LABELS = {
    "unaware": "Unaware (% of population)",
    "aware": "Aware (% of population)",
    "adopters": "Adopters, fans excluded (% of population)",
    "fans": "Fans (% of population)",
    "detractors": "Detractors (% of population)",
    "rejecters": "Rejecters (% of population)",
    "adopted_total": "Ever adopted (% of population)",
    "new_adopters": "New adopters per step (% of population)",
    "participations": "Cumulative participations per person (100% = 1)",
    "talking": "Expected talkers (% of population)",
}
CHART_COLUMNS = tuple(CHART_LABELS)
#: Longest experiment name + point label that still fits a chart title with the experiment's name.
MAX_TITLE_CHARS = 60


class ExperimentError(ScenarioError):
    """An experiment file or one of its arms' scenarios that cannot be used; the message says where."""


# ==================================================================================================
# Metrics computed from a replicate's time series
# ==================================================================================================
def _value_at(ts: pd.DataFrame, column: str, day: float) -> float:
    """The column's value at the last record on or before `day` (the first record if none)."""
    before = ts[ts["time"] <= day + 1e-9]
    row = before.iloc[-1] if len(before) else ts.iloc[0]
    return float(row[column])


def fans_end(ts: pd.DataFrame, population: int, day: float | None, window: float) -> float:
    """Fans at the end of the run, as a fraction of the population (fans retained)."""
    return float(ts["fans"].iloc[-1]) / population


def detractors_end(ts: pd.DataFrame, population: int, day: float | None, window: float) -> float:
    """Detractors at the end of the run, as a fraction of the population."""
    return float(ts["detractors"].iloc[-1]) / population


def adoption_at_day(ts: pd.DataFrame, population: int, day: float | None, window: float) -> float:
    """Fraction of the population that had adopted by `day`."""
    return _value_at(ts, "adopted_total", day) / population


def talk_days_per_adopter(ts: pd.DataFrame, population: int, day: float | None, window: float) -> float:
    """Expected talk-days per adopter: the sum over steps of `talking` (the expected number of talkers)
    times dt, divided by everyone who ever adopted. Longer talk windows and renewed talk raise it."""
    time = ts["time"].to_numpy(dtype=float)
    dt = float(time[1] - time[0]) if len(time) > 1 else 1.0
    adopted = float(ts["adopted_total"].iloc[-1])
    talk = float(ts["talking"].iloc[:-1].sum()) * dt  # the last record's talkers belong to a step not run
    return talk / adopted if adopted > 0 else float("nan")


def participation_retention(ts: pd.DataFrame, population: int, day: float | None, window: float) -> float:
    """Engagement kept: participations per day over the last `window` days of the run divided by
    participations per day over the `window` days before `day` (e.g. the day the brand steps back).
    1 = engagement persists at its level, 0 = it died out; NaN if nobody took part before `day`."""
    end = float(ts["time"].iloc[-1])
    before = _value_at(ts, "participations", day) - _value_at(ts, "participations", day - window)
    after = _value_at(ts, "participations", end) - _value_at(ts, "participations", end - window)
    return after / before if before > 0 else float("nan")


def fan_retention(ts: pd.DataFrame, population: int, day: float | None, window: float) -> float:
    """Fans at the end divided by fans on `day`; NaN if there were none on `day`."""
    on_day = _value_at(ts, "fans", day)
    return float(ts["fans"].iloc[-1]) / on_day if on_day > 0 else float("nan")


@dataclass(frozen=True)
class SeriesMetric:
    """A metric computed from one replicate's time series; `needs_day` if it reads the series at a day."""

    compute: Callable[[pd.DataFrame, int, float | None, float], float]
    needs_day: bool


#: Metrics computed here from the time series (in addition to SUMMARY_METRICS).
SERIES_METRICS = {
    "fans_end": SeriesMetric(fans_end, False),
    "detractors_end": SeriesMetric(detractors_end, False),
    "adoption_at_day": SeriesMetric(adoption_at_day, True),
    "talk_days_per_adopter": SeriesMetric(talk_days_per_adopter, False),
    "participation_retention": SeriesMetric(participation_retention, True),
    "fan_retention": SeriesMetric(fan_retention, True),
}
METRICS = (*SUMMARY_METRICS, *SERIES_METRICS)


def needs_day(metric: str) -> bool:
    """Whether the metric is read at a day (an expectation must then give `day`)."""
    return metric in SERIES_METRICS and SERIES_METRICS[metric].needs_day


@dataclass(frozen=True)
class MetricSpec:
    """A metric with the day and window it is read at; `key` names it in tables ('fan_retention@200')."""

    name: str
    day: float | None = None
    window: float = DEFAULT_WINDOW

    @property
    def key(self) -> str:
        if self.day is None:
            return self.name
        suffix = f"@{self.day:g}"
        if self.name == "participation_retention" and self.window != DEFAULT_WINDOW:
            suffix += f"w{self.window:g}"
        return self.name + suffix


def replicate_metrics(ts: pd.DataFrame, population: int, specs: list[MetricSpec]) -> dict[str, float]:
    """The metrics of one replicate: `summarize_replicate` plus the time-series metrics of `specs`.

    Milestone times are raw here (NaN = never reached); `metric_values` applies the censoring.
    """
    summary = summarize_replicate(ts, population)
    out = {name: float(summary[name]) for name in SUMMARY_METRICS}
    for spec in specs:
        if spec.name in SERIES_METRICS:
            out[spec.key] = SERIES_METRICS[spec.name].compute(ts, population, spec.day, spec.window)
    return out


# ==================================================================================================
# Valence shares of adopters (what "the same share" means in claim 10)
# ==================================================================================================
#: Grid points and width (in expectation standard deviations) of the integral in `adopter_valence_shares`.
VALENCE_GRID_POINTS = 4001
VALENCE_GRID_SDS = 8.0


@dataclass(frozen=True)
class ValenceShares:
    """Expected shares of new adopters who complain, stay quiet and advocate."""

    detractor: float
    quiet: float
    advocate: float


def adopter_valence_shares(engine: EngineConfig) -> ValenceShares:
    """Expected valence shares of buyers, from the engine's distributions (docs/model.md section 5.1).

    A persuaded person with expectation e ~ Normal(expectation_mean, expectation_sd) buys with chance
    c(e) (`rules.conversion_probability`), so buyers' expectations have density proportional to
    pdf(e) * c(e); a buyer's margin is quality - e + Normal(0, experience_sd). This weights a person by
    one persuasion; people persuaded several times are weighted a little more towards low expectations,
    so realised shares differ slightly (the experiment reports the realised detractor share).
    """
    q = engine.quality
    sd = max(engine.expectation_sd, 1e-12)
    e = np.linspace(
        engine.expectation_mean - VALENCE_GRID_SDS * sd,
        engine.expectation_mean + VALENCE_GRID_SDS * sd,
        VALENCE_GRID_POINTS,
    )
    weight = stats.norm.pdf(e, engine.expectation_mean, sd) * np.asarray(
        rules.conversion_probability(q, e, engine.sensitivity, engine.max_conversion)
    )
    weight = weight / weight.sum()
    gap = q - e
    if engine.experience_sd > 0:
        below = lambda m: stats.norm.cdf((m - gap) / engine.experience_sd)  # noqa: E731
    else:
        below = lambda m: (gap < m).astype(float)  # noqa: E731
    detractor = float(np.sum(weight * below(engine.detractor_margin)))
    advocate = float(np.sum(weight * (1.0 - below(engine.advocate_margin))))
    return ValenceShares(detractor, 1.0 - detractor - advocate, advocate)


def margins_for_shift(engine: EngineConfig, share: float) -> tuple[float, float]:
    """(detractor_margin, advocate_margin) that move `share` of adopters out of the quiet band.

    The first raises engine.detractor_margin so that `share` more adopters complain; the second lowers
    engine.advocate_margin so that `share` more advocate; both take them from the quiet band, so the
    two arms differ from the baseline by the same expected share of adopters, in opposite directions.
    """
    base = adopter_valence_shares(engine)
    if share > base.quiet:
        raise ValueError(f"share {share} exceeds the quiet band ({base.quiet:.3f}) of this engine")

    def shifted(**margins) -> ValenceShares:
        return adopter_valence_shares(engine.model_copy(update=margins))

    detractor = optimize.brentq(
        lambda m: shifted(detractor_margin=m).detractor - base.detractor - share,
        engine.detractor_margin,
        engine.advocate_margin,
    )
    advocate = optimize.brentq(
        lambda m: shifted(advocate_margin=m).advocate - base.advocate - share,
        engine.detractor_margin,
        engine.advocate_margin,
    )
    return float(detractor), float(advocate)


# ==================================================================================================
# Experiment files
# ==================================================================================================
ConditionValue = bool | int | float | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Arm(_Strict):
    """One scenario in the comparison."""

    label: str = Field(min_length=1, description="Name of the arm in tables, charts and expectations.")
    scenario: str = Field(description="Scenario file, relative to the experiment file.")
    set: list[str] = Field(
        default_factory=list, description="Overrides KEY=VALUE for this arm only (after the experiment's)."
    )
    note: str = Field("", description="Why this arm looks as it does (documentation).")


class Expectation(_Strict):
    """What the claim expects of one metric: a contrast of arms, a direction and a test."""

    metric: str = Field(description="A metric name (see METRICS).")
    arms: list[str] | None = Field(
        None,
        min_length=1,
        max_length=2,
        description='["A", "B"]: the contrast A - B; ["A"]: A itself against the margin.',
    )
    contrast: dict[str, float] | None = Field(
        None, description="Weights per arm label, e.g. {D = 1, A = 1, base = -2}."
    )
    direction: Literal["greater", "less"] = Field(
        description="The claim: contrast > margin (greater) or < margin (less)."
    )
    margin: float = Field(0.0, description="The value the contrast is compared with (0 = plain difference).")
    test: Literal["wilcoxon", "mannwhitney"] = Field(
        "wilcoxon",
        description="wilcoxon: signed-rank test of paired replicates (common random numbers); "
        "mannwhitney: rank-sum test of two independent samples (two-arm contrasts only).",
    )
    alpha: float = Field(DEFAULT_ALPHA, gt=0, lt=1, description="Significance level of the one-sided test.")
    day: float | None = Field(None, ge=0, description="Day a day-dependent metric is read at.")
    window: float = Field(DEFAULT_WINDOW, gt=0, description="Window (days) of participation_retention.")
    claimed_at: dict[str, list[ConditionValue]] | None = Field(
        None, description="Condition values at which the claim asserts this (default: every point)."
    )
    note: str = Field("", description="What this expectation means in the claim's words.")

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, v: str) -> str:
        if v not in METRICS:
            raise ValueError(f"unknown metric {v!r}; allowed: {', '.join(METRICS)}")
        return v

    @model_validator(mode="after")
    def _one_contrast(self) -> Expectation:
        if (self.arms is None) == (self.contrast is None):
            raise ValueError("give exactly one of arms = [A, B] or contrast = {label = weight, ...}")
        if self.arms is not None:
            self.contrast = dict(zip(self.arms, (1.0, -1.0)))
            if len(self.contrast) != len(self.arms):
                raise ValueError(f"arms lists the same arm twice: {self.arms}")
        if not self.contrast or all(w == 0 for w in self.contrast.values()):
            raise ValueError("contrast needs at least one non-zero weight")
        if self.test == "mannwhitney" and sorted(self.contrast.values()) != [-1.0, 1.0]:
            raise ValueError('test = "mannwhitney" compares two independent samples: use arms = ["A", "B"]')
        if needs_day(self.metric) and self.day is None:
            raise ValueError(f"metric {self.metric!r} is read at a day: set day = ...")
        return self

    @property
    def spec(self) -> MetricSpec:
        """The metric with its day and window."""
        return MetricSpec(self.metric, self.day if needs_day(self.metric) else None, self.window)

    def describe(self) -> str:
        """The expectation in a few words, e.g. 'final_adoption: hit - portfolio > 0'."""
        ordered = sorted(self.contrast.items(), key=lambda kv: -kv[1])  # positive weights first
        terms = " ".join(f"{'+' if w > 0 else '-'} {_weight(abs(w))}{label}" for label, w in ordered)
        sign = ">" if self.direction == "greater" else "<"
        return f"{self.spec.key}: {terms.removeprefix('+ ')} {sign} {self.margin:g}"


def _weight(w: float) -> str:
    """A contrast weight as a prefix: nothing for 1, '2*' for 2."""
    return "" if w == 1 else f"{w:g}*"


class Experiment(_Strict):
    """A claim as a comparison of scenarios: arms, expectations, replicates, seed, CI settings, conditions."""

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._-]*$", description="Names the results folder.")
    claim: str = Field(min_length=1, description="The claim, in one sentence.")
    description: str = ""
    seed: int = Field(
        0, ge=0, description="Master seed; replicate r of every arm uses child r (common random numbers)."
    )
    replicates: int = Field(20, ge=2, le=10_000, description="Replicates per arm and point (full run).")
    ci_replicates: int | None = Field(None, ge=2, le=10_000, description="Replicates with --ci (default: replicates).")
    set: list[str] = Field(default_factory=list, description="Overrides applied to every arm (full run).")
    ci_set: list[str] = Field(
        default_factory=list, description="Overrides applied after `set` with --ci (small and short)."
    )
    charts: list[str] = Field(
        default_factory=lambda: ["adopted_total"],
        min_length=1,
        description="Time-series columns drawn (divided by the population); the first is comparison.png.",
    )
    arms: list[Arm] = Field(min_length=2)
    expect: list[Expectation] = Field(min_length=1)
    conditions: dict[str, list[ConditionValue]] = Field(
        default_factory=dict,
        description="One or two dotted keys -> values: the comparison is repeated at every combination.",
    )
    ci_conditions: dict[str, list[ConditionValue]] | None = Field(
        None, description="The condition values run with --ci (default: conditions)."
    )
    condition_arms: dict[str, list[str]] = Field(
        default_factory=dict, description="Condition key -> the arm labels it applies to (default: every arm)."
    )
    headline: dict[str, ConditionValue] | None = Field(
        None, description="The point drawn as comparison.png (default: the first)."
    )

    @field_validator("charts")
    @classmethod
    def _chart_columns(cls, v: list[str]) -> list[str]:
        unknown = [c for c in v if c not in CHART_COLUMNS]
        if unknown:
            raise ValueError(f"unknown time-series column {unknown[0]!r}; allowed: {', '.join(CHART_COLUMNS)}")
        return v

    @field_validator("conditions", "ci_conditions")
    @classmethod
    def _small_sweep(cls, v: dict | None) -> dict | None:
        if v is None:
            return v
        if len(v) > 2:
            raise ValueError(f"at most two condition keys (a small sweep), got {len(v)}")
        for key, values in v.items():
            if not values:
                raise ValueError(f'"{key}": empty list of values')
            if len(set(map(repr, values))) != len(values):
                raise ValueError(f'"{key}": duplicate values in {values!r}')
        return v

    @model_validator(mode="after")
    def _consistent(self) -> Experiment:
        labels = [a.label for a in self.arms]
        if len(set(labels)) != len(labels):
            raise ValueError(f"arm labels must be unique, got {labels}")
        for i, e in enumerate(self.expect):
            unknown = sorted(set(e.contrast) - set(labels))
            if unknown:
                raise ValueError(f"expect[{i}] names arm {unknown[0]!r}; arms are {labels}")
            for key, values in (e.claimed_at or {}).items():
                _check_condition_values(f"expect[{i}].claimed_at", key, values, self.conditions)
        if self.ci_conditions is not None and set(self.ci_conditions) != set(self.conditions):
            raise ValueError(f"ci_conditions must have the keys of conditions ({sorted(self.conditions)})")
        if self.headline is not None:
            for key, value in self.headline.items():
                _check_condition_values("headline", key, [value], self.conditions)
        for key, arm_labels in self.condition_arms.items():
            if key not in self.conditions:
                raise ValueError(f'condition_arms: "{key}" is not a condition key')
            unknown = sorted(set(arm_labels) - set(labels))
            if unknown:
                raise ValueError(f'condition_arms: "{key}" names arm {unknown[0]!r}; arms are {labels}')
        common = {_override_key(item) for item in (*self.set, *self.ci_set)}
        for arm in self.arms:
            fixed = common | {_override_key(item) for item in arm.set}
            clash = sorted(fixed & set(self.applied_conditions(arm.label)))
            if clash:
                raise ValueError(
                    f'"{clash[0]}" is both a condition and a fixed override (set) of arm {arm.label!r}; keep one'
                )
        return self

    def applied_conditions(self, label: str) -> list[str]:
        """The condition keys that apply to the arm with this label."""
        return [k for k in self.conditions if label in self.condition_arms.get(k, [label])]

    def condition_grid(self, ci: bool = False) -> list[dict[str, ConditionValue]]:
        """The condition points, first key varying slowest; [{}] without conditions."""
        conditions = self.ci_conditions if ci and self.ci_conditions is not None else self.conditions
        keys = list(conditions)
        return [dict(zip(keys, values)) for values in itertools.product(*(conditions[k] for k in keys))]

    def metric_specs(self) -> list[MetricSpec]:
        """Every metric the expectations compare, without repeats, in order."""
        return list(dict.fromkeys(e.spec for e in self.expect))

    def table_keys(self) -> list[str]:
        """Metric keys of the arms table: the compared ones, then the usual headline metrics."""
        return list(dict.fromkeys([*(s.key for s in self.metric_specs()), *TABLE_METRICS]))


def _override_key(item: str) -> str:
    """The dotted key of a KEY=VALUE override."""
    return item.split("=", 1)[0].strip()


def _check_condition_values(where: str, key: str, values: list, conditions: dict) -> None:
    """Values named in claimed_at / headline must be condition values."""
    if key not in conditions:
        raise ValueError(f'{where}: "{key}" is not a condition key (conditions: {sorted(conditions) or "none"})')
    missing = [v for v in values if v not in conditions[key]]
    if missing:
        raise ValueError(f'{where}: "{key}" = {missing[0]!r} is not among the condition values {conditions[key]}')


def _owner_model(loc: tuple) -> type[BaseModel]:
    """The experiment-file model that owns the key at `loc`, for listing the allowed keys."""
    model: type[BaseModel] = Experiment
    nested = {"arms": Arm, "expect": Expectation}
    if loc and loc[0] in nested and len(loc) > 2:
        model = nested[loc[0]]
    return model


def format_experiment_error(exc: ValidationError, source: str) -> str:
    """`sim.config.scenario.format_validation_error`'s message (file, one line per key), for an experiment file.

    That formatter lists a scenario section's keys for an unknown key; here the lines of unknown keys
    list the experiment file's own keys instead.
    """
    lines = format_validation_error(exc, source).splitlines()
    lines[0] = f"{source}: invalid experiment"
    for i, err in enumerate(exc.errors(), start=1):
        if err["type"] == "extra_forbidden":
            loc = tuple(p for p in err["loc"] if p != "function-after")
            allowed = ", ".join(sorted(_owner_model(loc).model_fields))
            lines[i] = f"  {'.'.join(map(str, loc))}: unknown key; allowed keys here: {allowed}"
    return "\n".join(lines)


def load_experiment(path: str | Path) -> Experiment:
    """Read and validate an experiment file; any problem is one ExperimentError naming the file and key."""
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
        raise ExperimentError(format_experiment_error(exc, str(path))) from None


def experiment_files(path: str | Path) -> list[Path]:
    """The experiment file itself, or every *.toml of a directory in name order."""
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.toml"))
        if not files:
            raise ExperimentError(f"{path}: no experiment files (*.toml) in this directory")
        return files
    return [path]


# ==================================================================================================
# Building the runs
# ==================================================================================================
def toml_value(value: ConditionValue) -> str:
    """A condition value written as the VALUE of a KEY=VALUE override."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value)
    return repr(value)


def point_label(point: dict[str, ConditionValue], short: bool = False) -> str:
    """'engine.quality=0.45, wom.q=0' ('quality=0.45, q=0' if short; 'base' without conditions)."""
    return ", ".join(f"{k.rsplit('.', 1)[-1] if short else k}={v}" for k, v in point.items()) or "base"


def point_slug(point: dict[str, ConditionValue]) -> str:
    """A file-name-safe label of a point."""
    return "_".join(f"{k}={v}" for k, v in point.items()).replace("/", "-") or "base"


def arm_scenarios(experiment: Experiment, path: Path, ci: bool) -> list[list[Scenario]]:
    """Every (point, arm) scenario, validated before anything runs: scenarios[point][arm].

    Overrides apply in this order: the experiment's `set`, `ci_set` (with --ci), the arm's `set`,
    then the point's condition values (those of `condition_arms` only to the arms listed there).
    """
    base = path.resolve().parent
    common = [*experiment.set, *(experiment.ci_set if ci else [])]
    scenarios = []
    for point in experiment.condition_grid(ci):
        row = []
        for arm in experiment.arms:
            applied = experiment.applied_conditions(arm.label)
            at_point = [f"{k}={toml_value(v)}" for k, v in point.items() if k in applied]
            try:
                row.append(load_scenario(base / arm.scenario, [*common, *arm.set, *at_point]))
            except ScenarioError as exc:
                raise ExperimentError(f"{path}: arm {arm.label!r} at {point_label(point)}:\n{exc}") from None
        scenarios.append(row)
    return scenarios


@dataclass(frozen=True)
class RunTask:
    """One run: small and picklable, so it can go to a worker process."""

    point: int
    arm: int
    replicate: int
    scenario: Scenario
    seed: np.random.SeedSequence
    specs: tuple[MetricSpec, ...]
    charts: tuple[str, ...]


def execute(task: RunTask) -> tuple[RunTask, dict[str, float], pd.DataFrame]:
    """Run one replicate; return its metrics and the time-series columns the charts draw."""
    ts = run_replicate(task.scenario, task.seed, task.replicate)
    metrics = replicate_metrics(ts, task.scenario.population.size, list(task.specs))
    return task, metrics, ts[["replicate", "time", *task.charts]]


def _run_all(tasks: list[RunTask], workers: int, progress: Callable[[], None]) -> list:
    """Run the tasks, in worker processes when workers > 1; results in task order."""
    if workers <= 1:
        results = []
        for task in tasks:
            results.append(execute(task))
            progress()
        return results
    # forkserver: forking a process that already runs threads (BLAS, tqdm) can deadlock
    with ProcessPoolExecutor(max_workers=workers, mp_context=multiprocessing.get_context("forkserver")) as pool:
        results = []
        for result in pool.map(execute, tasks, chunksize=1):
            results.append(result)
            progress()
        return results


# ==================================================================================================
# Statistics
# ==================================================================================================
@dataclass
class Comparison:
    """One expectation tested at one point."""

    expectation: int
    point: dict[str, ConditionValue]
    description: str
    claimed: bool
    n: int
    estimate: float
    prob_claimed: float
    p_value: float
    p_reverse: float
    alpha: float
    test: str

    @property
    def verdict(self) -> str:
        if self.p_value < self.alpha:
            return HOLDS
        if self.p_reverse < self.alpha:
            return REVERSED
        return INCONCLUSIVE


def metric_values(runs: pd.DataFrame, key: str, horizon: pd.Series | None = None) -> pd.Series:
    """A metric of the runs, with milestone times never reached counted as the run's horizon."""
    values = runs[key].astype(float)
    if key in CENSORED_AT_HORIZON and horizon is not None:
        values = values.fillna(horizon)
    return values


def _opposite(direction: str) -> str:
    return "less" if direction == "greater" else "greater"


def _one_sided_p(sample: np.ndarray, direction: str, test: str, other: np.ndarray | None = None) -> float:
    """One-sided p-value: Wilcoxon signed-rank of `sample` against 0, or Mann-Whitney of sample vs other."""
    if test == "mannwhitney":
        return float(stats.mannwhitneyu(sample, other, alternative=direction).pvalue)
    if np.all(sample == 0):
        return 1.0
    return float(stats.wilcoxon(sample, alternative=direction).pvalue)


def _paired(e: Expectation, values: dict[str, np.ndarray]) -> tuple[int, float, float, np.ndarray, None]:
    """Wilcoxon: per replicate d_r = sum_arm w * value(arm, r) - margin (replicates with a NaN dropped)."""
    contrast = sum(w * values[label] for label, w in e.contrast.items())
    contrast = contrast[np.isfinite(contrast)]
    d = contrast - e.margin
    sign = 1.0 if e.direction == "greater" else -1.0
    prob = float(np.mean(sign * d > 0) + 0.5 * np.mean(d == 0)) if len(d) else math.nan
    return len(d), float(np.mean(contrast)) if len(d) else math.nan, prob, d, None


def _independent(e: Expectation, values: dict[str, np.ndarray]) -> tuple[int, float, float, np.ndarray, np.ndarray]:
    """Mann-Whitney: A - margin against B as independent samples (NaNs dropped)."""
    (a_label, _), (b_label, _) = sorted(e.contrast.items(), key=lambda kv: -kv[1])
    a = values[a_label][np.isfinite(values[a_label])] - e.margin
    b = values[b_label][np.isfinite(values[b_label])]
    sign = 1.0 if e.direction == "greater" else -1.0
    diff = sign * (a[:, None] - b[None, :])
    prob = float(np.mean(diff > 0) + 0.5 * np.mean(diff == 0)) if diff.size else math.nan
    estimate = float(np.mean(a) + e.margin - np.mean(b)) if len(a) and len(b) else math.nan
    return min(len(a), len(b)), estimate, prob, a, b


def compare(
    expectation: Expectation, index: int, values: dict[str, np.ndarray], point: dict[str, ConditionValue], claimed: bool
) -> Comparison:
    """Test one expectation on the per-replicate values of its arms (aligned by replicate).

    The effect size is the mean contrast (`estimate`) and the share of replicates (Wilcoxon) or of
    all (A, B) pairs (Mann-Whitney) on the claimed side of the margin, ties counting half. With fewer
    than MIN_PAIRS usable values both p-values are 1 (inconclusive).
    """
    e = expectation
    n, estimate, prob, sample, other = (_independent if e.test == "mannwhitney" else _paired)(e, values)
    if n < MIN_PAIRS:
        p = p_rev = 1.0
    else:
        p, p_rev = (_one_sided_p(sample, d, e.test, other) for d in (e.direction, _opposite(e.direction)))
    return Comparison(index, point, e.describe(), claimed, n, estimate, prob, p, p_rev, e.alpha, e.test)


def is_claimed(expectation: Expectation, point: dict[str, ConditionValue]) -> bool:
    """Whether the claim asserts the expectation at this point (its claimed_at, or everywhere)."""
    return all(point.get(k) in vs for k, vs in (expectation.claimed_at or {}).items())


# ==================================================================================================
# Running and results
# ==================================================================================================
@dataclass
class ExperimentResult:
    """A finished experiment: its settings, per-run metrics, comparisons and where it was written."""

    experiment: Experiment
    source: Path
    ci: bool
    seed: int
    replicates: int
    points: list[dict[str, ConditionValue]]
    runs: pd.DataFrame
    comparisons: list[Comparison]
    series: dict[tuple[int, int], pd.DataFrame]
    out_dir: Path | None = None

    @property
    def holds(self) -> bool:
        """True if every expectation holds at every point where the claim asserts it."""
        return all(c.verdict == HOLDS for c in self.comparisons if c.claimed)

    @property
    def summary(self) -> str:
        """'holds', 'holds only under some conditions' or 'does not hold' (at the claimed points)."""
        claimed = [c for c in self.comparisons if c.claimed]
        held = sum(c.verdict == HOLDS for c in claimed)
        if held == len(claimed):
            return "holds"
        return "holds only under some conditions" if held else "does not hold"

    def comparison(self, expectation: int, **point: ConditionValue) -> Comparison:
        """The comparison of expectation `expectation` at the point with these condition values."""
        for c in self.comparisons:
            if c.expectation == expectation and all(c.point.get(k) == v for k, v in point.items()):
                return c
        raise KeyError(f"no comparison of expectation {expectation} at {point}")

    def comparisons_frame(self) -> pd.DataFrame:
        """One row per expectation and point."""
        rows = []
        for c in self.comparisons:
            rows.append(
                {
                    "expectation": c.expectation,
                    "description": c.description,
                    **c.point,
                    "claimed": c.claimed,
                    "test": c.test,
                    "n": c.n,
                    "estimate": c.estimate,
                    "prob_claimed_direction": c.prob_claimed,
                    "p_value": c.p_value,
                    "p_reverse": c.p_reverse,
                    "alpha": c.alpha,
                    "verdict": c.verdict,
                }
            )
        return pd.DataFrame(rows)

    def arms_frame(self) -> pd.DataFrame:
        """One row per point, arm and metric: mean, 90% interval, runs, runs that never reached a milestone."""
        rows = []
        keys = self.experiment.table_keys()
        for (point_i, arm_label), group in self.runs.groupby(["point", "arm"], sort=False):
            for key in keys:
                raw = group[key].astype(float)
                values = metric_values(group, key, group["horizon"]).to_numpy()
                finite = values[np.isfinite(values)]
                lo, hi = np.quantile(finite, INTERVAL) if len(finite) else (math.nan, math.nan)
                rows.append(
                    {
                        "point": point_i,
                        **self.points[point_i],
                        "arm": arm_label,
                        "metric": key,
                        "mean": float(finite.mean()) if len(finite) else math.nan,
                        "lo": float(lo),
                        "hi": float(hi),
                        "runs": len(values),
                        "never_reached": int(raw.isna().sum()) if key in CENSORED_AT_HORIZON else 0,
                    }
                )
        return pd.DataFrame(rows)


def run_experiment(
    path: str | Path,
    ci: bool = False,
    replicates: int | None = None,
    seed: int | None = None,
    workers: int = 1,
    progress: bool = False,
    out_dir: str | Path | None = None,
    force: bool = False,
    draw: Callable[[ExperimentResult, Path], list[Path]] | None = None,
) -> ExperimentResult:
    """Run an experiment file and, when out_dir is given, write its results folder.

    ci: use `ci_set`, `ci_replicates` and `ci_conditions` (the small settings the tests use).
    draw(result, folder): adds the charts (sim.viz.research_charts.draw_claim).
    replicates / seed: override the file's. workers > 1 runs replicates in that many processes
    (results are identical: every run's seed is fixed by (seed, replicate)).
    """
    path = Path(path)
    experiment = load_experiment(path)
    if out_dir is not None:
        check_output(out_dir, CLAIM_KIND, force)
    n_rep = replicates or (experiment.ci_replicates if ci and experiment.ci_replicates else experiment.replicates)
    seed = experiment.seed if seed is None else seed
    points = experiment.condition_grid(ci)
    scenarios = arm_scenarios(experiment, path, ci)
    seeds = replicate_seeds(seed, n_rep)
    specs = tuple(experiment.metric_specs())
    tasks = [
        RunTask(p, a, r, scenarios[p][a], seeds[r], specs, tuple(experiment.charts))
        for p in range(len(points))
        for a in range(len(experiment.arms))
        for r in range(n_rep)
    ]
    results = _run_with_bar(tasks, workers, progress, experiment.name)
    result = _collect(experiment, path, ci, seed, n_rep, points, results)
    if out_dir is not None:
        result.out_dir = write_experiment(result, out_dir, force, draw)
    return result


def _run_with_bar(tasks: list[RunTask], workers: int, progress: bool, desc: str) -> list:
    """Run the tasks under a tqdm bar over runs (on stderr; disabled unless `progress`)."""
    from tqdm import tqdm

    with tqdm(
        total=len(tasks), unit="run", desc=desc, disable=not progress, file=sys.stderr, dynamic_ncols=True
    ) as bar:
        return _run_all(tasks, workers, lambda: bar.update(1))


def _collect(
    experiment: Experiment, path: Path, ci: bool, seed: int, n_rep: int, points: list[dict], results: list
) -> ExperimentResult:
    """Per-run metrics, the chart series of every (point, arm), and every comparison."""
    rows, series = [], {}
    for task, metrics, ts in results:
        rows.append(
            {
                "point": task.point,
                **points[task.point],
                "arm": experiment.arms[task.arm].label,
                "replicate": task.replicate,
                "population": task.scenario.population.size,
                "horizon": task.scenario.run.days,
                **metrics,
            }
        )
        series.setdefault((task.point, task.arm), []).append(ts)
    runs = pd.DataFrame(rows)
    series = {key: pd.concat(frames, ignore_index=True) for key, frames in series.items()}
    comparisons = []
    for p, point in enumerate(points):
        at_point = runs[runs["point"] == p]
        for i, e in enumerate(experiment.expect):
            values = {label: _arm_values(at_point, label, e.spec.key, n_rep) for label in e.contrast}
            comparisons.append(compare(e, i, values, point, is_claimed(e, point)))
    return ExperimentResult(experiment, path, ci, seed, n_rep, points, runs, comparisons, series)


def _arm_values(runs: pd.DataFrame, label: str, key: str, n_rep: int) -> np.ndarray:
    """An arm's metric per replicate 0..n_rep-1 (censored milestones at the horizon)."""
    arm = runs[runs["arm"] == label].set_index("replicate").reindex(range(n_rep))
    return metric_values(arm, key, arm["horizon"]).to_numpy(dtype=float)


# ==================================================================================================
# Writing
# ==================================================================================================
def default_out_dir(experiment: Experiment, ci: bool) -> Path:
    """results/experiments/<name> (or <name>-ci)."""
    return RESULTS_ROOT / (experiment.name + (CI_SUFFIX if ci else ""))


def write_experiment(
    result: ExperimentResult,
    out_dir: str | Path,
    force: bool = False,
    draw: Callable[[ExperimentResult, Path], list[Path]] | None = None,
) -> Path:
    """Write tables, verdict.json and what `draw` adds (the charts) into out_dir, all at once
    (sim.run.io.atomic_directory; --force replaces only a previous claim output)."""
    with atomic_directory(out_dir, CLAIM_KIND, force) as tmp:
        charts = draw(result, tmp) if draw is not None else []
        result.arms_frame().to_csv(tmp / ARMS_TABLE, index=False)
        result.comparisons_frame().to_csv(tmp / COMPARISONS_TABLE, index=False)
        result.runs.to_csv(tmp / RUNS_TABLE, index=False)
        (tmp / MARKDOWN_TABLE).write_text(markdown_report(result))
        verdict = verdict_dict(result, [str(c.relative_to(tmp)) for c in charts])
        (tmp / VERDICT_FILE).write_text(json.dumps(to_jsonable(verdict), indent=2, allow_nan=False) + "\n")
    return Path(out_dir)


def headline_point(result: ExperimentResult) -> int:
    """Index of the point drawn as comparison.png: the file's `headline`, else the first point."""
    wanted = result.experiment.headline or {}
    for i, point in enumerate(result.points):
        if all(point.get(k) == v for k, v in wanted.items()):
            return i
    return 0


def _fmt(x: float) -> str:
    """A number for the markdown tables: 3 significant digits, 'n/a' for NaN."""
    return "n/a" if x is None or not np.isfinite(x) else f"{x:.3g}"


def _p(x: float) -> str:
    """A p-value for the markdown tables."""
    return "n/a" if not np.isfinite(x) else ("<0.001" if x < 0.001 else f"{x:.3f}")


def markdown_report(result: ExperimentResult) -> str:
    """table.md: the claim, the verdict per expectation and point, and the arms table."""
    exp = result.experiment
    lines = [
        f"# {exp.name}",
        "",
        f"**Claim.** {exp.claim}",
        "",
        f"**Verdict: {result.summary}** (at the points where the claim asserts it; "
        f"{result.replicates} replicates per arm and point, seed {result.seed}"
        f"{', CI settings' if result.ci else ''}).",
        "",
        "## Comparisons",
        "",
        "Estimate: mean contrast over replicates; P(dir): share of replicates (Wilcoxon) or of pairs "
        "(Mann-Whitney) in the claimed direction; p: one-sided p-value in the claimed direction, "
        "p(rev): in the opposite one. Rows marked * are where the claim asserts the expectation.",
        "",
        "| expectation | point | test | n | estimate | P(dir) | p | p(rev) | verdict |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for c in result.comparisons:
        lines.append(
            f"| {c.description} | {point_label(c.point)}{' *' if c.claimed else ''} | {c.test} | {c.n} "
            f"| {_fmt(c.estimate)} | {_fmt(c.prob_claimed)} | {_p(c.p_value)} | {_p(c.p_reverse)} "
            f"| {c.verdict} |"
        )
    lines += [
        "",
        "## Arms",
        "",
        f"Mean and {BAND_LEVEL:.0%} interval over replicates. Milestone times "
        "never reached count as the horizon (the number of such runs is in brackets).",
        "",
        "| point | arm | metric | mean | 90% interval |",
        "|---|---|---|---|---|",
    ]
    for row in result.arms_frame().itertuples():
        never = f" [{row.never_reached} never]" if row.never_reached else ""
        lines.append(
            f"| {point_label(result.points[row.point])} | {row.arm} | {row.metric} | {_fmt(row.mean)}{never} "
            f"| {_fmt(row.lo)} - {_fmt(row.hi)} |"
        )
    return "\n".join(lines) + "\n"


def verdict_dict(result: ExperimentResult, charts: list[str]) -> dict[str, Any]:
    """verdict.json: the claim, its settings and seed, the verdict and every comparison."""
    exp = result.experiment
    return {
        "name": exp.name,
        "claim": exp.claim,
        "source": str(result.source),
        "ci": result.ci,
        "seed": result.seed,
        "replicates": result.replicates,
        "arms": [arm.model_dump() for arm in exp.arms],
        "conditions": [point_label(p) for p in result.points],
        "verdict": result.summary,
        "holds": result.holds,
        "comparisons": result.comparisons_frame().to_dict(orient="records"),
        "charts": charts,
        "versions": package_versions(),
    }

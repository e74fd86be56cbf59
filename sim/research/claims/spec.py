"""Claim specs: the TOML file that states a claim as a comparison of scenarios, validated.

A claim spec (see docs/experiments.md) names the claim, the scenarios it compares (the *arms*), the
expectations (a contrast of arms on one metric, a direction, a test), replicates and seed, the
small settings used with --ci and optional conditions (a small sweep). It is read with the project's
one TOML reader (sim.config.toml); every problem is one `ClaimError` naming the file and key.
`arm_scenarios` validates every (condition point, arm) scenario before anything runs.
"""

from __future__ import annotations

import itertools
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.config.errors import InputError, ScenarioError
from sim.config.names import NAME_PATTERN
from sim.config.scenario import format_validation_error, load_scenario
from sim.config.schema import Scenario
from sim.config.shipped import scenario_beside
from sim.config.toml import read_spec, toml_value
from sim.research.claims.metrics import (
    CHART_COLUMNS,
    CLAIM_BRAND_METRICS,
    CLAIM_METRICS,
    DEFAULT_ALPHA,
    DEFAULT_WINDOW,
    TABLE_METRICS,
    MetricSpec,
    chart_brand,
    needs_day,
    weighted_terms,
)


class ClaimError(ScenarioError):
    """A claim spec or one of its arms' scenarios that cannot be used; the message says where."""


# ==================================================================================================
# ClaimSpec files
# ==================================================================================================
ConditionValue = bool | int | float | str


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Arm(_Strict):
    """One scenario in the comparison."""

    label: str = Field(min_length=1, description="Name of the arm in tables, charts and expectations.")
    scenario: str = Field(description="Scenario file, relative to the claim file, or a shipped scenario's name.")
    set: list[str] = Field(
        default_factory=list, description="Overrides KEY=VALUE for this arm only (after the experiment's)."
    )
    note: str = Field("", description="Why this arm looks as it does (documentation).")


class Expectation(_Strict):
    """What the claim expects of one metric: a contrast of arms, a direction and a test."""

    metric: str = Field(
        description="A metric name (see CLAIM_METRICS), or in a market of brands a per-brand template "
        "(CLAIM_BRAND_METRICS) with `brands`."
    )
    brands: dict[str, float] | None = Field(
        None,
        description="Per-brand template only: weights per brand name, e.g. {b = 1, a = -1} (b's value minus a's, "
        "within each run) or {a = 1}.",
    )
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
        if v not in CLAIM_METRICS and v not in CLAIM_BRAND_METRICS:
            allowed = ", ".join((*CLAIM_METRICS, *(f"{t} (with brands)" for t in CLAIM_BRAND_METRICS)))
            raise ValueError(f"unknown metric {v!r}; allowed: {allowed}")
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
        per_brand = self.metric in CLAIM_BRAND_METRICS
        if per_brand and not self.brands:
            raise ValueError(f"metric {self.metric!r} is per brand: give brands = {{name = weight, ...}}")
        if not per_brand and self.brands is not None:
            raise ValueError(f"brands: only for a per-brand metric ({', '.join(CLAIM_BRAND_METRICS)})")
        if per_brand and all(w == 0 for w in self.brands.values()):
            raise ValueError("brands needs at least one non-zero weight")
        return self

    @property
    def spec(self) -> MetricSpec:
        """The metric with its day and window."""
        brands = tuple((b, w) for b, w in (self.brands or {}).items() if w != 0)
        return MetricSpec(self.metric, self.day if needs_day(self.metric) else None, self.window, brands)

    def describe(self) -> str:
        """The expectation in a few words, e.g. 'final_adoption: hit - portfolio > 0'."""
        sign = ">" if self.direction == "greater" else "<"
        return f"{self.spec.key}: {weighted_terms(self.contrast)} {sign} {self.margin:g}"


class ClaimSpec(_Strict):
    """A claim as a comparison of scenarios: arms, expectations, replicates, seed, CI settings, conditions."""

    name: str = Field(pattern=NAME_PATTERN.pattern, description="Names the results folder (a plain file name).")
    claim: str = Field(min_length=1, description="The claim, in one sentence.")
    description: str = ""
    seed: int = Field(
        0, ge=0, description="Master seed; replicate r of every arm uses child r (common random numbers)."
    )
    check_seed: int | None = Field(
        None,
        ge=0,
        description="A second, unrelated master seed with which the CI test re-checks every verdict it asserts.",
    )
    pilot_seed: int | None = Field(
        None,
        ge=0,
        description="Seed of the pilot run whose effect sizes fixed the replicates (`wom experiment --plan`); "
        "different from seed and check_seed, so the replicates are chosen without looking at the verdicts.",
    )
    pilot_replicates: int = Field(10, ge=3, le=10_000, description="Replicates of the pilot run.")
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
        unknown = [c for c in v if c not in CHART_COLUMNS and chart_brand(c) is None]
        if unknown:
            allowed = ", ".join((*CHART_COLUMNS, "owners_<brand>", "adopted_total_<brand>"))
            raise ValueError(f"unknown time-series column {unknown[0]!r}; allowed: {allowed}")
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
    def _consistent(self) -> ClaimSpec:
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
    """The claim-file model that owns the key at `loc`, for listing the allowed keys."""
    model: type[BaseModel] = ClaimSpec
    nested = {"arms": Arm, "expect": Expectation}
    if loc and loc[0] in nested and len(loc) > 2:
        model = nested[loc[0]]
    return model


def format_claim_error(exc: ValidationError, source: str) -> str:
    """`sim.config.scenario.format_validation_error`'s message (file, one line per key), for a claim file.

    That formatter lists a scenario section's keys for an unknown key; here the lines of unknown keys
    list the claim file's own keys instead.
    """
    lines = format_validation_error(exc, source).splitlines()
    lines[0] = f"{source}: invalid claim spec"
    for i, err in enumerate(exc.errors(), start=1):
        if err["type"] == "extra_forbidden":
            loc = tuple(p for p in err["loc"] if p != "function-after")
            allowed = ", ".join(sorted(_owner_model(loc).model_fields))
            lines[i] = f"  {'.'.join(map(str, loc))}: unknown key; allowed keys here: {allowed}"
    return "\n".join(lines)


def load_spec(path: str | Path) -> ClaimSpec:
    """Read and validate a claim file; any problem is one ClaimError naming the file and key."""
    return read_spec(path, ClaimSpec, ClaimError, format_claim_error)


def claim_files(path: str | Path) -> list[Path]:
    """The claim file itself, or every *.toml of a directory in name order."""
    path = Path(path)
    if path.is_dir():
        files = sorted(path.glob("*.toml"))
        if not files:
            raise ClaimError(f"{path}: no experiment files (*.toml) in this directory")
        return files
    return [path]


# ==================================================================================================
# Building the runs
# ==================================================================================================
def point_label(point: dict[str, ConditionValue], short: bool = False) -> str:
    """'engine.quality=0.45, wom.q=0' ('quality=0.45, q=0' if short; 'base' without conditions)."""
    return ", ".join(f"{k.rsplit('.', 1)[-1] if short else k}={v}" for k, v in point.items()) or "base"


def point_slug(point: dict[str, ConditionValue]) -> str:
    """A file-name-safe label of a point."""
    return "_".join(f"{k}={v}" for k, v in point.items()).replace("/", "-") or "base"


def arm_scenarios(spec: ClaimSpec, path: Path, ci: bool) -> list[list[Scenario]]:
    """Every (point, arm) scenario, validated before anything runs: scenarios[point][arm].

    Overrides apply in this order: the claim's `set`, `ci_set` (with --ci), the arm's `set`,
    then the point's condition values (those of `condition_arms` only to the arms listed there).
    """
    base = path.resolve().parent
    common = [*spec.set, *(spec.ci_set if ci else [])]
    scenarios = []
    for point in spec.condition_grid(ci):
        row = []
        for arm in spec.arms:
            applied = spec.applied_conditions(arm.label)
            at_point = [f"{k}={toml_value(v)}" for k, v in point.items() if k in applied]
            try:
                row.append(load_scenario(scenario_beside(base, arm.scenario), [*common, *arm.set, *at_point]))
            except InputError as exc:
                raise ClaimError(f"{path}: arm {arm.label!r} at {point_label(point)}:\n{exc}") from None
            _check_brands(spec, path, arm, row[-1])
        scenarios.append(row)
    return scenarios


def _check_brands(spec: ClaimSpec, path: Path, arm: Arm, scenario: Scenario) -> None:
    """The brands an expectation weighs (for this arm) and the per-brand chart columns are brands of the arm's
    market of two brands or more (only such a market records them)."""
    brands = list(scenario.brands) if len(scenario.brands) > 1 else []
    wanted = [
        (f"expect[{i}].brands", name)
        for i, e in enumerate(spec.expect)
        if arm.label in e.contrast and e.contrast[arm.label] != 0
        for name in e.brands or {}
    ]
    wanted += [("charts", chart_brand(c)) for c in spec.charts if chart_brand(c) is not None]
    for where, name in wanted:
        if name not in brands:
            have = ", ".join(brands) if brands else "none: per-brand metrics need two brands or more"
            raise ClaimError(f"{path}: {where}: {name!r} is not a brand of arm {arm.label!r} (brands: {have})")

"""Optimize specs: the TOML file of `wom optimize`, validated like sweep specs.

A spec names the base scenario, the decision variables (dotted keys as `--set` takes them, each a
range `{ low, high[, integer, log] }` or a list of choices, so switching a mechanism on or off is
`"meetups.enabled" = [true, false]` and its timing a range of days), the budget every plan must live
within (`[budget]`, as the scenario's section), the objective and the search settings. It is read with
the project's one TOML reader (sim.config.toml.read_spec); every problem is one `OptimizeSpecError`
naming the file and key (exit 2).

The objective: `maximize`, a weighted mix of metrics measured on day `day` (`sim.run.metrics.OBJECTIVES`,
sim.run.metrics; a metric where lower is better enters with its sign turned, so the mix is always
maximised; in a market of brands also one brand's `share_by_day_<brand>` or `owners_by_day_<brand>`,
sim.run.brand_metrics.BRAND_OBJECTIVES, the brand one of the base scenario's), and optionally `money`, a second objective minimised beside it (e.g. spend_by_day):
then the answer is a Pareto front of outcome against money.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.config.budget import BudgetConfig
from sim.config.errors import ScenarioError
from sim.config.limits import MAX_DAYS, MAX_SEED
from sim.config.names import NAME_PATTERN
from sim.config.toml import read_spec
from sim.research.sweep.spec import RANGE_KEYS, GridValue, _check_grid_values
from sim.run.brand_metrics import BRAND_OBJECTIVES, split_brand_metric
from sim.run.metrics import OBJECTIVES

#: Most candidate plans one search may evaluate.
MAX_TRIALS = 10_000
#: Most replicates per candidate (search and re-evaluation).
MAX_OPT_REPLICATES = 1_000
#: Keys of a decision range (the sweep's range keys plus log scale).
DECISION_RANGE_KEYS = (*RANGE_KEYS, "log")
#: Scenario keys a plan may neither decide nor fix, and why: the spec's seed and search settings own them.
SEARCH_OWNED_KEYS = {
    "run.seed": "the spec's seed seeds every replicate (set seed at the top of the spec)",
    "run.replicates": "the replicates are search.replicates and search.check_replicates",
}


class OptimizeSpecError(ScenarioError):
    """An optimize spec, a candidate plan or an optimize output folder that cannot be used."""


class DecisionRange(BaseModel):
    """A continuous (or integer) decision searched on [low, high], optionally on a log scale."""

    model_config = ConfigDict(extra="forbid")

    low: float
    high: float
    integer: bool = Field(False, description="Whole values only (counts such as seed_users.count).")
    log: bool = Field(False, description="Search on a log scale (low must be > 0).")

    @model_validator(mode="after")
    def _ordered(self) -> DecisionRange:
        if not self.low < self.high:
            raise ValueError(f"low ({self.low}) must be < high ({self.high})")
        if self.log and self.low <= 0:
            raise ValueError(f"log = true needs low > 0 (got {self.low})")
        if self.integer and math.ceil(self.low) > math.floor(self.high):
            raise ValueError(f"integer = true needs a whole number in [{self.low:g}, {self.high:g}]")
        return self

    @property
    def ends(self) -> tuple[float, float]:
        """The lowest and highest value the search may try (whole numbers inside the range if integer)."""
        if self.integer:
            return math.ceil(self.low), math.floor(self.high)
        return self.low, self.high


class Objective(BaseModel):
    """What a plan is judged by: a weighted mix of metrics on a day, and optionally money beside it."""

    model_config = ConfigDict(extra="forbid")

    day: float = Field(gt=0, le=MAX_DAYS, description="Day the metrics are measured on (days from the start).")
    maximize: dict[str, float] = Field(
        description="Metric -> weight; the weighted sum is maximised (lower-is-better metrics enter negated)."
    )
    money: str | None = Field(None, description="A second objective, minimised: a money metric (e.g. spend_by_day).")

    @field_validator("maximize")
    @classmethod
    def _known_metrics(cls, value: dict[str, float]) -> dict[str, float]:
        if not value:
            raise ValueError("needs at least one metric = weight")
        for name, weight in value.items():
            if name not in OBJECTIVES and not is_brand_objective(name):
                allowed = ", ".join((*OBJECTIVES, *(f"{t}_<brand>" for t in BRAND_OBJECTIVES)))
                raise ValueError(f"unknown metric {name!r}; allowed: {allowed}")
            if not (math.isfinite(weight) and weight > 0):
                raise ValueError(f"{name}: weight must be a finite number > 0 (got {weight})")
        return value

    @field_validator("money")
    @classmethod
    def _money_metric(cls, value: str | None) -> str | None:
        if value is not None and value not in OBJECTIVES:
            raise ValueError(f"unknown metric {value!r}; allowed: {', '.join(OBJECTIVES)}")
        return value


class Search(BaseModel):
    """How the search runs: candidates, batch size, replicates (common random numbers) and re-evaluation."""

    model_config = ConfigDict(extra="forbid")

    trials: int = Field(48, ge=1, le=MAX_TRIALS, description="Candidate plans evaluated in the search.")
    batch: int = Field(
        8, ge=1, le=MAX_TRIALS, description="Candidates asked of the optimiser at once, then evaluated in parallel."
    )
    replicates: int = Field(
        4, ge=1, le=MAX_OPT_REPLICATES, description="Replicates per candidate; the same seeds for every candidate."
    )
    top: int = Field(5, ge=1, le=MAX_TRIALS, description="Best plans re-evaluated on fresh seeds.")
    check_replicates: int = Field(
        20, ge=2, le=MAX_OPT_REPLICATES, description="Fresh replicates of each re-evaluated plan (and the baseline)."
    )


class OptimizeSpec(BaseModel):
    """An optimisation: base scenario + fixed overrides + decisions + budget + objective + search."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN.pattern, description="Names the results folder (a plain file name).")
    description: str = ""
    scenario: str = Field(description="Base scenario file, relative to the spec file, or a shipped scenario's name.")
    seed: int = Field(0, ge=0, le=MAX_SEED, description="Seeds the sampler and every replicate's stream.")
    set: list[str] = Field(default_factory=list, description="Fixed overrides KEY=VALUE applied to every plan.")
    budget: BudgetConfig | None = Field(
        None, description="Money every plan may spend; absent: the base scenario's own [budget]."
    )
    decisions: dict[str, list[GridValue] | DecisionRange] = Field(
        description="Dotted key -> list of choices or { low, high[, integer, log] }."
    )
    objective: Objective
    search: Search = Field(default_factory=Search)

    @field_validator("decisions", mode="before")
    @classmethod
    def _parse_decisions(cls, raw: Any) -> dict:
        if not isinstance(raw, dict) or not raw:
            raise ValueError("needs at least one decision: a dotted key = [choices] or { low = ..., high = ... }")
        parsed: dict[str, Any] = {}
        for key, spec in raw.items():
            if key.startswith("budget."):
                raise ValueError(f'"{key}": the budget is set in [budget], not decided')
            if key in SEARCH_OWNED_KEYS:
                raise ValueError(f'"{key}": cannot be decided: {SEARCH_OWNED_KEYS[key]}')
            if isinstance(spec, list):
                if any(isinstance(v, float) and math.isnan(v) for v in spec):
                    raise ValueError(f'"{key}": nan is not a choice (got {spec!r})')
                parsed[key] = _check_grid_values(key, spec)
            elif isinstance(spec, dict):
                unknown = sorted(set(spec) - set(DECISION_RANGE_KEYS))
                if unknown:
                    raise ValueError(
                        f'"{key}": unknown key {unknown[0]!r}; allowed keys here: {", ".join(DECISION_RANGE_KEYS)}'
                    )
                try:
                    parsed[key] = DecisionRange.model_validate(spec)
                except ValidationError as exc:
                    problem = "; ".join(e["msg"].removeprefix("Value error, ") for e in exc.errors())
                    raise ValueError(f'"{key}": {problem}') from None
            else:
                raise ValueError(f'"{key}": expected a list of choices or a table {{ low, high }}, got {spec!r}')
        return parsed

    @model_validator(mode="after")
    def _consistent(self) -> OptimizeSpec:
        fixed = {item.split("=", 1)[0].strip() for item in self.set}
        clash = sorted(fixed & set(self.decisions))
        if clash:
            raise ValueError(f'"{clash[0]}" is both decided (decisions) and fixed (set); keep one')
        if any(key.startswith("budget.") for key in fixed):
            raise ValueError("the budget is set in [budget], not in set")
        owned = sorted(fixed & set(SEARCH_OWNED_KEYS))
        if owned:
            raise ValueError(f'set: "{owned[0]}" cannot be fixed: {SEARCH_OWNED_KEYS[owned[0]]}')
        if self.search.top > self.search.trials:
            raise ValueError(f"search.top ({self.search.top}) cannot exceed search.trials ({self.search.trials})")
        return self

    @property
    def brand_objectives(self) -> tuple[str, ...]:
        """The per-brand metrics of the objective (`share_by_day_a`, ...), in order: each replicate records them."""
        return tuple(name for name in self.objective.maximize if is_brand_objective(name))

    @property
    def two_objectives(self) -> bool:
        """Whether money is a second objective (a Pareto front) rather than only a constraint."""
        return self.objective.money is not None


def is_brand_objective(name: str) -> bool:
    """Whether a metric's name is one brand's objective (`share_by_day_<brand>`, `owners_by_day_<brand>`)."""
    split = split_brand_metric(name)
    return split is not None and split[0] in BRAND_OBJECTIVES


def format_spec_error(exc: ValidationError, source: str) -> str:
    """One line per problem, naming the file and the key (as sweep specs do)."""
    lines = [f"{source}: invalid optimize spec"]
    owners = {"objective": Objective, "search": Search, "budget": BudgetConfig}
    for err in exc.errors():
        loc = [p for p in err["loc"] if p not in ("function-after", "function-before")]
        key = ".".join(f'"{p}"' if "." in str(p) else str(p) for p in loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            owner = owners.get(str(loc[0]), OptimizeSpec) if len(loc) > 1 else OptimizeSpec
            lines.append(f"  {key}: unknown key; allowed keys here: {', '.join(sorted(owner.model_fields))}")
            continue
        got = err.get("input")
        got_text = "" if isinstance(got, (dict, list)) or got is None else f" (got {got!r})"
        lines.append(f"  {key}: {err['msg'].removeprefix('Value error, ')}{got_text}")
    return "; ".join(lines[:1] + [line.strip() for line in lines[1:]]) if len(lines) > 1 else lines[0]


def load_spec(path: str | Path) -> OptimizeSpec:
    """Read and validate an optimize spec file; any problem is one OptimizeSpecError naming file and key."""
    return read_spec(path, OptimizeSpec, OptimizeSpecError, format_spec_error)

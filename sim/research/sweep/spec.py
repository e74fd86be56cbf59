"""Sweep specs: the TOML file of a parameter sweep, validated, and its design of points.

A sweep spec names a base scenario, the parameters to vary (dotted keys, as `--set`), a design (full
grid, Latin hypercube or Sobol/Saltelli, sampled with SALib) and the replicates per point. It is read
with the project's one TOML reader (sim.config.toml) and validated by pydantic; every problem is one
`SweepSpecError` naming the file and key. The design's size is checked (`MAX_DESIGN_RUNS`) before it
is built, so a 10^8-point grid is refused at once instead of exhausting memory.
"""

from __future__ import annotations

import itertools
import math
from pathlib import Path
from typing import Any, Literal

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.config.errors import ScenarioError
from sim.config.names import NAME_PATTERN
from sim.config.toml import read_spec

#: Seeds are stored in Parquet int64 columns.
MAX_SEED = 2**63 - 1
MAX_REPLICATES = 100_000
#: Most runs (points x replicates) a sweep may have: checked before the design is built. 10^5 runs of
#: the default scenario take about a day on one core; larger studies are several sweeps.
MAX_DESIGN_RUNS = 100_000
#: Keys of a parameter range table (lhs and sobol designs).
RANGE_KEYS = ("low", "high", "integer")
#: Invalid points listed in one error before "... and N more".
MAX_POINT_ERRORS_SHOWN = 5


class SweepSpecError(ScenarioError):
    """A sweep spec, a point of its design or a sweep results folder that cannot be used."""


# ==================================================================================================
# SweepSpec files
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


class SweepSpec(BaseModel):
    """A sweep: base scenario + fixed overrides + varied parameters + design + replicates + seed."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN.pattern, description="Names the results folder (a plain file name).")
    description: str = ""
    scenario: str = Field(description="Base scenario file, relative to the sweep file, or a shipped scenario's name.")
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
    def _design_matches_parameters(self) -> SweepSpec:
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


def _format_spec_error(exc: ValidationError, source: str) -> str:
    """One readable message, like sim.config.scenario's: file, then one line per problem with its key."""
    lines = [f"{source}: invalid sweep spec"]
    for err in exc.errors():
        loc = [p for p in err["loc"] if p not in ("function-after", "function-before")]
        key = ".".join(f'"{p}"' if "." in str(p) else str(p) for p in loc) or "(top level)"
        if err["type"] == "extra_forbidden":
            owner = Design if loc[:1] == ["design"] else SweepSpec
            lines.append(f"  {key}: unknown key; allowed keys here: {', '.join(sorted(owner.model_fields))}")
            continue
        got = err.get("input")
        got_text = "" if isinstance(got, (dict, list)) or got is None else f" (got {got!r})"
        lines.append(f"  {key}: {err['msg'].removeprefix('Value error, ')}{got_text}")
    return "\n".join(lines)


def load_spec(path: str | Path) -> SweepSpec:
    """Read and validate a sweep spec (TOML); any problem is one SweepSpecError naming file and key."""
    return read_spec(path, SweepSpec, SweepSpecError, _format_spec_error)


# ==================================================================================================
# Designs
# ==================================================================================================
def salib_problem(spec: SweepSpec) -> dict:
    """The SALib problem dict (names, bounds) of an lhs or sobol spec."""
    names = spec.parameter_names
    return {
        "num_vars": len(names),
        "names": names,
        "bounds": [[spec.parameters[k].low, spec.parameters[k].high] for k in names],
    }


def build_design(spec: SweepSpec) -> pd.DataFrame:
    """The design: one row per point (index `point` 0..n-1), one column per parameter.

    grid: the Cartesian product of the listed values, the first parameter varying slowest.
    lhs: `SALib.sample.latin` with `samples` points. sobol: `SALib.sample.sobol` (Saltelli's scheme)
    with `samples` base samples, in SALib's order (which `SALib.analyze.sobol` relies on).
    Samplers are seeded with the sweep seed, so the design is the same on every invocation.
    """
    check_design_size(spec)
    names = spec.parameter_names
    design = spec.design
    if design.kind == "grid":
        rows = list(itertools.product(*(spec.parameters[k] for k in names)))
        frame = pd.DataFrame(rows, columns=names)
    else:
        from SALib.sample import latin, sobol

        problem = salib_problem(spec)
        if design.kind == "lhs":
            values = latin.sample(problem, design.samples, seed=spec.seed)
        else:
            values = sobol.sample(problem, design.samples, calc_second_order=design.second_order, seed=spec.seed)
        frame = pd.DataFrame(values, columns=names)
        for key in names:
            if spec.parameters[key].integer:
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


def design_points(spec: SweepSpec) -> int:
    """Points the design will have, computed without building it (exact integers, no overflow)."""
    d = len(spec.parameters)
    if spec.design.kind == "grid":
        return math.prod(len(v) for v in spec.parameters.values())
    if spec.design.kind == "lhs":
        return spec.design.samples
    return spec.design.samples * (2 * d + 2 if spec.design.second_order else d + 2)


def check_design_size(spec: SweepSpec, source: str = "sweep spec") -> None:
    """Refuse, before planning, a design of more than MAX_DESIGN_RUNS runs (points x replicates)."""
    runs = design_points(spec) * spec.replicates
    if runs > MAX_DESIGN_RUNS:
        raise SweepSpecError(
            f"{source}: the design has {design_points(spec)} points x {spec.replicates} replicates = {runs} runs; "
            f"a sweep may have at most {MAX_DESIGN_RUNS} runs (split it, or use fewer values or samples)"
        )

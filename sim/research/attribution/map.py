"""Attribution maps: how the Shapley split between the iron-triangle factors changes as parameters vary.

`wom attribute` answers "how much does each factor contribute?" for one scenario against one baseline.
A map asks it again at many settings of some parameters of the scenario (dotted keys, as `--set`):
on a grid of two keys (a heat map), and along one key at a time (lines), each line drawn once per
named setting of the other keys. At each point it reports each factor's Shapley value of a metric, its
share (the value over the sum of the factors' absolute values: between -1 and 1, and meaningful even
when contributions cancel out), and which of two compared factors is larger (difference of their
per-replicate Shapley values, with its standard error).

The swept keys must belong to one factor (`factor` in the spec, e.g. relationship_chain): then the
combinations with that factor off do not depend on the point and are run once for the whole map (the
other half are run per point), with the same replicate seeds everywhere (common random numbers, as in
`sim.research.attribution.method`). The metric is a parameter: any of attribution's metrics, including lifetime and per-generation adoption.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator, model_validator

from sim.config.errors import InputError, ScenarioError
from sim.config.names import NAME_PATTERN
from sim.config.scenario import load_scenario
from sim.config.schema import Scenario
from sim.config.shipped import scenario_beside
from sim.config.toml import read_spec
from sim.model.streams import replicate_seeds
from sim.research.attribution.method import (
    ATTRIBUTED_METRICS,
    EXTRA_METRICS,
    FACTOR_SECTIONS,
    FACTORS,
    all_combinations,
    attribution_values,
    check_factors_differ,
    combo_scenario,
    shapley_values,
)
from sim.research.options import ResearchOptions
from sim.run.executor import apply_runner, open_executor, run_tasks
from sim.run.io import atomic_directory
from sim.run.runner import run_replicate

#: Output kind of a map folder (sim.run.io markers) and its table.
MAP_KIND = "attribution-map"
MAP_FILE = "map.csv"
#: The map's chart and its plain-text summary, beside MAP_FILE.
MAP_CHART = "map.png"
SUMMARY_FILE = "summary.txt"
#: Most runs a map may ask for (checked before any work): about an hour on 2 cores at 600 people.
MAX_MAP_RUNS = 20_000
#: Whole numbers below this size are written without a decimal point (exact in a float: 2**53).
EXACT_INTEGER = 2**53


def exact_text(value: float) -> str:
    """A swept value as text that reads back as the same float: 0, 0.5, 1234567, 1e-07, 1e+300.

    The value is both the --set override a point runs with and its x / y in map.csv, so two values
    of an axis never run (or read) as one point, however many digits they have.
    """
    if value.is_integer() and abs(value) < EXACT_INTEGER:
        return str(int(value))
    return repr(value)


class MapSpecError(ScenarioError):
    """A map spec that cannot be used (names the file and key)."""


class Axis(BaseModel):
    """One swept key and its values."""

    model_config = ConfigDict(extra="forbid")

    key: str = Field(description="Dotted scenario key, as in --set (e.g. relationship.tie_assurance).")
    values: list[float] = Field(min_length=1)

    @field_validator("values")
    @classmethod
    def _distinct(cls, v: list[float]) -> list[float]:
        repeated = next((x for i, x in enumerate(v) if x in v[:i]), None)
        if repeated is not None:
            raise ValueError(f"{exact_text(repeated)} is given twice; each value once")
        return v


class Grid(BaseModel):
    """The heat map: every pair of an x value and a y value."""

    model_config = ConfigDict(extra="forbid")

    x: Axis
    y: Axis

    @model_validator(mode="after")
    def _two_keys(self) -> Grid:
        if self.x.key == self.y.key:
            raise ValueError(f"x and y are both {self.x.key}; a heat map needs two different keys")
        return self


class MapSpec(BaseModel):
    """A map spec file (experiments/maps/*.toml): scenario and baseline, the keys swept, the metric."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=NAME_PATTERN)
    description: str = ""
    scenario: str = Field(description="Scenario TOML, relative to the spec file, or a shipped scenario's name.")
    baseline: str = Field(
        description="Baseline scenario TOML, relative to the spec file, or a shipped scenario's name."
    )
    set: list[str] = Field(default_factory=list, description="Overrides of both scenario and baseline.")
    factor: str = Field("relationship_chain", description="The factor whose sections the swept keys are in.")
    compare: list[str] = Field(default_factory=lambda: ["relationship_chain", "engine"], min_length=2, max_length=2)
    metric: str = "final_adoption"
    replicates: int = Field(4, ge=1, le=1000)
    seed: int = Field(20261130, ge=0)
    grid: Grid
    lines: list[Axis] = Field(default_factory=list)
    #: name -> overrides of the scenario the lines are drawn at (each line once per setting).
    line_settings: dict[str, list[str]] = Field(default_factory=lambda: {"default": []})

    @field_validator("factor")
    @classmethod
    def _known_factor(cls, v: str) -> str:
        if v not in FACTORS:
            raise ValueError(f"must be one of {', '.join(FACTORS)}")
        return v

    @field_validator("compare")
    @classmethod
    def _known_factors(cls, v: list[str]) -> list[str]:
        unknown = [f for f in v if f not in FACTORS]
        if unknown or v[0] == v[1]:
            raise ValueError(f"two different factors of {', '.join(FACTORS)}")
        return v

    @field_validator("metric")
    @classmethod
    def _known_metric(cls, v: str) -> str:
        if v not in ATTRIBUTED_METRICS + EXTRA_METRICS:
            raise ValueError(f"must be one of {', '.join(ATTRIBUTED_METRICS + EXTRA_METRICS)}")
        return v

    @model_validator(mode="after")
    def _keys_in_factor(self) -> MapSpec:
        sections = FACTOR_SECTIONS[self.factor]
        keys = [self.grid.x.key, self.grid.y.key, *(a.key for a in self.lines)]
        keys += [kv.partition("=")[0] for s in self.line_settings.values() for kv in s]
        outside = [k for k in keys if k.split(".")[0] not in sections]
        if outside:
            raise ValueError(f"keys {', '.join(outside)} are not in the {self.factor} sections ({', '.join(sections)})")
        return self


def _format_error(exc: ValidationError, source: str) -> str:
    err = exc.errors()[0]
    where = ".".join(str(p) for p in err["loc"]) or "(top level)"
    return f"{source}: {where}: {err['msg']}"


def load_spec(path: str | Path) -> MapSpec:
    """Read and validate a map spec; every problem is one MapSpecError naming the file and key."""
    return read_spec(path, MapSpec, MapSpecError, _format_error)


def points(spec: MapSpec) -> list[dict]:
    """Every point of the map: its kind (grid or a line's key), setting, x key and value, y value, overrides."""
    result = []
    gx, gy = spec.grid.x, spec.grid.y
    for y in gy.values:
        for x in gx.values:
            result.append(
                {
                    "kind": "grid",
                    "setting": "",
                    "key": gx.key,
                    "x": x,
                    "y": y,
                    "overrides": [f"{gx.key}={exact_text(x)}", f"{gy.key}={exact_text(y)}"],
                }
            )
    for setting, extra in spec.line_settings.items():
        for axis in spec.lines:
            for x in axis.values:
                result.append(
                    {
                        "kind": "line",
                        "setting": setting,
                        "key": axis.key,
                        "x": x,
                        "y": math.nan,
                        "overrides": [*extra, f"{axis.key}={exact_text(x)}"],
                    }
                )
    return result


def map_runs(spec: MapSpec) -> int:
    """Runs the map makes: the combinations without the swept factor once, those with it per point."""
    combos = all_combinations()
    with_factor = sum(spec.factor in c for c in combos)
    return spec.replicates * (len(combos) - with_factor + with_factor * len(points(spec)))


def run(
    spec: MapSpec,
    base_dir: Path,
    options: ResearchOptions | None = None,
    progress: Callable[[int], None] | None = None,
    runner=run_replicate,
) -> pd.DataFrame:
    """The map: one row per point with each factor's Shapley value and share of the metric, and the
    per-replicate standard error of the compared factors' difference."""
    runs = map_runs(spec)
    if runs > MAX_MAP_RUNS:
        raise MapSpecError(f"the map needs {runs} runs, more than {MAX_MAP_RUNS}: fewer values or replicates")
    scenario_path, baseline_path = (_beside(base_dir, spec, key) for key in ("scenario", "baseline"))
    scenario = load_scenario(scenario_path, spec.set)
    baseline = load_scenario(baseline_path, spec.set)
    check_factors_differ(scenario, baseline)
    pts = points(spec)
    at_point = [_with(scenario, p["overrides"], scenario_path, spec.set) for p in pts]
    combos = all_combinations()
    shared = [c for c in combos if spec.factor not in c]
    own = [c for c in combos if spec.factor in c]
    seeds = replicate_seeds(spec.seed, spec.replicates)
    tasks = [(combo_scenario(scenario, baseline, c), seq, r) for c in shared for r, seq in enumerate(seeds)]
    for sc in at_point:
        tasks += [(combo_scenario(sc, baseline, c), seq, r) for c in own for r, seq in enumerate(seeds)]
    population, horizon = scenario.population.size, float(scenario.run.days)
    with open_executor((options or ResearchOptions()).workers or 1, tasks=len(tasks)) as executor:
        done = (lambda task, ts: progress(1)) if progress else None
        frames = run_tasks(executor, functools.partial(apply_runner, runner), tasks, done)
    extra = (spec.metric,) if spec.metric in EXTRA_METRICS else ()
    line = max(scenario.generations.count, baseline.generations.count)  # products in the longer line
    metric_of = [attribution_values(ts, population, horizon, extra, line)[spec.metric] for ts in frames]
    n_rep = spec.replicates
    values_shared = {c: metric_of[i * n_rep : (i + 1) * n_rep] for i, c in enumerate(shared)}
    offset = len(shared) * n_rep
    rows = []
    for k, p in enumerate(pts):
        start = offset + k * len(own) * n_rep
        values = dict(values_shared)
        values.update({c: metric_of[start + i * n_rep : start + (i + 1) * n_rep] for i, c in enumerate(own)})
        rows.append(_row(spec, p, values, n_rep))
    return pd.DataFrame(rows)


def _beside(base_dir: Path, spec: MapSpec, key: str) -> Path:
    """The spec's `scenario` or `baseline`: a file beside the spec, else a shipped scenario's name."""
    try:
        return scenario_beside(base_dir, getattr(spec, key))
    except InputError as exc:
        raise MapSpecError(f"{key}: {exc}") from None


def _with(scenario: Scenario, overrides: list[str], path: Path, common: list[str]) -> Scenario:
    """The scenario with a point's overrides (validated like --set)."""
    return load_scenario(path, [*common, *overrides]) if overrides else scenario


def _row(spec: MapSpec, point: dict, values: dict, n_rep: int) -> dict:
    """One point's row: Shapley values (means of per-replicate values), shares and the compared difference."""
    per_rep = [shapley_values(FACTORS, lambda s, r=r: values[s][r]) for r in range(n_rep)]
    phi = {f: float(np.mean([row[f] for row in per_rep])) for f in FACTORS}
    total = sum(phi.values())
    scale = sum(abs(v) for v in phi.values())  # shares of the absolute contributions: bounded, even near total 0
    a, b = spec.compare
    diff = np.array([row[a] - row[b] for row in per_rep])
    row = {k: point[k] for k in ("kind", "setting", "key", "x", "y")}
    row |= {f"phi_{f}": phi[f] for f in FACTORS}
    row |= {f"share_{f}": phi[f] / scale if scale > 0 else math.nan for f in FACTORS}
    row["total"] = total
    row[f"{a}_minus_{b}"] = float(diff.mean())
    row[f"{a}_minus_{b}_se"] = float(diff.std(ddof=1) / math.sqrt(n_rep)) if n_rep > 1 else math.nan
    row["scenario_value"] = float(np.mean(values[frozenset(FACTORS)]))
    row["baseline_value"] = float(np.mean(values[frozenset()]))
    return row


def summary(spec: MapSpec, table: pd.DataFrame) -> str:
    """Plain-text answer: at how many points the first compared factor's Shapley value exceeds the second's
    (by more than two standard errors), and where."""
    a, b = spec.compare
    col, se = f"{a}_minus_{b}", f"{a}_minus_{b}_se"
    ahead = table[table[col] > 2 * table[se].fillna(0)]
    behind = table[table[col] < -2 * table[se].fillna(0)]
    lines = [
        f"{spec.name}: Shapley value of {spec.metric}, {a} vs {b}, at {len(table)} points "
        f"({spec.replicates} replicates each)",
        f"  {a} larger (by > 2 s.e.) at {len(ahead)} points, smaller at {len(behind)}, "
        f"not distinguishable at {len(table) - len(ahead) - len(behind)}",
    ]
    for _, r in table.iterrows():
        where = (
            f"{spec.grid.x.key}={exact_text(r['x'])}, {spec.grid.y.key}={exact_text(r['y'])}"
            if r["kind"] == "grid"
            else f"[{r['setting']}] {r['key']}={exact_text(r['x'])}"
        )
        lines.append(
            f"  {where:<58} {a} {r[f'phi_{a}']:+.3f}  {b} {r[f'phi_{b}']:+.3f}  "
            f"(share {r[f'share_{a}']:.0%} vs {r[f'share_{b}']:.0%})"
        )
    return "\n".join(lines)


def write_outputs(
    spec: MapSpec,
    table: pd.DataFrame,
    text: str,
    out_dir: Path,
    force: bool = False,
    draw: Callable[[MapSpec, pd.DataFrame, Path], object] | None = None,
) -> list[Path]:
    """Write map.csv, the summary `text` and what `draw(spec, table, path)` draws (map.png) into out_dir,
    all at once (sim.run.io.atomic_directory; `force` replaces only a previous map)."""
    with atomic_directory(out_dir, MAP_KIND, force) as tmp:
        exact = {c: table[c].map(lambda v: "" if math.isnan(v) else exact_text(v)) for c in ("x", "y")}
        table.assign(**exact).to_csv(tmp / MAP_FILE, index=False, float_format="%.6g")
        if draw is not None:
            draw(spec, table, tmp / MAP_CHART)
        (tmp / SUMMARY_FILE).write_text(text + "\n", encoding="utf-8")
    return [out_dir / MAP_FILE, out_dir / MAP_CHART, out_dir / SUMMARY_FILE]

"""Goldenberg, Libai and Muller (2001) replicated: strong ties against weak ties and advertising.

GLM's "Talk of the network" (Marketing Letters 12:3) ran a factorial over the strength of strong
ties (beta_s, inside a person's own network), weak ties (beta_w, across networks) and advertising
(alpha), timed how long the market took to reach 16%, 50% and 95% informed, and regressed those
times on the standardised parameters. Here the same design runs in this model (experiments/glm/glm.toml:
the levels, the scenario, the replicates): strong ties are the offline clustered small-world layer
(`network.transmission_factor`), weak ties the forum and Weibo together (their `transmission_factor`),
advertising the ad contacts per person per day (`advertising.p_max` with saturating spend: p itself).

Every cell of the full factorial runs `replicates` times with its own stream (`sweep_seed(seed, cell,
replicate)`) through the one executor (sim.run.executor), so the results do not depend on the number
of workers. Per stage, the time (days) is regressed by ordinary least squares on the three factors,
all z-scored over the runs: the slopes are the standardised effects (beta weights), with 95% intervals
from the OLS standard errors (t with n - 4 degrees of freedom). A run that never reaches a stage within
the horizon is counted at the horizon (right-censored, which can only shrink an effect) and counted
in the output. The pre-registered expectations (signs only: `EXPECTATIONS`) are one-sided t tests,
Holm-adjusted together at ALPHA; what GLM found beyond the signs (the weak-tie effect at least as
strong as the strong-tie effect) is reported, not tested.

Usage: .venv/bin/python experiments/glm/glm.py [--ci] [--seed S] [--replicates R] [--workers W]
       [--out results/experiments/glm] [--force] [--quiet]
"""

from __future__ import annotations

import argparse
import itertools
import json
import sys
from dataclasses import dataclass
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator
from scipy import stats

from sim.config.errors import InputError
from sim.config.scenario import load_scenario
from sim.config.toml import read_spec
from sim.model.streams import sweep_seed
from sim.run.executor import apply_runner, open_executor, run_tasks
from sim.run.io import atomic_directory, check_output
from sim.run.metrics import MILESTONES, SERIES_MILESTONES, to_jsonable
from sim.run.runner import run_replicate
from sim.run.series_metrics import days_to_adoption

SPEC = Path(__file__).with_name("glm.toml")
DEFAULT_OUT = Path("results/experiments/glm")
#: The kind of output folder this script writes (sim.run.io's marker: --force replaces only its own).
OUTPUT_KIND = "glm"
#: GLM's three factors, in the order of the regression and of the chart.
FACTORS = ("strong", "weak", "advertising")
#: GLM's three stages of the product life cycle: the metric (the one registry) and its share of the market.
STAGES = {
    name: {**MILESTONES, **SERIES_MILESTONES}[name] for name in ("time_to_16pct", "time_to_50pct", "time_to_95pct")
}
#: Coverage of the reported intervals, and the level of the one-sided tests (after Holm).
CONFIDENCE = 0.95
ALPHA = 0.05
#: Regressors of each stage's OLS: the intercept and the three factors.
N_COEFFICIENTS = 1 + len(FACTORS)


@dataclass(frozen=True)
class Expectation:
    """A pre-registered sign: `factor`'s standardised effect on `stage` is negative (it speeds diffusion),
    or, with `fades_from`, its effect on `stage` is weaker than on `fades_from` (closer to zero)."""

    factor: str
    stage: str
    fades_from: str | None = None

    @property
    def label(self) -> str:
        if self.fades_from:
            return f"{self.factor}: weaker on {self.stage} than on {self.fades_from}"
        return f"{self.factor} speeds {self.stage}"


#: GLM's findings as signs (their abstract): both kinds of ties speed diffusion in all stages, advertising
#: is effective early, and its efficacy diminishes beyond an early stage.
EXPECTATIONS = (
    *(Expectation(factor, stage) for factor in ("strong", "weak") for stage in STAGES),
    Expectation("advertising", "time_to_16pct"),
    Expectation("advertising", "time_to_95pct", fades_from="time_to_16pct"),
)


class Factor(BaseModel):
    """A factor: the scenario keys it sets (all to the same value) and its levels."""

    model_config = ConfigDict(extra="forbid")
    keys: list[str] = Field(min_length=1)
    levels: list[float] = Field(min_length=2)

    @model_validator(mode="after")
    def _distinct(self) -> Factor:
        if len(set(self.levels)) != len(self.levels):
            raise ValueError("levels must be distinct")
        return self


class GlmSpec(BaseModel):
    """experiments/glm/glm.toml: the scenario, the factorial, the replicates and seeds."""

    model_config = ConfigDict(extra="forbid")
    name: str
    seed: int = Field(ge=0)
    check_seed: int = Field(ge=0)
    replicates: int = Field(ge=2)
    ci_replicates: int = Field(ge=2)
    days: float = Field(gt=0)
    set: list[str] = []
    ci_set: list[str] = []
    factors: dict[str, Factor]

    @model_validator(mode="after")
    def _three_factors(self) -> GlmSpec:
        if tuple(self.factors) != FACTORS:
            raise ValueError(f"factors must be {', '.join(FACTORS)} in that order (got {', '.join(self.factors)})")
        return self


def _spec_error(exc: ValidationError, source: str) -> str:
    lines = [f"{source}: invalid GLM design"]
    for err in exc.errors():
        key = ".".join(str(p) for p in err["loc"]) or "(top level)"
        lines.append(f"  {key}: {err['msg'].removeprefix('Value error, ')}")
    return "\n".join(lines)


def load_spec(path: str | Path = SPEC) -> GlmSpec:
    """The design, validated; any problem is one InputError naming the file and key."""
    return read_spec(path, GlmSpec, InputError, _spec_error)


def cells(spec: GlmSpec) -> list[dict[str, float]]:
    """Every combination of the factors' levels (the full factorial), in a fixed order: the cell index
    is the point of `sweep_seed`."""
    return [dict(zip(FACTORS, combo)) for combo in itertools.product(*(spec.factors[f].levels for f in FACTORS))]


def scenario(spec: GlmSpec, cell: dict[str, float], ci: bool):
    """The scenario of one cell: the design's settings (and its CI settings), the horizon, the levels."""
    levels = [f"{key}={cell[f]!r}" for f in FACTORS for key in spec.factors[f].keys]
    return load_scenario(None, [*spec.set, *(spec.ci_set if ci else []), f"run.days={spec.days!r}", *levels])


def run(spec: GlmSpec, seed: int, replicates: int, ci: bool = False, workers: int = 1, progress=None) -> pd.DataFrame:
    """Every run of the design: one row per cell and replicate, with the factor levels and the days to
    each stage (censored at the horizon; `censored_<stage>` says which). `progress()` is called per run."""
    design = cells(spec)
    scenarios = [scenario(spec, cell, ci) for cell in design]
    tasks = [(sc, sweep_seed(seed, point, r), r) for point, sc in enumerate(scenarios) for r in range(replicates)]
    done = (lambda task, frame: progress()) if progress else None
    with open_executor(workers, tasks=len(tasks)) as executor:
        frames = run_tasks(executor, partial(apply_runner, run_replicate), tasks, done)
    rows = []
    for i, frame in enumerate(frames):
        point, replicate = divmod(i, replicates)
        sc = scenarios[point]
        row = {"cell": point, "replicate": replicate, **design[point], "population": sc.population.size}
        row["horizon"] = sc.run.days
        row["final_adoption"] = float(frame["adopted_total"].iloc[-1]) / sc.population.size
        for stage, level in STAGES.items():
            days = days_to_adoption(level)(frame, sc.population.size, None, 0.0)
            row[f"censored_{stage}"] = bool(np.isnan(days))
            row[stage] = sc.run.days if np.isnan(days) else days
        rows.append(row)
    return pd.DataFrame(rows)


def _zscore(values: np.ndarray) -> np.ndarray:
    sd = values.std(axis=0, ddof=1)
    return (values - values.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


@dataclass
class Effects:
    """Standardised effects of every factor on every stage, their covariance across stages, the fits."""

    table: pd.DataFrame  # stage, factor, effect, se, lo, hi, t, p_negative
    cov: dict[tuple[str, str, str], float]  # (factor, stage a, stage b) -> covariance of the two effects
    dof: int
    r2: dict[str, float]


def standardised_effects(runs: pd.DataFrame) -> Effects:
    """OLS per stage of the z-scored days on the z-scored factor levels (with an intercept): the slopes
    are the standardised effects. Their covariance across stages (same runs, correlated residuals) is
    (Z'Z)^-1 times the residuals' cross-covariance, as in seemingly unrelated regressions with one design."""
    x = np.column_stack([np.ones(len(runs)), _zscore(runs[list(FACTORS)].to_numpy(dtype=float))])
    y = _zscore(runs[list(STAGES)].to_numpy(dtype=float))
    coef, *_ = np.linalg.lstsq(x, y, rcond=None)
    resid = y - x @ coef
    dof = len(runs) - N_COEFFICIENTS
    sigma = resid.T @ resid / dof  # stages x stages
    xtx_inv = np.linalg.inv(x.T @ x)
    t_crit = stats.t.ppf((1 + CONFIDENCE) / 2, dof)
    rows, cov, r2 = [], {}, {}
    for s, stage in enumerate(STAGES):
        r2[stage] = float(1 - resid[:, s] @ resid[:, s] / (y[:, s] @ y[:, s]))
        for f, factor in enumerate(FACTORS, start=1):
            se = float(np.sqrt(xtx_inv[f, f] * sigma[s, s]))
            effect = float(coef[f, s])
            t = effect / se
            rows.append(
                {
                    "stage": stage,
                    "factor": factor,
                    "effect": effect,
                    "se": se,
                    "lo": effect - t_crit * se,
                    "hi": effect + t_crit * se,
                    "t": t,
                    "p_negative": float(stats.t.cdf(t, dof)),
                }
            )
            for b, other in enumerate(STAGES):
                cov[(factor, stage, other)] = float(xtx_inv[f, f] * sigma[s, b])
    return Effects(pd.DataFrame(rows), cov, dof, r2)


def holm(p_values: list[float]) -> list[float]:
    """Holm's step-down adjustment of a family of p-values (monotone, capped at 1)."""
    order = np.argsort(p_values)
    adjusted, running = [0.0] * len(p_values), 0.0
    for rank, i in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[i]))
        adjusted[i] = running
    return adjusted


def verdicts(effects: Effects) -> pd.DataFrame:
    """The pre-registered expectations: estimate, one-sided p, Holm-adjusted p, and whether it holds.

    A sign: t of the effect against 0 (p of "negative"). Fading: the effect on `stage` minus the effect on
    `fades_from`, tested for "> 0" (less negative) with the covariance across stages; it holds only if the
    point estimates also say |effect on stage| < |effect on fades_from| (a weaker effect, not a reversed one)."""
    table = effects.table.set_index(["factor", "stage"])
    rows = []
    for e in EXPECTATIONS:
        if e.fades_from is None:
            estimate = table.loc[(e.factor, e.stage), "effect"]
            p = table.loc[(e.factor, e.stage), "p_negative"]
            sign_ok = estimate < 0
        else:
            late, early = table.loc[(e.factor, e.stage), "effect"], table.loc[(e.factor, e.fades_from), "effect"]
            estimate = late - early
            var = (
                effects.cov[(e.factor, e.stage, e.stage)]
                + effects.cov[(e.factor, e.fades_from, e.fades_from)]
                - 2 * effects.cov[(e.factor, e.stage, e.fades_from)]
            )
            p = float(stats.t.sf(estimate / np.sqrt(var), effects.dof))
            sign_ok = abs(late) < abs(early)
        rows.append({"expectation": e.label, "estimate": float(estimate), "p": float(p), "sign_ok": bool(sign_ok)})
    out = pd.DataFrame(rows)
    out["p_holm"] = holm(out["p"].tolist())
    out["holds"] = out["sign_ok"] & (out["p_holm"] < ALPHA)
    return out


def weak_against_strong(effects: Effects) -> pd.DataFrame:
    """GLM's headline, reported: per stage, the weak-tie minus the strong-tie effect with its interval
    (negative = the weak ties speed diffusion more). The two factors are orthogonal in a full factorial,
    so their estimates are uncorrelated and the variance of the difference is the sum of the variances."""
    table = effects.table.set_index(["factor", "stage"])
    t_crit = stats.t.ppf((1 + CONFIDENCE) / 2, effects.dof)
    rows = []
    for stage in STAGES:
        weak, strong = table.loc[("weak", stage)], table.loc[("strong", stage)]
        diff = weak["effect"] - strong["effect"]
        se = float(np.hypot(weak["se"], strong["se"]))
        rows.append({"stage": stage, "weak - strong": diff, "lo": diff - t_crit * se, "hi": diff + t_crit * se})
    return pd.DataFrame(rows)


def stage_label(stage: str) -> str:
    """'time_to_16pct' -> '16%'."""
    return f"{STAGES[stage]:.0%}"


def markdown(runs: pd.DataFrame, effects: Effects, checks: pd.DataFrame, weak_strong: pd.DataFrame) -> str:
    """The effects table, GLM's comparison and the verdicts, as Markdown."""
    lines = [
        f"{len(runs)} runs ({runs['cell'].nunique()} cells x {runs['replicate'].nunique()} replicates), "
        f"{int(runs['population'].iloc[0]):,} people, {runs['horizon'].iloc[0]:g} days.",
        "",
        "| stage | mean days | censored | R^2 | strong ties | weak ties | advertising |",
        "|---|---:|---:|---:|---|---|---|",
    ]
    table = effects.table.set_index(["stage", "factor"])
    for stage in STAGES:
        cells_ = [
            f"{table.loc[(stage, f), 'effect']:+.3f} ({table.loc[(stage, f), 'lo']:+.3f} to {table.loc[(stage, f), 'hi']:+.3f})"
            for f in FACTORS
        ]
        censored = int(runs[f"censored_{stage}"].sum())
        lines.append(
            f"| {stage_label(stage)} | {runs[stage].mean():.1f} | {censored} | {effects.r2[stage]:.2f} | "
            + " | ".join(cells_)
            + " |"
        )
    lines += ["", "| stage | weak - strong | 95% interval |", "|---|---:|---|"]
    for row in weak_strong.itertuples(index=False):
        lines.append(f"| {stage_label(row.stage)} | {row[1]:+.3f} | {row.lo:+.3f} to {row.hi:+.3f} |")
    lines += ["", "| pre-registered expectation | estimate | p | p (Holm) | holds |", "|---|---:|---:|---:|---|"]
    for row in checks.itertuples(index=False):
        lines.append(f"| {row.expectation} | {row.estimate:+.3f} | {row.p:.2g} | {row.p_holm:.2g} | {row.holds} |")
    return "\n".join(lines) + "\n"


def write_outputs(
    out: Path, spec: GlmSpec, seed: int, ci: bool, runs: pd.DataFrame, effects: Effects, force: bool = False
) -> Path:
    """runs.csv, effects.csv, verdicts.csv, table.md, glm.json and the chart glm.png, written at once
    (sim.run.io.atomic_directory)."""
    from sim.viz.research_charts import plot_standardised_effects

    checks, weak_strong = verdicts(effects), weak_against_strong(effects)
    with atomic_directory(out, OUTPUT_KIND, force) as tmp:
        runs.to_csv(tmp / "runs.csv", index=False)
        effects.table.to_csv(tmp / "effects.csv", index=False)
        checks.to_csv(tmp / "verdicts.csv", index=False)
        (tmp / "table.md").write_text(markdown(runs, effects, checks, weak_strong), encoding="utf-8")
        summary = {
            "spec": spec.model_dump(),
            "seed": seed,
            "ci": ci,
            "runs": len(runs),
            "replicates": int(runs["replicate"].nunique()),
            "population": int(runs["population"].iloc[0]),
            "days": spec.days,
            "censored": {stage: int(runs[f"censored_{stage}"].sum()) for stage in STAGES},
            "r2": effects.r2,
            "effects": effects.table.to_dict(orient="records"),
            "weak_minus_strong": weak_strong.to_dict(orient="records"),
            "verdicts": checks.to_dict(orient="records"),
        }
        (tmp / "glm.json").write_text(json.dumps(to_jsonable(summary), indent=2) + "\n", encoding="utf-8")
        plot_standardised_effects(
            effects.table,
            tmp / "glm.png",
            labels={stage: f"{stage_label(stage)} of the market" for stage in STAGES},
            title=f"Standardised effects on the days to each stage ({len(runs)} runs, seed {seed})",
        )
    return out


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--spec", type=Path, default=SPEC, help="the design (TOML)")
    parser.add_argument("--ci", action="store_true", help="the CI size: ci_set and ci_replicates")
    parser.add_argument("--seed", type=int, default=None, help="master seed (default: the spec's seed)")
    parser.add_argument("--replicates", type=int, default=None, help="replicates per cell (default: the spec's)")
    parser.add_argument("--workers", type=int, default=1, help="worker processes (results do not depend on it)")
    parser.add_argument("--out", type=Path, default=DEFAULT_OUT, help="output folder")
    parser.add_argument("--force", action="store_true", help="replace an existing output folder of this script")
    parser.add_argument("--quiet", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    from sim.cli.common import progress_bar

    try:
        spec = load_spec(args.spec)
        check_output(args.out, OUTPUT_KIND, args.force)  # before any run: refused at once, and locked
    except InputError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    seed = spec.seed if args.seed is None else args.seed
    replicates = args.replicates or (spec.ci_replicates if args.ci else spec.replicates)
    total = len(cells(spec)) * replicates
    with progress_bar(total, "glm", args.quiet) as bar:
        runs = run(spec, seed, replicates, args.ci, args.workers, progress=lambda: bar.update(1))
    effects = standardised_effects(runs)
    write_outputs(args.out, spec, seed, args.ci, runs, effects, args.force)
    print((args.out / "table.md").read_text(encoding="utf-8"), end="")
    print(f"wrote {args.out}/ (runs.csv, effects.csv, verdicts.csv, table.md, glm.json, glm.png)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

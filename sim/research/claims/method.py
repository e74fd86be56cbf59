"""Claims: the sources' claims as comparisons of scenarios, run with common random numbers.

A claim file (TOML in experiments/claims/, see docs/experiments.md) states one claim, the scenarios it compares (the
*arms*), the metrics and the direction the claim expects, the statistical test and its level, and
optionally a small sweep (*conditions*) over which the comparison is repeated to map where the claim
holds. `load_spec` validates a file, `run` runs every (condition point, arm,
replicate), tests every expectation at every point and writes the results folder atomically:

    results/experiments/<name>/
        comparison.png          headline point: mean and 90% band of the first chart column per arm
        charts/<col>--<point>.png   the same for every chart column and condition point
        table.md, table.csv     per point and arm: mean and 90% interval of every metric
        comparisons.csv         per expectation and point: effect size, p-values, verdict
        runs.csv                one row per run: point, arm, replicate, metrics
        verdict.json            the claim, settings, seeds and every comparison

**Common random numbers.** Replicate r of every arm and every condition point uses the same seed
stream, child r of `SeedSequence(seed)` (`sim.model.streams.replicate_seeds`). Arms that build the same
layers therefore share their graphs, expectations and seed users, so a difference between arms comes
from the mechanism and not from luck of the draw; replicates pair up across arms, which is why the
default test is Wilcoxon's signed-rank test on the per-replicate differences.

**Expectations.** An expectation is a linear contrast of arms, per replicate
``d_r = sum_arm w_arm * metric(arm, r)``, and a claimed direction against a margin:
``d > margin`` ("greater") or ``d < margin`` ("less"). Two arms ``arms = ["A", "B"]`` mean
``A - B``; one arm ``arms = ["A"]`` compares A itself with the margin (a one-sample test).
The verdict at a point is "holds" if the one-sided test in the claimed direction has p < alpha,
"reversed" if the one-sided test in the opposite direction does, and "inconclusive" otherwise, on
p-values Holm-adjusted over the points of the expectation's condition map (sim.research.claims.stats).

**Replicates.** `plan_replicates` runs the pilot (the file's `pilot_seed`, unrelated to the seeds
the verdicts come from) and gives, per expectation and point, the standardised effect and the
replicates a one-sided signed-rank test needs for power 0.8 (sim.research.claims.stats).
"""

from __future__ import annotations

import json
import math
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from sim.config.schema import Scenario
from sim.model.streams import replicate_seeds
from sim.research.claims.metrics import (
    CENSORED_AT_HORIZON,
    HOLDS,
    INTERVAL,
    MetricSpec,
    replicate_metrics,
)
from sim.research.claims.spec import (
    ClaimError,
    ClaimSpec,
    ConditionValue,
    Expectation,
    arm_scenarios,
    load_spec,
    point_label,
)
from sim.research.claims.stats import (
    DEFAULT_POWER,
    Comparison,
    adjust_per_expectation,
    compare,
    paired_contrast,
    replicates_for_power,
)
from sim.research.options import ResearchOptions
from sim.run.executor import open_executor, run_tasks
from sim.run.io import atomic_directory, check_output, output_name
from sim.run.metrics import BAND_LEVEL, to_jsonable
from sim.run.runner import package_versions, run_replicate

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


def run_task(task: RunTask) -> tuple[RunTask, dict[str, float], pd.DataFrame]:
    """Run one replicate; return its metrics and the time-series columns the charts draw."""
    ts = run_replicate(task.scenario, task.seed, task.replicate)
    metrics = replicate_metrics(ts, task.scenario.population.size, list(task.specs))
    return task, metrics, ts[["replicate", "time", *task.charts]]


# ==================================================================================================
# Statistics
# ==================================================================================================
def metric_values(runs: pd.DataFrame, key: str, horizon: pd.Series | None = None) -> pd.Series:
    """A metric of the runs, with milestone times never reached counted as the run's horizon."""
    values = runs[key].astype(float)
    if key in CENSORED_AT_HORIZON and horizon is not None:
        values = values.fillna(horizon)
    return values


def is_claimed(expectation: Expectation, point: dict[str, ConditionValue]) -> bool:
    """Whether the claim asserts the expectation at this point (its claimed_at, or everywhere)."""
    return all(point.get(k) in vs for k, vs in (expectation.claimed_at or {}).items())


# ==================================================================================================
# Running and results
# ==================================================================================================
@dataclass
class ClaimResult:
    """A finished claim: its spec, per-run metrics, comparisons and where it was written."""

    spec: ClaimSpec
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
                    "p_holm": c.p_holm,
                    "p_reverse_holm": c.p_reverse_holm,
                    "alpha": c.alpha,
                    "verdict": c.verdict,
                }
            )
        return pd.DataFrame(rows)

    def arms_frame(self) -> pd.DataFrame:
        """One row per point, arm and metric: mean, 90% interval, runs, runs that never reached a milestone."""
        rows = []
        keys = self.spec.table_keys()
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


def run(
    path: str | Path,
    options: ResearchOptions | None = None,
    *,
    ci: bool = False,
    draw: Callable[[ClaimResult, Path], list[Path]] | None = None,
) -> ClaimResult:
    """Run a claim file and, when `options.out` is given, write its results folder there.

    ci: use `ci_set`, `ci_replicates` and `ci_conditions` (the small settings the tests use).
    draw(result, folder): adds the charts (sim.viz.research_charts.draw_claim).
    options.replicates / options.seed: override the file's. options.workers > 1 runs replicates in that
    many processes (results are identical: every run's seed is fixed by (seed, replicate)).
    """
    options = options or ResearchOptions()
    path = Path(path)
    spec = load_spec(path)
    if options.out is not None:
        check_output(options.out, CLAIM_KIND, options.force)
    n_rep = options.replicates or (spec.ci_replicates if ci and spec.ci_replicates else spec.replicates)
    seed = spec.seed if options.seed is None else options.seed
    points = spec.condition_grid(ci)
    scenarios = arm_scenarios(spec, path, ci)
    seeds = replicate_seeds(seed, n_rep)
    metric_specs = tuple(spec.metric_specs())
    tasks = [
        RunTask(p, a, r, scenarios[p][a], seeds[r], metric_specs, tuple(spec.charts))
        for p in range(len(points))
        for a in range(len(spec.arms))
        for r in range(n_rep)
    ]
    results = _run_with_bar(tasks, options.workers or 1, options.progress, spec.name)
    result = _collect(spec, path, ci, seed, n_rep, points, results)
    if options.out is not None:
        result.out_dir = write_outputs(result, options.out, options.force, draw)
    return result


def plan_replicates(
    path: str | Path, ci: bool = True, workers: int = 1, progress: bool = False, power: float = DEFAULT_POWER
) -> pd.DataFrame:
    """The power calculation of a claim: run its pilot and say how many replicates each test needs.

    The pilot is the claim with the file's `pilot_seed` and `pilot_replicates` (at the CI settings
    when `ci`); per expectation and point: the pilot's mean contrast, standardised effect d and the
    replicates for `power` at alpha / (points of the map) (`replicates_for_power`). The file's
    replicates are then set to the largest need among the tests the claim asserts, before the
    verdict runs (with `seed` and `check_seed`) are looked at.
    """
    spec = load_spec(path)
    if spec.pilot_seed is None:
        raise ClaimError(
            f"{path}: pilot_seed: needed for a power calculation (a seed unrelated to seed and check_seed)"
        )
    options = ResearchOptions(spec.pilot_replicates, spec.pilot_seed, workers, progress=progress)
    pilot = run(path, options, ci=ci)
    rows = []
    for c in pilot.comparisons:
        e = spec.expect[c.expectation]
        at_point = pilot.runs[pilot.runs["point"] == pilot.points.index(c.point)]
        values = {label: _arm_values(at_point, label, e.spec.key, pilot.replicates) for label in e.contrast}
        effect, needed = replicates_for_power(paired_contrast(e, values), e.alpha, power, len(pilot.points))
        rows.append(
            {
                "expectation": c.expectation,
                "description": c.description,
                "point": point_label(c.point),
                "claimed": c.claimed,
                "pilot_estimate": c.estimate,
                "effect_d": effect,
                "replicates": needed,
            }
        )
    return pd.DataFrame(rows)


def _run_with_bar(tasks: list[RunTask], workers: int, progress: bool, desc: str) -> list:
    """Run the tasks under a tqdm bar over runs (on stderr; disabled unless `progress`)."""
    from tqdm import tqdm

    with tqdm(
        total=len(tasks), unit="run", desc=desc, disable=not progress, file=sys.stderr, dynamic_ncols=True
    ) as bar:
        with open_executor(workers, tasks=len(tasks)) as executor:
            return run_tasks(executor, run_task, tasks, lambda task, result: bar.update(1))


def _collect(
    spec: ClaimSpec, path: Path, ci: bool, seed: int, n_rep: int, points: list[dict], results: list
) -> ClaimResult:
    """Per-run metrics, the chart series of every (point, arm), and every comparison."""
    rows, series = [], {}
    for task, metrics, ts in results:
        rows.append(
            {
                "point": task.point,
                **points[task.point],
                "arm": spec.arms[task.arm].label,
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
        for i, e in enumerate(spec.expect):
            values = {label: _arm_values(at_point, label, e.spec.key, n_rep) for label in e.contrast}
            comparisons.append(compare(e, i, values, point, is_claimed(e, point)))
    adjust_per_expectation(comparisons)
    return ClaimResult(spec, path, ci, seed, n_rep, points, runs, comparisons, series)


def _arm_values(runs: pd.DataFrame, label: str, key: str, n_rep: int) -> np.ndarray:
    """An arm's metric per replicate 0..n_rep-1 (censored milestones at the horizon)."""
    arm = runs[runs["arm"] == label].set_index("replicate").reindex(range(n_rep))
    return metric_values(arm, key, arm["horizon"]).to_numpy(dtype=float)


# ==================================================================================================
# Writing
# ==================================================================================================
def default_out_dir(spec: ClaimSpec, ci: bool) -> Path:
    """results/experiments/<name> (or <name>-ci)."""
    return RESULTS_ROOT / (output_name(spec.name, "claim name") + (CI_SUFFIX if ci else ""))


def write_outputs(
    result: ClaimResult,
    out_dir: str | Path,
    force: bool = False,
    draw: Callable[[ClaimResult, Path], list[Path]] | None = None,
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


def headline_point(result: ClaimResult) -> int:
    """Index of the point drawn as comparison.png: the file's `headline`, else the first point."""
    wanted = result.spec.headline or {}
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


def markdown_report(result: ClaimResult) -> str:
    """table.md: the claim, the verdict per expectation and point, and the arms table."""
    exp = result.spec
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
        "p(rev): in the opposite one; Holm: adjusted by Holm's step-down method over the points of the "
        "expectation's condition map (the verdict uses the adjusted values). Rows marked * are where the "
        "claim asserts the expectation.",
        "",
        "| expectation | point | test | n | estimate | P(dir) | p | p Holm | p(rev) | p(rev) Holm | verdict |",
        "|---|---|---|---|---|---|---|---|---|---|---|",
    ]
    for c in result.comparisons:
        lines.append(
            f"| {c.description} | {point_label(c.point)}{' *' if c.claimed else ''} | {c.test} | {c.n} "
            f"| {_fmt(c.estimate)} | {_fmt(c.prob_claimed)} | {_p(c.p_value)} | {_p(c.p_holm)} | {_p(c.p_reverse)} "
            f"| {_p(c.p_reverse_holm)} "
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


def verdict_dict(result: ClaimResult, charts: list[str]) -> dict[str, Any]:
    """verdict.json: the claim, its settings and seed, the verdict and every comparison."""
    exp = result.spec
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

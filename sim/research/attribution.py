"""Iron-triangle attribution: how much engine, accelerator and relationship chain each contribute.

The strategist's question "which factor limits my spiral?" is answered with Shapley values. Each
factor is a set of scenario sections (FACTOR_SECTIONS). A combination switches each factor "on"
(its sections come from the scenario) or "off" (from the baseline); every other section always
comes from the scenario. All 2^3 combinations are run with the same replicate seeds (common random
numbers, so differences between combinations are not seed noise), and the Shapley value of a factor
is its average marginal contribution over all orders of switching the factors on:

    phi_i = sum over S not containing i of |S|! (n - |S| - 1)! / n! * (v(S + i) - v(S))

They add up exactly to v(all on) - v(all off) = scenario - baseline (efficiency). Because the same
seeds are used throughout, Shapley values are also computed per replicate; their spread gives the
standard errors reported beside the means.

Metrics: mean final adoption (share of the population) and mean time to 50% adoption (days). A
replicate that never reaches 50% counts as the horizon, run.days: "not within the horizon" is then
the slowest possible outcome rather than a hole in the average.
"""

from __future__ import annotations

import itertools
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import norm

from sim.config.errors import ScenarioError
from sim.config.scenario import scenario_from_dict
from sim.config.schema import Scenario
from sim.playbook.registry import factor_sections
from sim.run.metrics import BAND_LEVEL, MILESTONES, time_to_fraction, to_jsonable
from sim.run.runner import replicate_seeds, run_replicate

#: The iron triangle: each factor and the scenario sections it consists of, derived from the core
#: sections (sim.playbook.core.CORE_SECTIONS) and the factor each playbook mechanism declares, so a
#: new mechanism is attributed without editing this module. Sections not listed (run, population,
#: seed_users, wom, network, official) are the context and always come from the scenario.
FACTOR_SECTIONS: dict[str, tuple[str, ...]] = factor_sections()
FACTORS = tuple(FACTOR_SECTIONS)
#: Top-level keys that name a scenario rather than configure it.
LABEL_KEYS = ("name", "description")
#: The milestone attributed besides final adoption.
MILESTONE = "time_to_50pct"
METRICS = ("final_adoption", MILESTONE)
METRIC_LABELS = {"final_adoption": "Final adoption (% of population)", MILESTONE: "Time to 50% adoption (days)"}
#: How contributions are shown: multiplier and unit (shares in percentage points, times in days).
DISPLAY = {"final_adoption": (100.0, " pp"), MILESTONE: (1.0, " d")}
#: Width of the factor column and of each metric column of the printed table.
TABLE_NAME_WIDTH = 24
TABLE_COLUMN_WIDTH = 26
#: Error bars: normal interval of the same coverage as the bands elsewhere (90%).
Z_BAND = float(norm.ppf((1 + BAND_LEVEL) / 2))
FACTOR_COLORS = {"engine": "tab:red", "accelerator": "tab:blue", "relationship_chain": "tab:green"}
BAR_FIGSIZE = (13, 4.8)
ERRORBAR_CAPSIZE = 4
#: Room beyond the longest bar for its value label (fraction of the axis span).
LABEL_MARGIN = 0.25

Runner = Callable[[Scenario, np.random.SeedSequence, int], pd.DataFrame]
Combination = frozenset  # of factor names switched on


@dataclass
class Attribution:
    """Shapley values of each factor, with the combinations they were computed from."""

    scenario_name: str
    baseline_name: str
    replicates: int
    seed: int
    horizon: float
    #: combination -> metric -> per-replicate values (replicate order = seed order).
    values: dict[Combination, dict[str, np.ndarray]]
    #: factor -> metric -> Shapley value of the means.
    shapley: dict[str, dict[str, float]]
    #: factor -> metric -> standard error of the Shapley value (over replicates).
    standard_errors: dict[str, dict[str, float]]
    #: combination -> the concatenated time series of its replicates (for the comparison chart).
    timeseries: dict[Combination, pd.DataFrame] = field(default_factory=dict)
    population: int = 0
    ignored_differences: list[str] = field(default_factory=list)

    def mean(self, combo: Combination, metric: str) -> float:
        """Mean of a metric over the replicates of a combination."""
        return float(np.mean(self.values[combo][metric]))

    def table(self) -> str:
        """Plain-text table: each factor's Shapley values ± standard error, and the total they add up to."""
        full, none = frozenset(FACTORS), frozenset()
        header = f"{'factor':<{TABLE_NAME_WIDTH}}" + "".join(
            f"{m + ' (' + DISPLAY[m][1].strip() + ')':>{TABLE_COLUMN_WIDTH}}" for m in METRICS
        )
        lines = [
            f"{self.scenario_name} vs {self.baseline_name}: Shapley contributions "
            f"({self.replicates} replicates per combination, ± standard error)",
            header,
        ]
        for factor in FACTORS:
            cells = [
                f"{self.shapley[factor][m] * DISPLAY[m][0]:+.2f} ± {self.standard_errors[factor][m] * DISPLAY[m][0]:.2f}"
                for m in METRICS
            ]
            lines.append(f"{factor:<{TABLE_NAME_WIDTH}}" + "".join(f"{c:>{TABLE_COLUMN_WIDTH}}" for c in cells))
        totals = [f"{(self.mean(full, m) - self.mean(none, m)) * DISPLAY[m][0]:+.2f}" for m in METRICS]
        lines.append(
            f"{'total (scenario - base)':<{TABLE_NAME_WIDTH}}" + "".join(f"{c:>{TABLE_COLUMN_WIDTH}}" for c in totals)
        )
        return "\n".join(lines)

    def as_json(self) -> dict:
        """The attribution.json document."""
        full, none = frozenset(FACTORS), frozenset()
        reached = {combo: float(np.mean(v[f"{MILESTONE}_reached"])) for combo, v in self.values.items()}
        return to_jsonable(
            {
                "factors": self.shapley,
                "standard_errors": self.standard_errors,
                "combos": [
                    {
                        **{f: f in combo for f in FACTORS},
                        "label": combo_label(combo),
                        **{m: self.mean(combo, m) for m in METRICS},
                        f"{MILESTONE}_reached": reached[combo],
                    }
                    for combo in all_combinations()
                ],
                "baseline": {"name": self.baseline_name, **{m: self.mean(none, m) for m in METRICS}},
                "scenario": {"name": self.scenario_name, **{m: self.mean(full, m) for m in METRICS}},
                "factor_sections": FACTOR_SECTIONS,
                "replicates": self.replicates,
                "seed": self.seed,
                "horizon_days": self.horizon,
                "ignored_baseline_differences": self.ignored_differences,
                "notes": f"Shapley values over the {2 ** len(FACTORS)} on/off combinations; they sum to scenario - "
                f"baseline. {MILESTONE}: replicates that never reach 50% count as the horizon "
                f"({self.horizon:g} days).",
            }
        )


# ==================================================================================================
# Shapley values
# ==================================================================================================
def all_combinations(factors: Iterable[str] = FACTORS) -> list[Combination]:
    """Every subset of the factors, from none to all."""
    factors = tuple(factors)
    return [frozenset(c) for k in range(len(factors) + 1) for c in itertools.combinations(factors, k)]


def combo_label(combo: Combination) -> str:
    """'engine+accelerator', 'baseline' (none on) or 'scenario' (all on)."""
    if not combo:
        return "baseline"
    if combo == frozenset(FACTORS):
        return "scenario"
    return "+".join(f for f in FACTORS if f in combo)


def shapley_values(players: Iterable[str], value: Callable[[frozenset], float]) -> dict[str, float]:
    """Exact Shapley values of a cooperative game given by its value function on coalitions.

    phi_i = sum over coalitions S without i of |S|! (n-|S|-1)! / n! * (v(S | {i}) - v(S)).
    They sum to v(all) - v(empty).
    """
    players = tuple(players)
    n = len(players)
    phi = {}
    for player in players:
        others = [p for p in players if p != player]
        total = 0.0
        for k in range(n):
            weight = math.factorial(k) * math.factorial(n - k - 1) / math.factorial(n)
            for coalition in itertools.combinations(others, k):
                s = frozenset(coalition)
                total += weight * (value(s | {player}) - value(s))
        phi[player] = total
    return phi


# ==================================================================================================
# Combinations of scenario and baseline
# ==================================================================================================
def _sections_of(data: dict) -> dict:
    """A scenario dict without its name and description."""
    return {k: v for k, v in data.items() if k not in LABEL_KEYS}


def ignored_differences(scenario: Scenario, baseline: Scenario) -> list[str]:
    """Context sections (not in any factor) where the baseline differs: they are taken from the scenario."""
    factor_sections = {s for sections in FACTOR_SECTIONS.values() for s in sections}
    mine, theirs = _sections_of(scenario.model_dump()), _sections_of(baseline.model_dump())
    return sorted(k for k in mine if k not in factor_sections and mine[k] != theirs.get(k))


def combo_scenario(scenario: Scenario, baseline: Scenario, on: Combination) -> Scenario:
    """The scenario with the sections of every factor not in `on` taken from the baseline."""
    data = scenario.model_dump()
    base = baseline.model_dump()
    for factor in FACTORS:
        if factor not in on:
            for section in FACTOR_SECTIONS[factor]:
                data[section] = base[section]
    # the name must stay a plain file name (sim.config.names); the combination goes in the description
    data["description"] = f"{scenario.name} [{combo_label(on)}]"
    return scenario_from_dict(data, source=f"attribution combination {combo_label(on)}")


def check_factors_differ(scenario: Scenario, baseline: Scenario) -> None:
    """Refuse a baseline identical to the scenario in every factor section (nothing to attribute)."""
    mine, theirs = scenario.model_dump(), baseline.model_dump()
    if all(mine[s] == theirs[s] for sections in FACTOR_SECTIONS.values() for s in sections):
        raise ScenarioError(
            "the baseline equals the scenario in every factor section "
            f"({', '.join(s for v in FACTOR_SECTIONS.values() for s in v)}): nothing to attribute"
        )


# ==================================================================================================
# Running the combinations
# ==================================================================================================
def replicate_metrics(ts: pd.DataFrame, population: int, horizon: float) -> dict[str, float]:
    """Final adoption share and time to 50% (the horizon if never reached) of one replicate."""
    ts = ts.sort_values("time")
    share = ts["adopted_total"].to_numpy(dtype=float) / population
    t50 = time_to_fraction(ts["time"].to_numpy(dtype=float), share, MILESTONES[MILESTONE])
    return {
        "final_adoption": float(share[-1]),
        MILESTONE: horizon if math.isnan(t50) else t50,
        f"{MILESTONE}_reached": float(not math.isnan(t50)),
    }


def attribute(
    scenario: Scenario,
    baseline: Scenario,
    replicates: int | None = None,
    seed: int | None = None,
    runner: Runner | None = None,
    progress: Callable[[int], None] | None = None,
) -> Attribution:
    """Shapley attribution of the scenario's final adoption and time to 50% over the baseline.

    Runs the 2^3 combinations with `replicates` (default run.replicates) replicates each, seeded
    from `seed` (default run.seed) identically in every combination. `runner(scenario, seed_seq,
    replicate)` returns one replicate's time series (default `sim.run.runner.run_replicate`); `progress`
    is called with 1 after each run.
    """
    check_factors_differ(scenario, baseline)
    replicates = scenario.run.replicates if replicates is None else replicates
    seed = scenario.run.seed if seed is None else seed
    if replicates < 1:
        raise ScenarioError("replicates must be >= 1")
    runner = runner or run_replicate
    horizon = float(scenario.run.days)
    population = scenario.population.size
    seeds = replicate_seeds(seed, replicates)
    values, series = {}, {}
    for combo in all_combinations():
        combo_sc = combo_scenario(scenario, baseline, combo)
        frames, rows = [], []
        for r, seq in enumerate(seeds):
            ts = runner(combo_sc, seq, r)
            rows.append(replicate_metrics(ts, population, horizon))
            frames.append(ts.assign(replicate=r))
            if progress:
                progress(1)
        values[combo] = {key: np.array([row[key] for row in rows]) for key in rows[0]}
        series[combo] = pd.concat(frames, ignore_index=True)
    shapley, errors = _shapley_with_errors(values, replicates)
    return Attribution(
        scenario.name,
        baseline.name,
        replicates,
        seed,
        horizon,
        values,
        shapley,
        errors,
        series,
        population,
        ignored_differences(scenario, baseline),
    )


def _shapley_with_errors(values: dict[Combination, dict[str, np.ndarray]], replicates: int):
    """Shapley values of the replicate means, and their standard errors from per-replicate Shapley values.

    Shapley values are linear in the value function, so the mean of the per-replicate values equals
    the value of the means; with common random numbers the per-replicate values are paired draws.
    """
    shapley = {f: {} for f in FACTORS}
    errors = {f: {} for f in FACTORS}
    for metric in METRICS:
        per_rep = [shapley_values(FACTORS, lambda s, r=r, m=metric: values[s][m][r]) for r in range(replicates)]
        for factor in FACTORS:
            draws = np.array([row[factor] for row in per_rep])
            shapley[factor][metric] = float(draws.mean())
            errors[factor][metric] = float(draws.std(ddof=1) / math.sqrt(replicates)) if replicates > 1 else math.nan
    return shapley, errors


# ==================================================================================================
# Output
# ==================================================================================================
def _level_text(result: Attribution, combo: Combination, metric: str) -> str:
    """A combination's mean as text: '72.8%' or '96 d'; '>= 365 d' when some replicate never got there."""
    if metric == "final_adoption":
        return f"{result.mean(combo, metric):.1%}"
    censored = np.mean(result.values[combo][f"{MILESTONE}_reached"]) < 1
    return f"{'>= ' if censored else ''}{result.mean(combo, metric):.0f} d"


def plot_attribution(result: Attribution, path: Path) -> Path:
    """Bars of each factor's Shapley value for both metrics, with 90% error bars and value labels."""
    import matplotlib.pyplot as plt

    from sim.research.analysis import wrapped_suptitle
    from sim.viz.charts import GRID_ALPHA, save_figure  # selects the Agg backend

    full, none = frozenset(FACTORS), frozenset()
    fig, axes = plt.subplots(1, len(METRICS), figsize=BAR_FIGSIZE)
    for ax, metric in zip(axes, METRICS):
        scale, unit = DISPLAY[metric]
        vals = np.array([result.shapley[f][metric] for f in FACTORS]) * scale
        errs = np.array([result.standard_errors[f][metric] for f in FACTORS]) * scale * Z_BAND
        y = np.arange(len(FACTORS))
        ax.barh(
            y,
            vals,
            xerr=np.nan_to_num(errs),
            capsize=ERRORBAR_CAPSIZE,
            color=[FACTOR_COLORS.get(f, "gray") for f in FACTORS],
        )
        for yi, v in zip(y, vals):
            ax.annotate(
                f"{v:+.1f}{unit}",
                (v, yi),
                xytext=(6 if v >= 0 else -6, 8),
                textcoords="offset points",
                ha="left" if v >= 0 else "right",
                va="bottom",
            )
        ax.set_yticks(y, [f.replace("_", " ") for f in FACTORS])
        ax.invert_yaxis()
        ax.axvline(0, color="black", lw=0.8)
        lo, hi = ax.get_xlim()
        span = hi - lo
        ax.set_xlim(lo - LABEL_MARGIN * span * (lo < 0), hi + LABEL_MARGIN * span * (hi > 0))
        ax.grid(axis="x", alpha=GRID_ALPHA)
        change = (result.mean(full, metric) - result.mean(none, metric)) * scale
        censored = metric == MILESTONE and any(np.mean(v[f"{MILESTONE}_reached"]) < 1 for v in result.values.values())
        ax.set_title(
            f"{METRIC_LABELS[metric]}\nbaseline {_level_text(result, none, metric)} -> scenario "
            f"{_level_text(result, full, metric)} (change {change:+.1f}{unit})"
            + (f"\nnot reaching 50% counts as the horizon, {result.horizon:g} d" if censored else "")
        )
        ax.set_xlabel("Shapley contribution" + (" (negative = faster)" if metric == MILESTONE else ""))
    wrapped_suptitle(
        fig,
        [
            f"Iron-triangle attribution: {result.scenario_name} vs {result.baseline_name}",
            f"{result.replicates} replicates per combination, error bars: {BAND_LEVEL:.0%} interval",
        ],
    )
    return save_figure(fig, path)


def write_attribution(result: Attribution, out_dir: str | Path) -> list[Path]:
    """Write attribution.json, attribution.png and combos.png (mean adoption of each combination)."""
    from sim.viz.charts import plot_comparison

    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    json_path = out_dir / "attribution.json"
    json_path.write_text(json.dumps(result.as_json(), indent=2, allow_nan=False) + "\n", encoding="utf-8")
    series = {combo_label(c): result.timeseries[c] for c in all_combinations() if c in result.timeseries}
    return [
        json_path,
        plot_attribution(result, out_dir / "attribution.png"),
        plot_comparison(
            series,
            "adopted_total",
            result.population,
            out_dir / "combos.png",
            title=f"{result.scenario_name}: the {len(series)} factor combinations",
            ylabel="Ever adopted (% of population)",
        ),
    ]

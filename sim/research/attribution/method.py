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
the slowest possible outcome rather than a hole in the average. The product-generation metrics of the
registry (lifetime_adoption, repeat_buyers, adoption_gen<g>; sim.run.metrics.generation_metrics) can be
attributed too (`metrics`); a combination without generations sold one product.

A market of brands (sim.model.brands). A brand's levers are its own tables (`brands.<name>.engine`,
`brands.<name>.advertising`, ...: the brand-level sections, sim.config.brands.BRAND_SECTIONS), already merged
with the top-level defaults; the other sections of a factor (`channels`, `relationship`) are market-wide. So in a
market a factor switched off takes its market-wide sections from the baseline and its brand-level sections from
the baseline's table of the chosen brand (`brand`; every rival keeps the scenario's), or of every brand when none is
chosen. With a chosen brand its final market share and final owners (`share_final_<brand>`,
`owners_final_<brand>`, sim.run.brand_metrics) are attributed besides the category's final adoption and time to
50%; their Shapley values add up to the brand's own change (efficiency), as for adoption.
"""

from __future__ import annotations

import functools
import itertools
import json
import math
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from sim.config.brands import BRAND_SECTIONS
from sim.config.errors import ScenarioError
from sim.config.scenario import scenario_from_dict
from sim.config.schema import Scenario
from sim.model.streams import replicate_seeds
from sim.playbook.registry import factor_sections
from sim.research.options import ResearchOptions
from sim.run import series_metrics as series
from sim.run.brand_metrics import brand_metric
from sim.run.executor import apply_runner, open_executor, run_tasks
from sim.run.io import atomic_directory
from sim.run.metrics import METRICS, MILESTONES, generation_metrics, time_to_fraction, to_jsonable
from sim.run.runner import run_replicate

#: The iron triangle: each factor and the scenario sections it consists of, derived from the core
#: sections (sim.playbook.core.CORE_SECTIONS) and the factor each playbook mechanism declares, so a
#: new mechanism is attributed without editing this module. Sections not listed (run, population,
#: seed_users, wom, network, official) are the context and always come from the scenario.
FACTOR_SECTIONS: dict[str, tuple[str, ...]] = factor_sections()
FACTORS = tuple(FACTOR_SECTIONS)
#: Output kind of an attribution folder (sim.run.io markers) and its data file.
ATTRIBUTION_KIND = "attribution"
ATTRIBUTION_FILE = "attribution.json"
#: Top-level keys that name a scenario rather than configure it.
LABEL_KEYS = ("name", "description")
#: The milestone attributed besides final adoption.
MILESTONE = "time_to_50pct"
ATTRIBUTED_METRICS = ("final_adoption", MILESTONE)
#: How contributions are shown: multiplier and unit (shares in percentage points, times in days).
DISPLAY = {"final_adoption": (100.0, " pp"), MILESTONE: (1.0, " d")}
#: Metrics that may be attributed besides ATTRIBUTED_METRICS: the registry's product-generation metrics.
EXTRA_METRICS = tuple(name for name, m in METRICS.items() if m.generations_only)
#: What a chosen brand adds to the attributed metrics (templates of sim.run.brand_metrics.BRAND_METRICS).
BRAND_ATTRIBUTED = ("share_final", "owners_final")


def brand_attributed(brand: str | None) -> tuple[str, ...]:
    """The chosen brand's attributed metrics (`share_final_<brand>`, `owners_final_<brand>`); none without one."""
    return tuple(f"{m}_{brand}" for m in BRAND_ATTRIBUTED) if brand else ()


def display(metric: str) -> tuple[float, str]:
    """Multiplier and unit a metric's contributions are shown in (shares in percentage points)."""
    if metric in DISPLAY:
        return DISPLAY[metric]
    m = METRICS.get(metric) or brand_metric(metric)
    return (100.0, " pp") if m.share else (1.0, f" {m.unit}")


#: Width of the factor column and of each metric column of the printed table.
TABLE_NAME_WIDTH = 24
TABLE_COLUMN_WIDTH = 26

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
    #: The metrics attributed: ATTRIBUTED_METRICS, a chosen brand's (BRAND_ATTRIBUTED) and any of EXTRA_METRICS.
    metrics: tuple[str, ...] = ATTRIBUTED_METRICS
    #: The brand whose levers the factors switch in a market of brands (None: every brand's, or one brand).
    brand: str | None = None

    def mean(self, combo: Combination, metric: str) -> float:
        """Mean of a metric over the replicates of a combination."""
        return float(np.mean(self.values[combo][metric]))

    def table(self) -> str:
        """Plain-text table: each factor's Shapley values ± standard error, and the total they add up to."""
        full, none = frozenset(FACTORS), frozenset()
        header = f"{'factor':<{TABLE_NAME_WIDTH}}" + "".join(
            f"{m + ' (' + display(m)[1].strip() + ')':>{TABLE_COLUMN_WIDTH}}" for m in self.metrics
        )
        lines = [
            f"{self.scenario_name} vs {self.baseline_name}: Shapley contributions "
            f"({self.replicates} replicates per combination, ± standard error)",
            header,
        ]
        for factor in FACTORS:
            cells = [
                f"{self.shapley[factor][m] * display(m)[0]:+.2f} ± {self.standard_errors[factor][m] * display(m)[0]:.2f}"
                for m in self.metrics
            ]
            lines.append(f"{factor:<{TABLE_NAME_WIDTH}}" + "".join(f"{c:>{TABLE_COLUMN_WIDTH}}" for c in cells))
        totals = [f"{(self.mean(full, m) - self.mean(none, m)) * display(m)[0]:+.2f}" for m in self.metrics]
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
                        **{m: self.mean(combo, m) for m in self.metrics},
                        f"{MILESTONE}_reached": reached[combo],
                    }
                    for combo in all_combinations()
                ],
                "baseline": {"name": self.baseline_name, **{m: self.mean(none, m) for m in self.metrics}},
                "scenario": {"name": self.scenario_name, **{m: self.mean(full, m) for m in self.metrics}},
                "factor_sections": FACTOR_SECTIONS,
                "brand": self.brand,
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


#: The path of a part of a scenario's dict: a section ("engine",) or a brand's section ("brands", "a", "engine").
Part = tuple[str, ...]


def factor_paths(scenario: Scenario, brand: str | None = None) -> dict[str, tuple[Part, ...]]:
    """Each factor's parts of the scenario that its switch takes from the baseline: its sections, except that
    in a market of brands a brand-level section is the chosen brand's table of it (every brand's without one)."""
    targets = [brand] if brand else list(scenario.brands)
    out = {}
    for factor, sections in FACTOR_SECTIONS.items():
        paths: list[Part] = []
        for section in sections:
            if scenario.brands and section in BRAND_SECTIONS:
                paths += [("brands", b, section) for b in targets]
            else:
                paths.append((section,))
        out[factor] = tuple(paths)
    return out


def _part(data: dict, path: Part):
    for key in path:
        data = data.get(key, {}) if isinstance(data, dict) else {}
    return data


def check_brand(scenario: Scenario, baseline: Scenario, brand: str | None) -> None:
    """The chosen brand is one of the scenario's market of two brands or more; the baseline has the same brands."""
    if brand is not None:
        if len(scenario.brands) < 2:
            have = f"its only brand is {next(iter(scenario.brands))}" if scenario.brands else "it has no [brands]"
            raise ScenarioError(f"--brand {brand!r}: needs a market of two brands or more ({scenario.name}: {have})")
        if brand not in scenario.brands:
            raise ScenarioError(f"--brand {brand!r}: unknown brand; allowed: {', '.join(scenario.brands)}")
    if list(scenario.brands) != list(baseline.brands):
        raise ScenarioError(
            f"the baseline's brands ({', '.join(baseline.brands) or 'none'}) differ from the scenario's "
            f"({', '.join(scenario.brands) or 'none'}): the factors compare the same market"
        )


def ignored_differences(scenario: Scenario, baseline: Scenario, brand: str | None = None) -> list[str]:
    """Parts outside every factor (context sections; in a market, a brand's entry day and the rivals' levers when
    one brand is chosen) where the baseline differs: they are taken from the scenario."""
    factor = {p for paths in factor_paths(scenario, brand).values() for p in paths}
    mine, theirs = _sections_of(scenario.model_dump()), _sections_of(baseline.model_dump())
    parts: list[Part] = [(k,) for k in mine if k != "brands" and not (scenario.brands and k in BRAND_SECTIONS)]
    parts += [("brands", b, k) for b, table in mine.get("brands", {}).items() for k in table]
    return sorted(".".join(p) for p in parts if p not in factor and _part(mine, p) != _part(theirs, p))


def combo_scenario(scenario: Scenario, baseline: Scenario, on: Combination, brand: str | None = None) -> Scenario:
    """The scenario with the parts of every factor not in `on` taken from the baseline (`factor_paths`)."""
    data = scenario.model_dump()
    base = baseline.model_dump()
    paths = factor_paths(scenario, brand)
    for factor in FACTORS:
        if factor not in on:
            for path in paths[factor]:
                *parents, last = path
                _part(data, tuple(parents))[last] = _part(base, path)
    # the name must stay a plain file name (sim.config.names); the combination goes in the description
    data["description"] = f"{scenario.name} [{combo_label(on)}]"
    return scenario_from_dict(data, source=f"attribution combination {combo_label(on)}")


def check_factors_differ(scenario: Scenario, baseline: Scenario, brand: str | None = None) -> None:
    """Refuse a baseline identical to the scenario in every factor's parts (nothing to attribute)."""
    mine, theirs = scenario.model_dump(), baseline.model_dump()
    paths = [p for v in factor_paths(scenario, brand).values() for p in v]
    if all(_part(mine, p) == _part(theirs, p) for p in paths):
        raise ScenarioError(
            f"the baseline equals the scenario in every factor section ({', '.join('.'.join(p) for p in paths)}): "
            "nothing to attribute"
        )


# ==================================================================================================
# Running the combinations
# ==================================================================================================
def attribution_values(
    ts: pd.DataFrame,
    population: int,
    horizon: float,
    extra: tuple[str, ...] = (),
    generations: int = 1,
    brand: str | None = None,
) -> dict[str, float]:
    """Final adoption share and time to 50% (the horizon if never reached) of one replicate, the chosen brand's
    final share and owners (BRAND_ATTRIBUTED), and the `extra` metrics (of EXTRA_METRICS; `generations`: the
    most generations any combination has)."""
    ts = ts.sort_values("time")
    share = ts["adopted_total"].to_numpy(dtype=float) / population
    t50 = time_to_fraction(ts["time"].to_numpy(dtype=float), share, MILESTONES[MILESTONE])
    out = {
        "final_adoption": float(share[-1]),
        MILESTONE: horizon if math.isnan(t50) else t50,
        f"{MILESTONE}_reached": float(not math.isnan(t50)),
    }
    if brand is not None:
        mine = series.brand_share_metrics(ts) | series.brand_owner_metrics(ts, population)
        out |= {m: mine[m] for m in brand_attributed(brand)}
    if extra:
        lines = generation_metrics(ts, population, generations)
        out |= {m: lines.get(m, 0.0) for m in extra}  # a generation beyond the line sold nothing
    return out


def run(
    scenario: Scenario,
    baseline: Scenario,
    options: ResearchOptions | None = None,
    runner: Runner | None = None,
    progress: Callable[[int], None] | None = None,
    metrics: Iterable[str] = (),
    brand: str | None = None,
) -> Attribution:
    """Shapley attribution of the scenario's final adoption and time to 50% over the baseline (and of
    `metrics`, any of EXTRA_METRICS: lifetime and per-generation adoption). In a market of brands the factors
    switch `brand`'s levers (every brand's when None) and that brand's share and owners are attributed too.

    Runs the 2^3 combinations with `options.replicates` (default run.replicates) replicates each,
    seeded from `options.seed` (default run.seed) identically in every combination. `runner(scenario, seed_seq,
    replicate)` returns one replicate's time series (default `sim.run.runner.run_replicate`); `progress`
    is called with 1 after each run. `options.workers` processes (default 1) run the replicates (sim.run.executor; a
    `runner` must then be a module-level function) with identical results.
    """
    check_brand(scenario, baseline, brand)
    check_factors_differ(scenario, baseline, brand)
    extra = tuple(m for m in dict.fromkeys(metrics) if m not in ATTRIBUTED_METRICS)
    unknown = [m for m in extra if m not in EXTRA_METRICS]
    if unknown:
        allowed = ", ".join((*ATTRIBUTED_METRICS, *EXTRA_METRICS))
        raise ScenarioError(f"--metric {unknown[0]}: not an attributable metric; allowed: {allowed}")
    generations = max(scenario.generations.count, baseline.generations.count)
    options = options or ResearchOptions()
    replicates = scenario.run.replicates if options.replicates is None else options.replicates
    seed = scenario.run.seed if options.seed is None else options.seed
    workers = options.workers or 1
    if replicates < 1:
        raise ScenarioError("replicates must be >= 1")
    runner = runner or run_replicate
    horizon = float(scenario.run.days)
    population = scenario.population.size
    seeds = replicate_seeds(seed, replicates)
    combos = all_combinations()
    tasks = [
        (combo_scenario(scenario, baseline, combo, brand), seq, r) for combo in combos for r, seq in enumerate(seeds)
    ]
    with open_executor(workers, tasks=len(tasks)) as executor:
        done = (lambda task, ts: progress(1)) if progress else None
        frames_all = run_tasks(executor, functools.partial(apply_runner, runner), tasks, done)
    values, series = {}, {}
    for i, combo in enumerate(combos):
        frames = [ts.assign(replicate=r) for r, ts in enumerate(frames_all[i * replicates : (i + 1) * replicates])]
        rows = [attribution_values(ts, population, horizon, extra, generations, brand) for ts in frames]
        values[combo] = {key: np.array([row[key] for row in rows]) for key in rows[0]}
        series[combo] = pd.concat(frames, ignore_index=True)
    attributed = (*ATTRIBUTED_METRICS, *brand_attributed(brand), *extra)
    shapley, errors = _shapley_with_errors(values, replicates, attributed)
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
        ignored_differences(scenario, baseline, brand),
        attributed,
        brand,
    )


def _shapley_with_errors(
    values: dict[Combination, dict[str, np.ndarray]], replicates: int, metrics: tuple[str, ...] = ATTRIBUTED_METRICS
):
    """Shapley values of the replicate means, and their standard errors from per-replicate Shapley values.

    Shapley values are linear in the value function, so the mean of the per-replicate values equals
    the value of the means; with common random numbers the per-replicate values are paired draws.
    """
    shapley = {f: {} for f in FACTORS}
    errors = {f: {} for f in FACTORS}
    for metric in metrics:
        per_rep = [shapley_values(FACTORS, lambda s, r=r, m=metric: values[s][m][r]) for r in range(replicates)]
        for factor in FACTORS:
            draws = np.array([row[factor] for row in per_rep])
            shapley[factor][metric] = float(draws.mean())
            errors[factor][metric] = float(draws.std(ddof=1) / math.sqrt(replicates)) if replicates > 1 else math.nan
    return shapley, errors


# ==================================================================================================
# Output
# ==================================================================================================
def write_outputs(
    result: Attribution,
    out_dir: str | Path,
    force: bool = False,
    draw: Callable[[Attribution, Path], list[Path]] | None = None,
) -> list[Path]:
    """Write attribution.json and what `draw` adds (the charts) into out_dir, all at once
    (sim.run.io.atomic_directory; --force replaces only a previous attribution)."""
    out_dir = Path(out_dir)
    with atomic_directory(out_dir, ATTRIBUTION_KIND, force) as tmp:
        (tmp / ATTRIBUTION_FILE).write_text(
            json.dumps(result.as_json(), indent=2, allow_nan=False) + "\n", encoding="utf-8"
        )
        drawn = draw(result, tmp) if draw is not None else []
    return [out_dir / ATTRIBUTION_FILE, *(out_dir / p.name for p in drawn)]

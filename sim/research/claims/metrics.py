"""What a claim measures: metrics of one replicate's time series, and the valence shares of adopters.

`replicate_metrics` gives, for one replicate, the summary metrics of sim.run.metrics that claims may
compare (`SUMMARY_METRICS`) plus metrics read off the time series at a day or over a window
(`sim.run.series_metrics`: fans retained, participation kept after the brand steps back, ...), all
named in the one metric registry `sim.run.metrics.METRICS`.
`adopter_valence_shares` and `margins_for_shift` compute what "the same share of adopters" means for
the engine's valence margins (claim 10).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from sim.config.behaviour import EngineConfig
from sim.model import rules
from sim.run.brand_metrics import BRAND_TEMPLATES, brand_metric
from sim.run.metrics import BAND_LEVEL, METRICS, SERIES_LABELS, SERIES_MILESTONES, summarize_replicate
from sim.run.series_metrics import OWNERS_PREFIX

# --- Statistics ----------------------------------------------------------------------------------
DEFAULT_ALPHA = 0.05
HOLDS, REVERSED, INCONCLUSIVE = "holds", "reversed", "inconclusive"
#: Quantiles of the across-replicate interval reported per arm (the same 90% as run summaries).
INTERVAL = ((1 - BAND_LEVEL) / 2, (1 + BAND_LEVEL) / 2)
#: Fewest usable replicate pairs for a test; with fewer the verdict is inconclusive (p = 1).
MIN_PAIRS = 3

# --- Metrics -------------------------------------------------------------------------------------
#: Metrics of `sim.run.metrics.summarize_replicate` a claim may compare (every replicate reports them).
SUMMARY_METRICS = tuple(n for n, m in METRICS.items() if m.summary and m.comparable and not m.generations_only)
#: Milestone times are NaN when the level is never reached; claims count such a run as reaching it
#: at the horizon (right-censored), which can only understate a difference.
CENSORED_AT_HORIZON = ("time_to_10pct", "time_to_50pct", *SERIES_MILESTONES)
#: Per-brand milestones, censored the same way: a brand that never takes off counts as taking off at the horizon
#: (its days in the market), before the brands are weighed.
CENSORED_BRAND_METRICS = ("days_to_takeoff",)
#: Metrics always reported in the arms table, besides those the expectations compare.
TABLE_METRICS = ("final_adoption", "time_to_50pct", "fan_share", "detractor_share")
#: Default length (days) of the windows of metrics read over windows (`participation_retention`).
DEFAULT_WINDOW = 30.0
#: Time-series columns a chart may draw (recorded by every run, see sim/model/model.py `_record`), with their
#: y-axis label; `sim.viz.charts.plot_comparison` divides each by the population and shows it in percent.
CHART_LABELS = {
    column: f"{label} ({'100% = 1' if column == 'participations' else '% of population'})"
    for column, label in SERIES_LABELS.items()
}
CHART_COLUMNS = tuple(CHART_LABELS)
#: Per-brand columns a chart may also draw in a market of two brands or more: `<prefix><brand>`, with their labels.
BRAND_CHART_PREFIXES = {OWNERS_PREFIX: "Owners of {brand}", "adopted_total_": "Ever owned {brand}"}


def chart_brand(column: str) -> str | None:
    """The brand of a per-brand chart column (`owners_a` -> 'a'), None for a column of every run."""
    if column in CHART_LABELS:
        return None
    for prefix in BRAND_CHART_PREFIXES:
        if column.startswith(prefix) and len(column) > len(prefix):
            return column[len(prefix) :]
    return None


def chart_label(column: str) -> str:
    """The y-axis label of a chart column (per-brand ones name their brand)."""
    brand = chart_brand(column)
    if brand is None:
        return CHART_LABELS[column]
    prefix = next(p for p in BRAND_CHART_PREFIXES if column.startswith(p))
    return f"{BRAND_CHART_PREFIXES[prefix].format(brand=brand)} (% of population)"


#: Longest claim name + point label that still fits a chart title with the claim's name.
MAX_TITLE_CHARS = 60


#: Every metric a claim may compare: the run summaries and the metrics read off the series, from the one
#: registry (`sim.run.metrics.METRICS`; product-generation metrics are for attribution).
CLAIM_METRICS = tuple(name for name, m in METRICS.items() if m.comparable and not m.generations_only)
#: Per-brand metrics a claim may compare in a market of brands, by template (`sim.run.brand_metrics.BRAND_TEMPLATES`): an
#: expectation names the template and weighs brands (`brands = {a = 1, b = -1}`: a's value minus b's, per run).
CLAIM_BRAND_METRICS = tuple(BRAND_TEMPLATES)


def needs_day(metric: str) -> bool:
    """Whether the metric (or per-brand template) is read at a day (an expectation must then give `day`)."""
    entry = METRICS.get(metric) or BRAND_TEMPLATES.get(metric)
    return entry is not None and entry.needs_day


@dataclass(frozen=True)
class MetricSpec:
    """A metric with the day and window it is read at and, for a per-brand template, the weights of the brands
    it combines; `key` names it in tables ('fan_retention@200', 'owners_gain@60[a - b]')."""

    name: str
    day: float | None = None
    window: float = DEFAULT_WINDOW
    brands: tuple[tuple[str, float], ...] = ()

    @property
    def key(self) -> str:
        key = self.name
        if self.day is not None:
            key += f"@{self.day:g}"
            entry = METRICS.get(self.name) or BRAND_TEMPLATES[self.name]
            if entry.reads == "window" and self.window != DEFAULT_WINDOW:
                key += f"w{self.window:g}"
        if self.brands:
            key += f"[{weighted_terms(dict(self.brands))}]"
        return key

    def brand_value(self, metrics: dict[str, float], ts: pd.DataFrame, population: int) -> float:
        """sum over brands of weight x the brand's metric, read from the run summary (`metrics`) or off `ts`."""
        total = 0.0
        for brand, weight in self.brands:
            name = f"{self.name}_{brand}"
            entry = brand_metric(name)
            if entry.compute is None:
                if name not in metrics:
                    raise KeyError(f"brand {brand!r} is not a brand of this run")
                value = metrics[name]
            else:
                value = entry.compute(ts, population, self.day, self.window)
            if self.name in CENSORED_BRAND_METRICS and math.isnan(value):
                value = days_in_market(ts, brand)
            total += weight * value
        return float(total)


def days_in_market(ts: pd.DataFrame, brand: str) -> float:
    """Days from the first record in which `brand` has owners to the end of the run (NaN if it never has any)."""
    owners = ts[OWNERS_PREFIX + brand].to_numpy(dtype=float)
    present = np.flatnonzero(owners > 0)
    time = ts["time"].to_numpy(dtype=float)
    return float(time[-1] - time[present[0]]) if present.size else float("nan")


def weighted_terms(weights: dict[str, float]) -> str:
    """A contrast as text, positive weights first: 'a - b', '2*a - b - c', 'hit'."""
    ordered = sorted(weights.items(), key=lambda kv: -kv[1])
    text = " ".join(f"{'+' if w > 0 else '-'} {'' if abs(w) == 1 else f'{abs(w):g}*'}{name}" for name, w in ordered)
    return text.removeprefix("+ ")


def replicate_metrics(ts: pd.DataFrame, population: int, specs: list[MetricSpec]) -> dict[str, float]:
    """The metrics of one replicate: `summarize_replicate` plus the time-series metrics of `specs`.

    Milestone times are raw here (NaN = never reached); `metric_values` applies the censoring.
    """
    summary = summarize_replicate(ts, population)
    out = {name: float(summary[name]) for name in SUMMARY_METRICS}
    out |= {name: float(value) for name, value in summary.items() if brand_metric(name) is not None}
    for spec in specs:
        if spec.brands:
            out[spec.key] = spec.brand_value(summary, ts, population)
            continue
        compute = METRICS[spec.name].compute
        if compute is not None:
            out[spec.key] = compute(ts, population, spec.day, spec.window)
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
    so realised shares differ slightly (the claim reports the realised detractor share).
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

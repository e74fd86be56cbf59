"""What a claim measures: metrics of one replicate's time series, and the valence shares of adopters.

`replicate_metrics` gives, for one replicate, the summary metrics of sim.run.metrics that claims may
compare (`SUMMARY_METRICS`) plus metrics read off the time series at a day or over a window
(`sim.run.series_metrics`: fans retained, participation kept after the brand steps back, ...), all
named in the one metric registry `sim.run.metrics.METRICS`.
`adopter_valence_shares` and `margins_for_shift` compute what "the same share of adopters" means for
the engine's valence margins (claim 10).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd
from scipy import optimize, stats

from sim.config.behaviour import EngineConfig
from sim.model import rules
from sim.run.metrics import BAND_LEVEL, METRICS, SERIES_LABELS, SERIES_MILESTONES, summarize_replicate

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
#: Longest claim name + point label that still fits a chart title with the claim's name.
MAX_TITLE_CHARS = 60


#: Every metric a claim may compare: the run summaries and the metrics read off the series, from the one
#: registry (`sim.run.metrics.METRICS`; product-generation metrics are for attribution).
CLAIM_METRICS = tuple(name for name, m in METRICS.items() if m.comparable and not m.generations_only)


def needs_day(metric: str) -> bool:
    """Whether the metric is read at a day (an expectation must then give `day`)."""
    return metric in METRICS and METRICS[metric].needs_day


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
        if METRICS[self.name].reads == "window" and self.window != DEFAULT_WINDOW:
            suffix += f"w{self.window:g}"
        return self.name + suffix


def replicate_metrics(ts: pd.DataFrame, population: int, specs: list[MetricSpec]) -> dict[str, float]:
    """The metrics of one replicate: `summarize_replicate` plus the time-series metrics of `specs`.

    Milestone times are raw here (NaN = never reached); `metric_values` applies the censoring.
    """
    summary = summarize_replicate(ts, population)
    out = {name: float(summary[name]) for name in SUMMARY_METRICS}
    for spec in specs:
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

"""Summary metrics of simulated adoption series: Bass fits, milestones, peaks and bands.

The fits themselves live in sim.run.bass_fit and are re-exported here.

The simulator records, per replicate and per step, how many people have adopted. This
module turns those series into the numbers reported in results and charts: fitted Bass
coefficients (p, q, m), the time to reach 10% / 50% of the population, the peak adoption
rate, fan / detractor shares, cost per adopter, and across-replicate means and bands.
All results are JSON-serialisable through `to_jsonable`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

import numpy as np
import pandas as pd

from sim.config.mechanisms.generations import MAX_GENERATIONS
from sim.run import series_metrics as series
from sim.run.bass_fit import _nan_fit, fit_bass, fit_problem
from sim.run.series_metrics import peak_rate, time_to_fraction

# --- Replicate summaries -----------------------------------------------------------
#: Coverage of the across-replicate bands and intervals (5% and 95% quantiles).
BAND_LEVEL = 0.90
#: Milestones reported by `summarize_replicate`, as fractions of the population.
MILESTONES = {"time_to_10pct": 0.10, "time_to_50pct": 0.50}
#: Milestones read off the series (not in the run summaries): the stages of Goldenberg, Libai and
#: Muller (2001), who timed 16%, 50% and 95% of the market (experiments/glm/).
SERIES_MILESTONES = {"time_to_16pct": 0.16, "time_to_95pct": 0.95}
#: Columns `summarize_replicate` needs in a replicate's data frame.
REPLICATE_COLUMNS = (
    "step",
    "time",
    "adopted_total",
    "new_adopters",
    "fans",
    "detractors",
    "adopters",
    "cost",
)


def mean_and_band(df: pd.DataFrame, value_col: str, by: str = "time", level: float = BAND_LEVEL) -> pd.DataFrame:
    """Across-replicate mean and central `level` band of `value_col` at each `by` value.

    Returns a frame with columns `by` (default "time"), mean, lo, hi, where lo / hi are
    the (1 - level)/2 and (1 + level)/2 quantiles; used to draw mean lines with shaded
    bands in the charts.
    """
    if not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    lo_q, hi_q = (1 - level) / 2, (1 + level) / 2
    grouped = df.groupby(by, sort=True)[value_col]
    out = pd.DataFrame(
        {
            "mean": grouped.mean(),
            "lo": grouped.quantile(lo_q),
            "hi": grouped.quantile(hi_q),
        }
    )
    return out.reset_index()


def summarize_replicate(df_one_replicate: pd.DataFrame, population: int) -> dict:
    """Headline metrics of one replicate's time series, as a flat dict of floats.

    Keys: final_adoption (fraction of `population`), time_to_10pct / time_to_50pct
    (NaN if never reached; NaN too when the fit is not identified, see `fit_problem`), peak_adoption_rate (people per unit of `time`, i.e. per day)
    and peak_time, bass_p / bass_q / bass_m / bass_r2 (`fit_bass` of adopted_total vs
    time; m in people), fan_share and detractor_share (of everyone who ever adopted,
    0 if nobody did), cost_per_adopter (final cumulative spend / adopters gained during
    the run, seeds excluded; NaN if none). With product generations (the frame has their
    columns, sim.model.record): lifetime_adoption (all purchases / population),
    repeat_buyers (share of everyone who ever adopted) and adoption_gen<g> (purchases of
    generation g / population). Rates use dt = time[1] - time[0] (1 with a single row).
    """
    missing = [c for c in REPLICATE_COLUMNS if c not in df_one_replicate.columns]
    if missing:
        raise ValueError(f"replicate frame lacks columns {missing}")
    if df_one_replicate.empty:
        raise ValueError("replicate frame is empty")
    if population <= 0:
        raise ValueError(f"population must be > 0, got {population!r}")

    df = df_one_replicate.sort_values("step")
    time = df["time"].to_numpy(dtype=float)
    adopted = df["adopted_total"].to_numpy(dtype=float)
    new = df["new_adopters"].to_numpy(dtype=float)
    dt = float(time[1] - time[0]) if time.size > 1 else 1.0

    final_adopted = adopted[-1]
    gained = final_adopted - adopted[0]
    peak, peak_time = peak_rate(time, new / dt)
    fit = fit_bass(time, adopted_total=adopted)
    if fit_problem(fit) is not None:  # a series that never took off: no numbers stuck at bounds
        fit = _nan_fit(fit.n_points)

    summary = {"final_adoption": float(final_adopted / population)}
    for name, level in MILESTONES.items():
        summary[name] = time_to_fraction(time, adopted / population, level)
    summary |= {
        "peak_adoption_rate": peak,
        "peak_time": peak_time,
        "bass_p": fit.p,
        "bass_q": fit.q,
        "bass_m": fit.m,
        "bass_r2": fit.r2,
        "fan_share": _share(df["fans"].iloc[-1], final_adopted),
        "detractor_share": _share(df["detractors"].iloc[-1], final_adopted),
        "cost_per_adopter": float(df["cost"].iloc[-1] / gained) if gained > 0 else float("nan"),
    }
    if "purchases_total" in df:  # a product line of several generations
        summary |= generation_metrics(df, population)
    # with two brands or more, and with money (a margin above 0)
    summary |= series.brand_share_metrics(df) | series.brand_owner_metrics(df, population)
    return summary | series.brand_npv_metrics(df)


def generation_metrics(df_one_replicate: pd.DataFrame, population: int, generations: int = 0) -> dict[str, float]:
    """lifetime_adoption, repeat_buyers and adoption_gen<g> of one replicate (sorted by step), for the
    generations it recorded or, if more, `generations` of them. A run without product generations
    sold one product: all purchases are first purchases (lifetime = final adoption, generation 1 only,
    no repeat buyers), so runs with and without them compare (attribution switches them off)."""
    last = df_one_replicate.iloc[-1]
    adopted = float(last["adopted_total"])
    purchases = [float(last[f"purchases_gen{g}"]) for g in range(1, MAX_GENERATIONS + 1) if f"purchases_gen{g}" in last]
    purchases = purchases or [adopted]
    purchases += [0.0] * max(0, generations - len(purchases))
    out = {
        "lifetime_adoption": float(last.get("purchases_total", adopted) / population),
        "repeat_buyers": _share(last.get("repeat_buyers", 0.0), adopted),
    }
    return out | {f"adoption_gen{g}": bought / population for g, bought in enumerate(purchases, start=1)}


def _share(part: float, whole: float) -> float:
    """part / whole, or 0 when whole is 0 (nobody to take a share of)."""
    return float(part / whole) if whole > 0 else 0.0


def _nan_quantiles(values: np.ndarray, qs: tuple[float, float]) -> list[float]:
    """NaN-ignoring quantiles; NaNs if every value is NaN."""
    finite = values[np.isfinite(values)]
    if finite.size == 0:
        return [float("nan")] * len(qs)
    return [float(v) for v in np.quantile(finite, qs)]


def summarize(df_all: pd.DataFrame, population: int) -> dict:
    """Summarise every replicate and aggregate across them, ready for JSON.

    Returns {"replicates": R, "mean": {metric: mean}, "ci90": {metric: [lo, hi]},
    "per_replicate": [summary, ...]}; means and the 5%/95% quantiles ignore NaNs and
    are None when a metric is NaN in every replicate.
    """
    per_replicate = []
    for replicate, df_one in df_all.groupby("replicate", sort=True):
        summary = summarize_replicate(df_one, population)
        per_replicate.append({"replicate": replicate, **summary})

    metrics = [k for k in per_replicate[0] if k != "replicate"] if per_replicate else []
    qs = ((1 - BAND_LEVEL) / 2, (1 + BAND_LEVEL) / 2)
    means, bands = {}, {}
    for metric in metrics:
        values = np.array([row[metric] for row in per_replicate], dtype=float)
        finite = values[np.isfinite(values)]
        means[metric] = float(finite.mean()) if finite.size else float("nan")
        bands[metric] = _nan_quantiles(values, qs)

    return to_jsonable(
        {
            "replicates": len(per_replicate),
            "mean": means,
            "ci90": bands,
            "per_replicate": per_replicate,
        }
    )


def to_jsonable(obj: Any) -> Any:
    """Recursively convert numpy scalars/arrays to Python types and NaN/inf to None."""
    if isinstance(obj, dict):
        return {str(k): to_jsonable(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple, np.ndarray)):
        return [to_jsonable(v) for v in obj]
    if isinstance(obj, (bool, np.bool_)):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        value = float(obj)
        return value if math.isfinite(value) else None
    return obj


# --- The metric registry --------------------------------------------------------------
#: A metric read off one replicate's series: (series in step order, population, day or None, window in days).
SeriesFunction = Callable[[pd.DataFrame, int, float | None, float], float]


@dataclass(frozen=True)
class Metric:
    """A metric of one replicate: its name (the key in summaries and tables), axis label, unit, what it
    is computed from, and how it is shown. Every module names, labels and computes metrics through
    `METRICS`, the one registry."""

    name: str
    label: str
    unit: str
    computed: str
    #: A fraction (of the population or of adopters), shown in percent.
    share: bool = False
    #: Smaller is better (a colour map is reversed for it, so "better" is always brighter).
    lower_is_better: bool = False
    #: Claims may compare it (the Bass coefficients describe a curve, not an outcome).
    comparable: bool = True
    #: Reported only by runs with product generations (sim.model.generations), which record its columns.
    generations_only: bool = False
    #: What it is read over: the whole run, the series on a day D, or windows ending on D and at the end.
    reads: Literal["run", "day", "window"] = "run"
    #: How it is computed from one replicate's series (`sim.run.series_metrics`); None: by
    #: `summarize_replicate`, with the other run summaries (they share one Bass fit).
    compute: SeriesFunction | None = None
    #: `wom optimize` may score plans by it (read on the plan's day D: `metrics_on_day`).
    objective: bool = False

    @property
    def summary(self) -> bool:
        """Whether `summarize_replicate` reports it (every run summary, charted and tabled by `wom run`)."""
        return self.compute is None

    @property
    def needs_day(self) -> bool:
        """Whether it is read at a day (a claim's expectation or a plan must then give one)."""
        return self.reads != "run"


METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric(
            "final_adoption",
            "Final adoption (% of population)",
            "share of population",
            "adopted_total at the last step / population",
            share=True,
        ),
        Metric(
            "time_to_10pct",
            "Days to 10% adoption",
            "days",
            "first time adopted_total reaches 10% of the population (linear interpolation)",
            lower_is_better=True,
        ),
        Metric(
            "time_to_50pct",
            "Days to 50% adoption",
            "days",
            "first time adopted_total reaches 50% of the population (linear interpolation)",
            lower_is_better=True,
        ),
        Metric(
            "peak_adoption_rate", "Peak adoption rate (people / day)", "people per day", "largest new_adopters / dt"
        ),
        Metric(
            "peak_time", "Day of peak adoption rate", "days", "time of the peak adoption rate", lower_is_better=True
        ),
        Metric("bass_p", "Bass p (per day)", "per day", "fit_bass of adopted_total: innovation", comparable=False),
        Metric("bass_q", "Bass q (per day)", "per day", "fit_bass of adopted_total: imitation", comparable=False),
        Metric("bass_m", "Bass m (people)", "people", "fit_bass of adopted_total: market size", comparable=False),
        Metric("bass_r2", "Bass fit R^2", "1", "R^2 of the fitted cumulative curve", comparable=False),
        Metric("fan_share", "Fans (% of adopters)", "share of adopters", "fans at the end / ever adopted", share=True),
        Metric(
            "detractor_share",
            "Detractors (% of adopters)",
            "share of adopters",
            "detractors at the end / ever adopted",
            share=True,
            lower_is_better=True,
        ),
        Metric(
            "cost_per_adopter",
            "Cost per adopter",
            "currency per person",
            "final cumulative spend / adopters gained during the run",
            lower_is_better=True,
        ),
        Metric(
            "lifetime_adoption",
            "Lifetime adoption (purchases per person)",
            "purchases per person",
            "purchases_total at the last step / population: first purchases and upgrades (product generations)",
            generations_only=True,
        ),
        Metric(
            "repeat_buyers",
            "Repeat buyers (% of adopters)",
            "share of adopters",
            "people who bought at least twice / ever adopted (product generations)",
            share=True,
            generations_only=True,
        ),
        *(
            Metric(
                f"adoption_gen{g}",
                f"Generation {g} adoption (purchases per person)",
                "purchases per person",
                f"purchases_gen{g} at the last step / population: newcomers and upgraders (product generations)",
                generations_only=True,
            )
            for g in range(1, MAX_GENERATIONS + 1)
        ),
        # read off the series (sim.run.series_metrics)
        Metric(
            "fans_end",
            "Fans at the end (% of population)",
            "share of population",
            "fans at the last step / N",
            share=True,
            compute=series.fans_end,
        ),
        Metric(
            "detractors_end",
            "Detractors at the end (% of population)",
            "share of population",
            "detractors at the last step / N",
            share=True,
            lower_is_better=True,
            compute=series.detractors_end,
        ),
        Metric(
            "talk_days_per_adopter",
            "Talk-days per adopter",
            "days",
            "sum over steps of talking x dt / ever adopted",
            compute=series.talk_days_per_adopter,
        ),
        *(
            Metric(
                name,
                f"Days to {level:.0%} adoption",
                "days",
                f"first time adopted_total reaches {level:.0%} of the population (linear interpolation)",
                lower_is_better=True,
                compute=series.days_to_adoption(level),
            )
            for name, level in SERIES_MILESTONES.items()
        ),
        Metric("npv", "Net present value", "currency", "npv at the last step (money)", compute=series.npv_final),
        Metric(
            "fan_retention",
            "Fans at the end / on day D",
            "ratio",
            "fans at the last step / fans on day D",
            reads="day",
            compute=series.fan_retention,
        ),
        Metric(
            "participation_retention",
            "Participations per day kept after day D",
            "ratio",
            "participations per day over the last W days / over the W days before day D",
            reads="window",
            compute=series.participation_retention,
        ),
        # objectives of `wom optimize`, read on a plan's day D
        Metric(
            "adopted_by_day",
            "Adopted by day D (% of population)",
            "share of population",
            "adopted_total / N",
            share=True,
            reads="day",
            compute=series.adopted_by_day,
            objective=True,
        ),
        Metric(
            "fans_by_day",
            "Fans on day D (% of population)",
            "share of population",
            "fans / N",
            share=True,
            reads="day",
            compute=series.fans_by_day,
            objective=True,
        ),
        Metric(
            "spend_by_day",
            "Spend by day D",
            "currency",
            "cost (cumulative spend on paid actions) on day D",
            lower_is_better=True,
            reads="day",
            compute=series.spend_by_day,
            objective=True,
        ),
        Metric(
            "cost_per_adopter_by_day",
            "Cost per adopter by day D",
            "currency per person",
            "spend by day D / adopters gained by day D (seeds excluded)",
            lower_is_better=True,
            reads="day",
            compute=series.cost_per_adopter_by_day,
            objective=True,
        ),
        Metric(
            "npv_by_day",
            "Net present value by day D",
            "currency",
            "discounted margins minus discounted spend by day D (sim.model.money; NaN without a margin)",
            reads="day",
            compute=series.npv_by_day,
            objective=True,
        ),
    )
}
#: The metrics `wom optimize` scores plans by, in table order.
OBJECTIVES = tuple(name for name, m in METRICS.items() if m.objective)


def metrics_on_day(
    df_one_replicate: pd.DataFrame, population: int, day: float, brands: tuple[str, ...] = ()
) -> dict[str, float]:
    """The `OBJECTIVES` of one replicate on `day` (the last recorded step with time <= day), then the per-brand
    objectives `brands` names (`share_by_day_a`, ...); cost per adopter is NaN when nobody was gained."""
    from sim.run.brand_metrics import brand_metric  # it builds on this registry's Metric

    ts = df_one_replicate.sort_values("step")
    metrics = [METRICS[name] for name in OBJECTIVES] + [brand_metric(name) for name in brands]
    return {m.name: m.compute(ts, population, day, 0.0) for m in metrics}


#: Per-step columns of a run's time series (sim.model records them) that charts draw, with their
#: labels; counts of people unless the unit says otherwise.
SERIES_LABELS: dict[str, str] = {
    "unaware": "Unaware",
    "aware": "Aware",
    "adopters": "Adopters, fans excluded",
    "fans": "Fans",
    "detractors": "Detractors",
    "rejecters": "Rejecters",
    "adopted_total": "Ever adopted",
    "new_adopters": "New adopters per step",
    "participations": "Cumulative participations per person",
    "talking": "Expected talkers",
    "purchases_total": "Purchases (first and upgrades)",
    "repeat_buyers": "Repeat buyers",
}


def metric_label(name: str) -> str:
    """Axis or table label of a metric (its name in words when it is not registered)."""
    if name in METRICS:
        return METRICS[name].label
    from sim.run.brand_metrics import brand_metric  # imported on use: it imports this module's `Metric`

    brand = brand_metric(name)
    return brand.label if brand else name.replace("_", " ")

"""Metrics read off one replicate's time series at a day, over windows, or at its end.

Each is a pure function of the same form, `(ts, population, day, window) -> float`: `ts` is one
replicate's recorded series (columns of `sim.model.record`, rows in step order), `population` the
number of people, `day` the day it is read at (None for those read at the end of the run) and
`window` a length in days (only `participation_retention` uses it). They are registered, with their
labels and units, in the one metric registry (`sim.run.metrics.METRICS`), which is what callers use:
claims compare them (`sim.research.claim_metrics`) and `wom optimize` scores plans by those marked as
objectives (`sim.run.metrics.metrics_on_day`).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike

#: Slack when matching a day to the step grid (days): float steps such as 0.05 do not land exactly.
DAY_SLACK = 1e-6


def row_on_day(ts: pd.DataFrame, day: float) -> pd.Series:
    """The last record on or before `day` (within DAY_SLACK); the first record if none."""
    before = ts[ts["time"] <= day + DAY_SLACK]
    return before.iloc[-1] if len(before) else ts.iloc[0]


def _value_at(ts: pd.DataFrame, column: str, day: float) -> float:
    return float(row_on_day(ts, day)[column])


def peak_rate(time: ArrayLike, new_per_time: ArrayLike) -> tuple[float, float]:
    """(peak value, time of the peak) of a rate series; the first peak wins ties.

    NaN values are ignored; (NaN, NaN) if there is no finite value.
    """
    t = np.asarray(time, dtype=float)
    rate = np.asarray(new_per_time, dtype=float)
    finite = np.isfinite(rate)
    if not finite.any():
        return float("nan"), float("nan")
    i = int(np.argmax(np.where(finite, rate, -np.inf)))
    return float(rate[i]), float(t[i])


def time_to_fraction(time: ArrayLike, fraction_series: ArrayLike, level: float) -> float:
    """First time the series reaches `level`, interpolating linearly between samples.

    Returns NaN if the series never reaches the level; if it already does at the first
    sample, that sample's time.
    """
    t = np.asarray(time, dtype=float)
    y = np.asarray(fraction_series, dtype=float)
    reached = np.flatnonzero(y >= level)
    if reached.size == 0:
        return float("nan")
    i = int(reached[0])
    if i == 0:
        return float(t[0])
    # Between samples i-1 (below the level) and i (at or above it).
    share = (level - y[i - 1]) / (y[i] - y[i - 1])
    return float(t[i - 1] + share * (t[i] - t[i - 1]))


# --- read at the end of the run --------------------------------------------------------------------
def days_to_adoption(level: float) -> Callable[[pd.DataFrame, int, float | None, float], float]:
    """The metric "first day `level` of the population had adopted" (seeds included; linear
    interpolation between steps; NaN if never reached within the run), of the common form."""

    def days_to_level(ts: pd.DataFrame, population: int, day: float | None, window: float) -> float:
        return time_to_fraction(ts["time"], ts["adopted_total"].to_numpy(dtype=float) / population, level)

    days_to_level.__doc__ = f"First day {level:.0%} of the population had adopted (NaN if never)."
    return days_to_level


def fans_end(ts: pd.DataFrame, population: int, day: float | None, window: float) -> float:
    """Fans at the end of the run, as a fraction of the population (fans retained)."""
    return float(ts["fans"].iloc[-1]) / population


def detractors_end(ts: pd.DataFrame, population: int, day: float | None, window: float) -> float:
    """Detractors at the end of the run, as a fraction of the population."""
    return float(ts["detractors"].iloc[-1]) / population


def talk_days_per_adopter(ts: pd.DataFrame, population: int, day: float | None, window: float) -> float:
    """Expected talk-days per adopter: the sum over steps of `talking` (the expected number of talkers)
    times dt, divided by everyone who ever adopted. Longer talk windows and renewed talk raise it."""
    time = ts["time"].to_numpy(dtype=float)
    dt = float(time[1] - time[0]) if len(time) > 1 else 1.0
    adopted = float(ts["adopted_total"].iloc[-1])
    talk = float(ts["talking"].iloc[:-1].sum()) * dt  # the last record's talkers belong to a step not run
    return talk / adopted if adopted > 0 else float("nan")


# --- read on a day -----------------------------------------------------------------------------------
def adopted_by_day(ts: pd.DataFrame, population: int, day: float | None, window: float) -> float:
    """Fraction of the population that had adopted by `day` (seeds included)."""
    return _value_at(ts, "adopted_total", day) / population


def fans_by_day(ts: pd.DataFrame, population: int, day: float | None, window: float) -> float:
    """Fans on `day`, as a fraction of the population."""
    return _value_at(ts, "fans", day) / population


def spend_by_day(ts: pd.DataFrame, population: int, day: float | None, window: float) -> float:
    """Cumulative spend on paid actions on `day` (currency)."""
    return _value_at(ts, "cost", day)


def cost_per_adopter_by_day(ts: pd.DataFrame, population: int, day: float | None, window: float) -> float:
    """Spend by `day` over the adopters gained by then (seeds excluded); NaN when nobody was gained."""
    row = row_on_day(ts, day)
    gained = float(row["adopted_total"] - ts["adopted_total"].iloc[0])
    return float(row["cost"]) / gained if gained > 0 else float("nan")


def fan_retention(ts: pd.DataFrame, population: int, day: float | None, window: float) -> float:
    """Fans at the end divided by fans on `day`; NaN if there were none on `day`."""
    on_day = _value_at(ts, "fans", day)
    return float(ts["fans"].iloc[-1]) / on_day if on_day > 0 else float("nan")


# --- read over windows ---------------------------------------------------------------------------------
def participation_retention(ts: pd.DataFrame, population: int, day: float | None, window: float) -> float:
    """Engagement kept: participations per day over the last `window` days of the run divided by
    participations per day over the `window` days before `day` (e.g. the day the brand steps back).
    1 = engagement persists at its level, 0 = it died out; NaN if nobody took part before `day`."""
    end = float(ts["time"].iloc[-1])
    before = _value_at(ts, "participations", day) - _value_at(ts, "participations", day - window)
    after = _value_at(ts, "participations", end) - _value_at(ts, "participations", end - window)
    return after / before if before > 0 else float("nan")


def out_of_money_day(ts: pd.DataFrame) -> float:
    """First day (end of the step) a paid action was refused for want of money; NaN if never or if the
    run had no budget (no `out_of_money` column)."""
    if "out_of_money" not in ts.columns:
        return float("nan")
    refused = ts[ts["out_of_money"] > 0]
    return float(refused["time"].min()) if len(refused) else float("nan")


# --- money (sim.model.money) ------------------------------------------------------------------------

#: The column of the market's net present value (recorded only when a brand's margin is above 0), and the
#: prefix of a brand's (with two brands or more).
NPV_COLUMN = "npv"


def npv_final(ts: pd.DataFrame, population: int, day: float | None, window: float) -> float:
    """Net present value at the end of the run (currency: discounted margins minus discounted spend); NaN
    for a run without money (no margin)."""
    return float(ts[NPV_COLUMN].iloc[-1]) if NPV_COLUMN in ts else float("nan")


def npv_by_day(ts: pd.DataFrame, population: int, day: float | None, window: float) -> float:
    """Net present value by `day` (currency, discounted to day 0); NaN for a run without money."""
    return _value_at(ts, NPV_COLUMN, day) if NPV_COLUMN in ts else float("nan")


def brand_npv_metrics(df_one_replicate: pd.DataFrame) -> dict[str, float]:
    """`npv` and, with two brands or more, `npv_<brand>` at the end of one replicate (sorted by step); none
    for a run without money."""
    if NPV_COLUMN not in df_one_replicate:
        return {}
    last = df_one_replicate.iloc[-1]
    brands = {f"{NPV_COLUMN}_{b}": float(last[f"{NPV_COLUMN}_{b}"]) for b in brand_names(df_one_replicate.columns)}
    return {NPV_COLUMN: float(last[NPV_COLUMN])} | brands


# --- a market of brands (sim.model.brands) ----------------------------------------------------------

#: The prefix of a brand's current-owners column (recorded with two brands or more, sim.model.brands).
OWNERS_PREFIX = "owners_"


def brand_names(columns) -> list[str]:
    """The brands whose `owners_<brand>` columns a time series has, in column order (none for one brand;
    the product line's `owners_gen<g>` are not brands)."""
    return [c[len(OWNERS_PREFIX) :] for c in columns if c.startswith(OWNERS_PREFIX) and not c.startswith("owners_gen")]


def brand_shares(df_one_replicate: pd.DataFrame) -> pd.DataFrame:
    """Each brand's market share at every step (sorted by step): its current owners / every brand's current
    owners (0 while nobody owns any), one column per brand."""
    names = brand_names(df_one_replicate.columns)
    owners = df_one_replicate.sort_values("step")[[OWNERS_PREFIX + b for b in names]].to_numpy(dtype=float)
    total = owners.sum(axis=1, keepdims=True)
    shares = np.divide(owners, total, out=np.zeros_like(owners), where=total > 0)
    return pd.DataFrame(shares, columns=names)


def brand_share_metrics(df_one_replicate: pd.DataFrame) -> dict[str, float]:
    """`share_final_<brand>` then `share_peak_<brand>` of one replicate, for each brand (`BRAND_METRICS` of
    sim.run.brand_metrics); none for one brand."""
    shares = brand_shares(df_one_replicate)
    final = {f"share_final_{b}": float(shares[b].iloc[-1]) for b in shares.columns}
    return final | {f"share_peak_{b}": float(shares[b].max()) for b in shares.columns}


def brand_owner_metrics(df_one_replicate: pd.DataFrame, population: int) -> dict[str, float]:
    """`owners_final_<brand>` of one replicate, for each brand: its current owners at the last step as a fraction
    of the population (`BRAND_METRICS` of sim.run.brand_metrics); none for one brand."""
    last = df_one_replicate.sort_values("step").iloc[-1]
    return {f"owners_final_{b}": float(last[OWNERS_PREFIX + b]) / population for b in brand_names(last.index)}


def share_by_day(ts: pd.DataFrame, population: int, day: float | None, window: float, brand: str = "") -> float:
    """`brand`'s market share on `day`: its current owners / every brand's current owners (0 if nobody owns any)."""
    row = row_on_day(ts, day)
    total = sum(float(row[OWNERS_PREFIX + b]) for b in brand_names(row.index))
    return float(row[OWNERS_PREFIX + brand]) / total if total > 0 else 0.0


# --- one brand of a market of brands: `<template>_<brand>` in the registry (sim.run.brand_metrics.BRAND_METRICS) ---
#: Penetration at which a brand has taken off (`days_to_5pct_owners`): its owners reach 5% of the population.
TAKEOFF_LEVEL = 0.05


def brand_owners(ts: pd.DataFrame, brand: str) -> pd.Series:
    """Current owners of `brand` at every record (its `owners_<brand>` column); a clear error if the run has no
    such brand."""
    column = OWNERS_PREFIX + brand
    if column not in ts.columns:
        raise KeyError(f"brand {brand!r} is not a brand of this run (brands: {', '.join(brand_names(ts.columns))})")
    return ts[column]


def owners_final(ts: pd.DataFrame, population: int, day: float | None, window: float, brand: str) -> float:
    """Owners of `brand` at the end of the run, as a fraction of the population (its penetration)."""
    return float(brand_owners(ts, brand).iloc[-1]) / population


def owners_by_day(ts: pd.DataFrame, population: int, day: float | None, window: float, brand: str) -> float:
    """Owners of `brand` on `day`, as a fraction of the population."""
    brand_owners(ts, brand)  # the brand is one of the run's
    return _value_at(ts, OWNERS_PREFIX + brand, day) / population


def owners_gain(ts: pd.DataFrame, population: int, day: float | None, window: float, brand: str) -> float:
    """Owners of `brand` gained from `day` to the end of the run (net of those lost), as a fraction of the
    population; with a contrast of brands (a - b) it is how much a's lead over b grew after `day`."""
    return owners_final(ts, population, None, window, brand) - owners_by_day(ts, population, day, window, brand)


def days_to_takeoff(ts: pd.DataFrame, population: int, day: float | None, window: float, brand: str) -> float:
    """Days from the first record in which `brand` has owners (its entry, when it has seed users) to the first
    day its owners reach TAKEOFF_LEVEL of the population (linear interpolation); NaN if it never has owners
    or never reaches the level within the run."""
    owners = brand_owners(ts, brand).to_numpy(dtype=float)
    time = ts["time"].to_numpy(dtype=float)
    present = np.flatnonzero(owners > 0)
    if present.size == 0:
        return float("nan")
    start = int(present[0])
    reached = time_to_fraction(time[start:], owners[start:] / population, TAKEOFF_LEVEL)
    return reached - float(time[start])

"""Summary metrics of simulated adoption series: Bass fits, milestones, peaks and bands.

The simulator records, per replicate and per step, how many people have adopted. This
module turns those series into the numbers reported in results and charts: fitted Bass
coefficients (p, q, m), the time to reach 10% / 50% of the population, the peak adoption
rate, fan / detractor shares, cost per adopter, and across-replicate means and bands.
All results are JSON-serialisable through `to_jsonable`.
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from itertools import product
from typing import Any

import numpy as np
import pandas as pd
from numpy.typing import ArrayLike
from scipy.optimize import OptimizeWarning, curve_fit

from sim.model.theory import bass_cdf

# --- Bass fit settings -------------------------------------------------------------
#: Bounds of the innovation coefficient p (per unit time); p must stay > 0 for F(t).
P_BOUNDS = (1e-6, 1.0)
#: Bounds of the imitation coefficient q (per unit time).
Q_BOUNDS = (0.0, 5.0)
#: The market size m is searched between these multiples of the largest observed value:
#: a series may stop before saturating (m above the data) but m cannot be far below it.
M_LOWER_FACTOR = 0.5
M_UPPER_FACTOR = 20.0
#: Start values tried for p and q; the fit with the smallest squared error is kept,
#: which protects against local minima of the nonlinear least squares.
P_STARTS = (0.001, 0.01, 0.05)
Q_STARTS = (0.05, 0.3, 1.0)
#: Start value of m as a multiple of the largest observed value.
M_START_FACTOR = 1.1
#: Relative distance to a search bound within which a fitted p or q counts as stuck on it (for the
#: bound q = 0, an absolute distance of BOUND_RTOL * BOUND_ATOL).
BOUND_RTOL = 1e-3
BOUND_ATOL = 1e-9
#: Three parameters are fitted, so at least one more point is needed for a residual
#: variance (and hence standard errors).
MIN_FIT_POINTS = 4

# --- Replicate summaries -----------------------------------------------------------
#: Coverage of the across-replicate bands and intervals (5% and 95% quantiles).
BAND_LEVEL = 0.90
#: Milestones reported by `summarize_replicate`, as fractions of the population.
MILESTONES = {"time_to_10pct": 0.10, "time_to_50pct": 0.50}
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


@dataclass
class BassFit:
    """Fitted Bass parameters with standard errors, goodness of fit and sample size.

    p, q are per unit of the time axis; m is in the units of the series (people, or a
    fraction of the population) and includes any adopters present at t = 0. All fields
    are NaN when the series cannot be fitted (too short or flat).
    """

    p: float
    q: float
    m: float
    p_se: float
    q_se: float
    m_se: float
    r2: float
    n_points: int

    def as_dict(self) -> dict:
        """The fit as a plain dict (NaN kept as float NaN; see `to_jsonable` for JSON)."""
        return asdict(self)


def bound_reason(fit: BassFit) -> str | None:
    """Why a finished fit does not identify p and q: one of them sits on its search bound (the data
    do not pin it down, e.g. a series that never took off), else None. Bounds are P_BOUNDS, Q_BOUNDS."""
    for name, value, (low, high) in (("p", fit.p, P_BOUNDS), ("q", fit.q, Q_BOUNDS)):
        if any(abs(value - bound) <= BOUND_RTOL * max(abs(bound), BOUND_ATOL) for bound in (low, high)):
            return f"{name} = {value:.3g} is on its search bound [{low:g}, {high:g}]: not identified by the data"
    return None


def fit_problem(fit: BassFit) -> str | None:
    """Why a Bass fit is not a usable estimate (None if it is): no fit, R^2 < 0, or p/q on a bound."""
    if not np.isfinite(fit.p):
        return "no fit (series too short or flat)"
    if fit.r2 < 0:
        return f"R^2 = {fit.r2:.3g} < 0: the Bass curve fits worse than a constant; not a Bass fit"
    return bound_reason(fit)


def _nan_fit(n_points: int) -> BassFit:
    """The result returned when a series cannot be fitted."""
    nan = float("nan")
    return BassFit(nan, nan, nan, nan, nan, nan, nan, n_points)


def _cumulative_series(
    time: ArrayLike, adopted_total: ArrayLike | None, new_adopters: ArrayLike | None
) -> tuple[np.ndarray, np.ndarray]:
    """Return (time, cumulative) as float arrays with non-finite pairs dropped.

    If only `new_adopters` is given, each value counts adopters during the period ending
    at the matching time, so the cumulative series is its running sum.
    """
    if (adopted_total is None) == (new_adopters is None):
        raise ValueError("give exactly one of adopted_total or new_adopters")
    t = np.asarray(time, dtype=float)
    if adopted_total is not None:
        y = np.asarray(adopted_total, dtype=float)
    else:
        y = np.cumsum(np.asarray(new_adopters, dtype=float))
    if t.shape != y.shape:
        raise ValueError(f"time and series lengths differ: {t.shape} vs {y.shape}")
    keep = np.isfinite(t) & np.isfinite(y)
    return t[keep], y[keep]


def fit_bass(
    time: ArrayLike,
    adopted_total: ArrayLike | None = None,
    new_adopters: ArrayLike | None = None,
    *,
    target: str = "cumulative",
) -> BassFit:
    """Fit the Bass curve to an adoption series by nonlinear least squares.

    The model is y(t) = y0 + (m - y0) F(t; p, q), with F the Bass CDF (F(0) = 0) and the
    clock starting at t = 0. y0, the adopters already present at t = 0 (seeds), is fixed
    from the data: the value at t = 0 when the series has one, otherwise 0. So m is the
    total market *including* the seeds, and the Bass dynamics describe how the rest of
    the market (m - y0) adopts; the sources' own word of mouth is absorbed into p.
    Give either `adopted_total` (cumulative) or `new_adopters` (per period, `time` being
    the period end; it is cumulated).

    `target` chooses what is fitted:

    * "cumulative" (default): the curve y(t) to the cumulative series.
    * "increments": the per-period gains (m - y0)(F(t_i) - F(t_{i-1})) to the series'
      increments (Srinivasan & Mason, 1986).

    Both give similar estimates, but cumulative residuals are strongly autocorrelated
    (each count carries all earlier noise), so the "cumulative" standard errors are far
    too small; use "increments" when the standard errors matter. Standard errors are
    sqrt(diag(covariance)), scaled by the residual variance. r2 is always that of the
    fitted cumulative curve against the cumulative series. Several (p, q) starts are
    tried and the smallest squared error kept. Fewer than MIN_FIT_POINTS fitted points,
    a flat series or a failed fit give a BassFit of NaNs instead of an exception.
    """
    t, y = _cumulative_series(time, adopted_total, new_adopters)
    if t.size and t.min() < 0:
        raise ValueError("times must be >= 0: the Bass clock starts at t = 0")
    order = np.argsort(t, kind="stable")
    t, y = t[order], y[order]

    # The series anchored at t = 0; without a sample there, nobody had adopted yet.
    if t.size and t[0] == 0:
        t_from0, y_from0 = t, y
    else:
        t_from0, y_from0 = np.concatenate(([0.0], t)), np.concatenate(([0.0], y))
    y0 = float(y_from0[0])

    def cumulative_model(t_: np.ndarray, p: float, q: float, m: float) -> np.ndarray:
        return y0 + (m - y0) * bass_cdf(t_, p, q)

    if target == "cumulative":
        x_obs, y_obs = t, y
        model = cumulative_model
    elif target == "increments":
        x_obs, y_obs = t_from0[1:], np.diff(y_from0)

        def model(_: np.ndarray, p: float, q: float, m: float) -> np.ndarray:
            return np.diff(cumulative_model(t_from0, p, q, m))
    else:
        raise ValueError(f"target must be 'cumulative' or 'increments', got {target!r}")

    n_points = int(x_obs.size)
    if n_points < MIN_FIT_POINTS or np.ptp(y) <= 0 or np.ptp(t_from0) <= 0:
        return _nan_fit(n_points)

    # m may not fall below the seeds already counted at t = 0.
    y_max = float(np.max(y))
    m_bounds = (max(M_LOWER_FACTOR * y_max, y0), M_UPPER_FACTOR * y_max)
    lower = (P_BOUNDS[0], Q_BOUNDS[0], m_bounds[0])
    upper = (P_BOUNDS[1], Q_BOUNDS[1], m_bounds[1])
    m_start = float(np.clip(M_START_FACTOR * y_max, *m_bounds))

    best_params, best_cov, best_sse = None, None, math.inf
    for p_start, q_start in product(P_STARTS, Q_STARTS):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", OptimizeWarning)
                params, cov = curve_fit(
                    model,
                    x_obs,
                    y_obs,
                    p0=(p_start, q_start, m_start),
                    bounds=(lower, upper),
                    x_scale="jac",
                )
        except (RuntimeError, ValueError):
            continue
        sse = float(np.sum((y_obs - model(x_obs, *params)) ** 2))
        if sse < best_sse:
            best_params, best_cov, best_sse = params, cov, sse
    if best_params is None:
        return _nan_fit(n_points)

    se = np.sqrt(np.abs(np.diag(best_cov)))
    cumulative_sse = float(np.sum((y - cumulative_model(t, *best_params)) ** 2))
    sst = float(np.sum((y - np.mean(y)) ** 2))
    p, q, m = (float(v) for v in best_params)
    return BassFit(
        p=p,
        q=q,
        m=m,
        p_se=float(se[0]),
        q_se=float(se[1]),
        m_se=float(se[2]),
        r2=1.0 - cumulative_sse / sst,
        n_points=n_points,
    )


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
    the run, seeds excluded; NaN if none). Rates use dt = time[1] - time[0] (1 with a
    single row).
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
    return summary


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
@dataclass(frozen=True)
class Metric:
    """A metric of one replicate: its name (the key in summaries and tables), axis label, unit, what it
    is computed from, and how it is shown. Every module names and labels metrics through `METRICS`."""

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
    )
}

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
}


def metric_label(name: str) -> str:
    """Axis or table label of a metric (its name in words when it is not registered)."""
    return METRICS[name].label if name in METRICS else name.replace("_", " ")

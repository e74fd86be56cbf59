"""Fitting the Bass curve, and its successive-generations form (Norton and Bass 1987), to adoption series.

`fit_bass` fits one cumulative series; `fit_norton_bass` fits the per-generation series of a product
line with common p, q and one market size per generation. Both report parameters the data do not
identify (on a search bound, R^2 < 0, too few points) instead of passing them off as estimates.
`sim.run.metrics` re-exports everything here (it was one module; the split keeps modules short).
"""

from __future__ import annotations

import math
import warnings
from dataclasses import asdict, dataclass
from itertools import product

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import OptimizeWarning, curve_fit

from sim.model.theory import bass_cdf, norton_bass

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
#: The same grid again in units of the series' span T (the last observed time): p T and q T. Rates are per
#: unit of the caller's time axis, so the grid above suits an axis whose unit is a sizeable part of the
#: span (years of a decade's sales); on a day axis the diffusion it starts from is over before the second
#: observation, the model's gradient there is nearly 0 and the least squares stop where they started
#: (seen on Xiaomi's shipments: p = 0.001, q = 0.05 a day returned with R^2 = 0.13). Both grids are tried and
#: the smallest squared error kept, so a fit no longer depends on the unit of its time axis.
P_STARTS_PER_SPAN = (0.01, 0.1, 0.5)
Q_STARTS_PER_SPAN = (0.5, 3.0, 10.0)
#: Start value of m as a multiple of the largest observed value.
M_START_FACTOR = 1.1
#: Relative distance to a search bound within which a fitted p or q counts as stuck on it (for the
#: bound q = 0, an absolute distance of BOUND_RTOL * BOUND_ATOL).
BOUND_RTOL = 1e-3
BOUND_ATOL = 1e-9
#: Three parameters are fitted, so at least one more point is needed for a residual
#: variance (and hence standard errors).
MIN_FIT_POINTS = 4


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


def _starts(span: float) -> list[tuple[float, float]]:
    """The (p, q) starting points of a fit whose series spans `span` time units: the grid per unit time,
    then the grid per span (`P_STARTS_PER_SPAN`) where it differs, each clipped into the search bounds."""
    grid = list(product(P_STARTS, Q_STARTS))
    per_span = product((v / span for v in P_STARTS_PER_SPAN), (v / span for v in Q_STARTS_PER_SPAN))
    for p, q in per_span:
        start = (float(np.clip(p, *P_BOUNDS)), float(np.clip(q, *Q_BOUNDS)))
        if start not in grid:
            grid.append(start)
    return grid


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
    tried, per unit time and per span of the series (`_starts`), and the smallest squared error kept, so
    the fit does not depend on the unit of the time axis (days or years give p and q in proportion).
    Fewer than MIN_FIT_POINTS fitted points, a flat series or a failed fit give a BassFit of NaNs instead
    of an exception.
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
    for p_start, q_start in _starts(float(t_from0[-1])):
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


@dataclass
class NortonBassFit:
    """Fitted Norton-Bass parameters of a product line: common p, q (per unit of the time axis) and one new
    market size per generation (units of the series), with standard errors, R^2 over every generation's
    series and the number of points fitted. NaN fields when the series cannot be fitted."""

    p: float
    q: float
    m: tuple[float, ...]
    p_se: float
    q_se: float
    m_se: tuple[float, ...]
    r2: float
    n_points: int

    def as_dict(self) -> dict:
        """The fit as a plain dict (NaN kept as float NaN; see `sim.run.metrics.to_jsonable` for JSON)."""
        return asdict(self)


def norton_bass_problem(fit: NortonBassFit) -> str | None:
    """Why a Norton-Bass fit is not a usable estimate (None if it is): no fit, R^2 < 0, or p/q on a bound
    (a new market m_g at 0 is a legitimate answer: the generation drew nobody new)."""
    if not np.isfinite(fit.p):
        return "no fit (series too short or flat)"
    return fit_problem(BassFit(fit.p, fit.q, math.nan, fit.p_se, fit.q_se, math.nan, fit.r2, fit.n_points))


def fit_norton_bass(time: ArrayLike, units: ArrayLike, launch_days: ArrayLike) -> NortonBassFit:
    """Fit Norton and Bass's successive-generations model to the units in use of each generation.

    `units` has one row per generation (g = 1..G) and one column per time: the people owning generation
    g at that time (the `owners_gen<g>` columns); `launch_days` are the launches of generations 2..G on
    the same clock (generation 1 starts at t = 0). Fitted by nonlinear least squares over every row at
    once: S = `sim.model.theory.norton_bass(t, p, q, m, launch_days)` with common p, q within P_BOUNDS,
    Q_BOUNDS and each m_g between 0 and M_UPPER_FACTOR times the largest total in use; the (p, q) starts
    of `fit_bass` are tried and the smallest squared error kept. No more points than parameters, a flat
    series or a failed fit give NaNs. Check `norton_bass_problem` before using the numbers.
    """
    t = np.asarray(time, dtype=float)
    y = np.atleast_2d(np.asarray(units, dtype=float))
    launch_days = np.asarray(launch_days, dtype=float)
    n_gen = y.shape[0]
    if y.shape[1] != t.size or len(launch_days) != n_gen - 1:
        raise ValueError(f"units must be (generations, times) = ({len(launch_days) + 1}, {t.size}), got {y.shape}")
    keep = np.isfinite(t) & np.isfinite(y).all(axis=0) & (t >= 0)
    t, y = t[keep], y[:, keep]
    n_points = int(y.size)
    nan = float("nan")
    failed = NortonBassFit(nan, nan, (nan,) * n_gen, nan, nan, (nan,) * n_gen, nan, n_points)
    total_max = float(y.sum(axis=0).max()) if y.size else 0.0
    if n_points < 2 + n_gen + 1 or total_max <= 0 or np.ptp(t) <= 0:
        return failed

    def model(_: np.ndarray, p: float, q: float, *m: float) -> np.ndarray:
        return norton_bass(t, p, q, np.array(m), launch_days).ravel()

    m_upper = M_UPPER_FACTOR * total_max
    lower = (P_BOUNDS[0], Q_BOUNDS[0], *(0.0,) * n_gen)
    upper = (P_BOUNDS[1], Q_BOUNDS[1], *(m_upper,) * n_gen)
    m_start = [M_START_FACTOR * float(y[0].max())] + [
        max(float(y[g].max()) - float(y[g - 1].max()), 0.0) + 1e-3 * total_max for g in range(1, n_gen)
    ]
    best, best_sse = None, math.inf
    for p_start, q_start in product(P_STARTS, Q_STARTS):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", OptimizeWarning)
                params, cov = curve_fit(
                    model,
                    t,
                    y.ravel(),
                    p0=(p_start, q_start, *np.clip(m_start, 0, m_upper)),
                    bounds=(lower, upper),
                    x_scale="jac",
                )
        except (RuntimeError, ValueError):
            continue
        sse = float(np.sum((y.ravel() - model(t, *params)) ** 2))
        if sse < best_sse:
            best, best_sse = (params, cov), sse
    if best is None:
        return failed
    params, cov = best
    se = np.sqrt(np.abs(np.diag(cov)))
    sst = float(np.sum((y - y.mean(axis=1, keepdims=True)) ** 2))
    return NortonBassFit(
        p=float(params[0]),
        q=float(params[1]),
        m=tuple(float(v) for v in params[2:]),
        p_se=float(se[0]),
        q_se=float(se[1]),
        m_se=tuple(float(v) for v in se[2:]),
        r2=1.0 - best_sse / sst if sst > 0 else nan,
        n_points=n_points,
    )

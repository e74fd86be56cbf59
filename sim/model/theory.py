"""Closed-form results from the diffusion literature that the simulator must reduce to.

Two reference models are used to validate the agent-based simulator:

* the Bass (1969) diffusion model, whose adopted fraction F(t) solves
  dF/dt = (p + q F)(1 - F) with F(0) = 0 (p = innovation / external influence,
  q = imitation / word of mouth, both per unit time);
* the independent-cascade model on an Erdos-Renyi graph, whose final size when
  the cascade takes off equals the giant component of bond percolation.

Every function here is pure and vectorised over numpy arrays where that makes sense.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike
from scipy.optimize import brentq

#: The percolation (epidemic) threshold: a cascade takes off only when the mean
#: number of neighbours it reaches, k * T, exceeds this value.
CRITICAL_BRANCHING = 1.0


def _check_bass_params(p: float, q: float) -> None:
    """Reject parameter values for which the Bass closed form is undefined."""
    if not p > 0:
        raise ValueError(f"Bass innovation coefficient p must be > 0, got {p!r}")
    if not q >= 0:
        raise ValueError(f"Bass imitation coefficient q must be >= 0, got {q!r}")


def bass_cdf(t: ArrayLike, p: float, q: float) -> np.ndarray:
    """Fraction of the market that has adopted by time t under the Bass model.

    F(t) = (1 - e^{-(p+q)t}) / (1 + (q/p) e^{-(p+q)t}), the solution of
    dF/dt = (p + qF)(1 - F) starting from F(0) = 0.
    """
    _check_bass_params(p, q)
    decay = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return (1.0 - decay) / (1.0 + (q / p) * decay)


def bass_pdf(t: ArrayLike, p: float, q: float) -> np.ndarray:
    """Adoption rate dF/dt of the Bass model (fraction of the market per unit time).

    f(t) = ((p+q)^2 / p) e^{-(p+q)t} / (1 + (q/p) e^{-(p+q)t})^2, the derivative of
    `bass_cdf`; it equals (p + qF)(1 - F).
    """
    _check_bass_params(p, q)
    decay = np.exp(-(p + q) * np.asarray(t, dtype=float))
    return ((p + q) ** 2 / p) * decay / (1.0 + (q / p) * decay) ** 2


def _bass_recursion(n_steps: int, p: float, q: float, step: float, f0: float) -> np.ndarray:
    """Iterate F <- F + (p + qF)(1 - F) * step, returning F at steps 0..n_steps."""
    if n_steps < 0:
        raise ValueError(f"n_steps must be >= 0, got {n_steps!r}")
    f = np.empty(n_steps + 1)
    f[0] = f0
    for n in range(n_steps):
        f[n + 1] = f[n] + (p + q * f[n]) * (1.0 - f[n]) * step
    return f


def bass_discrete(n_steps: int, p: float, q: float, f0: float = 0.0) -> np.ndarray:
    """Bass's original discrete-time model: F(n+1) = F(n) + (p + q F(n))(1 - F(n)).

    This is what an agent-based model with one update per period produces on average.
    Returns F(0), ..., F(n_steps) (length n_steps + 1).
    """
    return _bass_recursion(n_steps, p, q, step=1.0, f0=f0)


def bass_euler(times: ArrayLike, p: float, q: float, dt: float, f0: float = 0.0) -> np.ndarray:
    """The discrete Bass recursion with step dt, read off at the requested times.

    F(k dt) is computed by F <- F + (p + qF)(1 - F) dt (explicit Euler for the Bass ODE)
    on the grid 0, dt, 2dt, ... up to max(times); values between grid points are
    linearly interpolated. Comparing it with `bass_cdf` shows the O(dt) error a
    simulator with time step dt makes relative to the continuous-time model.
    """
    if not dt > 0:
        raise ValueError(f"dt must be > 0, got {dt!r}")
    times = np.asarray(times, dtype=float)
    if times.size and times.min() < 0:
        raise ValueError("times must be >= 0")
    t_max = float(times.max()) if times.size else 0.0
    n_steps = int(np.ceil(t_max / dt))
    grid = dt * np.arange(n_steps + 1)
    f = _bass_recursion(n_steps, p, q, step=dt, f0=f0)
    return np.interp(times, grid, f)


def bass_peak_time(p: float, q: float) -> float:
    """Time at which the Bass adoption rate peaks: t* = ln(q/p) / (p + q).

    When q <= p word of mouth never outpaces external influence and the rate is
    highest at t = 0, so 0 is returned.
    """
    _check_bass_params(p, q)
    if q <= p:
        return 0.0
    return float(np.log(q / p) / (p + q))


def percolation_giant_fraction(mean_degree: float, transmissibility: float) -> float:
    """Final adopted fraction of an independent cascade that takes off on an Erdos-Renyi graph.

    Each edge transmits with probability T, so the cascade reaches the giant component
    of bond percolation: the positive root S of S = 1 - exp(-k T S), which exists only
    above the threshold k T > 1 (otherwise 0 is returned).
    """
    if mean_degree < 0:
        raise ValueError(f"mean_degree must be >= 0, got {mean_degree!r}")
    if not 0 <= transmissibility <= 1:
        raise ValueError(f"transmissibility must be in [0, 1], got {transmissibility!r}")
    branching = mean_degree * transmissibility
    if branching <= CRITICAL_BRANCHING:
        return 0.0

    def excess(s: float) -> float:
        # -expm1(-x) = 1 - e^{-x} without cancellation, so roots near the threshold stay accurate.
        return -np.expm1(-branching * s) - s

    # For c = kT > 1 the root lies in (1 - 1/c, 1): excess(1 - 1/c) = 1/c - e^{1-c} > 0
    # because c e^{1-c} < 1, and excess(1) = -e^{-c} < 0. This bracket excludes S = 0.
    lower = 1.0 - 1.0 / branching
    return float(brentq(excess, lower, 1.0))


def cascade_threshold(mean_degree: float) -> float:
    """Critical transmissibility T_c = 1/k above which a cascade can take off on an ER graph."""
    if not mean_degree > 0:
        raise ValueError(f"mean_degree must be > 0, got {mean_degree!r}")
    return CRITICAL_BRANCHING / mean_degree

"""Closed-form results from the diffusion literature that the simulator must reduce to.

Three reference models are used to validate the agent-based simulator:

* the Bass (1969) diffusion model, whose adopted fraction F(t) solves
  dF/dt = (p + q F)(1 - F) with F(0) = 0 (p = innovation / external influence,
  q = imitation / word of mouth, both per unit time);
* the independent-cascade model on an Erdos-Renyi graph, whose final size when
  the cascade takes off equals the giant component of bond percolation;
* Watts's (2002) threshold model on an Erdos-Renyi graph (the `threshold` adoption rule): the
  window of mean degrees where global cascades are possible, and their probability from one seed.

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


# --- successive generations (Norton and Bass 1987) ---------------------------------------------------


def _generation_cdfs(t: np.ndarray, p: float, q: float, launch_days: np.ndarray) -> np.ndarray:
    """F_g(t - tau_g) for generations g = 1..G (tau_1 = 0; zero before a launch), shape (G, len(t))."""
    taus = np.concatenate(([0.0], launch_days))
    since = t[None, :] - taus[:, None]
    return np.where(since >= 0, bass_cdf(np.maximum(since, 0.0), p, q), 0.0)


def norton_bass(t: ArrayLike, p: float, q: float, m: ArrayLike, launch_days: ArrayLike) -> np.ndarray:
    """Units in use of each generation under Norton and Bass (1987), substitution included.

    Generation g (g = 1..G) launches at tau_g (tau_1 = 0, `launch_days` = tau_2..tau_G, increasing) and
    diffuses as F_g(t) = F(t - tau_g; p, q) with the Bass CDF F; its own new market is m_g. With
    A_1 = m_1 F_1 and A_g = F_g (m_g + A_{g-1}) (the market that has reached generation g or later),
    S_g = A_g (1 - F_{g+1}) and S_G = A_G: S_1 = F_1 m_1 (1 - F_2), S_2 = F_2 (m_2 + F_1 m_1)(1 - F_3), ...
    Returns S, shape (G, len(t)), in the units of m.
    """
    t = np.atleast_1d(np.asarray(t, dtype=float))
    m = np.asarray(m, dtype=float)
    launch_days = np.asarray(launch_days, dtype=float)
    if len(m) != len(launch_days) + 1:
        raise ValueError(f"need one market size per generation: {len(m)} sizes for {len(launch_days) + 1} generations")
    cdf = _generation_cdfs(t, p, q, launch_days)
    reached = np.empty_like(cdf)
    carried = np.zeros_like(t)
    for g in range(len(m)):
        carried = cdf[g] * (m[g] + carried)
        reached[g] = carried
    units = reached.copy()
    units[:-1] *= 1.0 - cdf[1:]
    return units


def generation_owners(t: ArrayLike, p: float, q: float, launch_days: ArrayLike, upgrade_rate: float) -> np.ndarray:
    """Share of the population owning each generation in the model's well-mixed limit (sim.model.generations).

    The assumptions, which the docking scenario makes exact: a well-mixed population of Bass word of mouth
    in which every owner talks for ever whatever they own, so owners of any generation are a Bass
    fraction F(t; p, q); every newcomer buys the newest generation on sale (complete leapfrogging); every
    owner of an older generation upgrades straight to the newest at the constant hazard `upgrade_rate`
    (per day). Then, with tau_g the launch days (tau_1 = 0), for t >= tau_{g+1} generation g only loses
    owners, S_g(t) = S_g(tau_{g+1}) exp(-r (t - tau_{g+1})), and the newest holds the rest, F(t) minus
    the older ones. This is Norton and Bass's form with one market (m_1 = N, m_g = 0 for g > 1),
    substitution by an exponential F_{g+1} (p = r, q = 0) and no sales of an old generation after the
    next launch: S_1(t) = F(min(t, tau_2)) (1 - F_2(t - tau_2)) before the third launch.
    Returns shares, shape (G, len(t)).
    """
    t = np.atleast_1d(np.asarray(t, dtype=float))
    launch_days = np.asarray(launch_days, dtype=float)
    if np.any(np.diff(launch_days) <= 0) or np.any(launch_days <= 0):
        raise ValueError(f"launch days must be positive and increasing, got {launch_days}")
    if upgrade_rate < 0:
        raise ValueError(f"upgrade_rate must be >= 0, got {upgrade_rate!r}")
    owners = bass_cdf(t, p, q)
    replaced = np.zeros(len(launch_days))  # S_g at the launch that replaces generation g (g = 1..G-1)
    for g, tau in enumerate(launch_days):
        older = sum(replaced[h] * np.exp(-upgrade_rate * (tau - launch_days[h])) for h in range(g))
        replaced[g] = float(bass_cdf(tau, p, q)) - older
    shares = np.zeros((len(launch_days) + 1, len(t)))
    for g, tau in enumerate(launch_days):  # after its replacement a generation only loses owners
        shares[g] = np.where(t >= tau, replaced[g] * np.exp(-upgrade_rate * np.maximum(t - tau, 0.0)), 0.0)
    newest = np.searchsorted(launch_days, t, side="right")  # index of the generation on sale
    for g in range(len(launch_days) + 1):  # the newest holds every other owner
        shares[g] = np.where(newest == g, owners - shares[:g].sum(axis=0), shares[g])
    return shares


# --- Watts (2002): global cascades of the fractional threshold rule on random graphs -------------------

#: Slack when turning 1 / phi into the largest vulnerable degree, so that phi = 0.2 gives 5, not 4.
DEGREE_SLACK = 1e-9
#: Fixed-point iterations of the vulnerable-cluster equation stop when u moves less than this.
FIXED_POINT_TOLERANCE = 1e-13
#: ... or after this many iterations (convergence is geometric except exactly at a boundary).
FIXED_POINT_ITERATIONS = 1_000_000


def _check_threshold(phi: float) -> None:
    if not 0 < phi <= 1:
        raise ValueError(f"threshold phi must be in (0, 1], got {phi!r}")


def vulnerable_degree(phi: float) -> int:
    """Largest degree at which one adopted neighbour reaches the share phi: floor(1 / phi).

    People of degree 1..floor(1/phi) are vulnerable: a single adopting neighbour persuades them.
    """
    _check_threshold(phi)
    return int(np.floor(1.0 / phi + DEGREE_SLACK))


def watts_cascade_condition(mean_degree: float, phi: float) -> float:
    """Left side of Watts's cascade condition on an Erdos-Renyi graph with uniform threshold phi:
    z * P(Poisson(z) <= floor(1/phi) - 2). Global cascades are possible only where it exceeds 1.

    It is G0''(1) / z for the vulnerable degrees (sum over k <= K of k (k-1) p_k, divided by z): the
    mean number of further vulnerable people reached through one vulnerable person.
    """
    from scipy.stats import poisson

    if mean_degree < 0:
        raise ValueError(f"mean_degree must be >= 0, got {mean_degree!r}")
    return float(mean_degree * poisson.cdf(vulnerable_degree(phi) - 2, mean_degree))


def watts_cascade_window(phi: float, z_max: float = 50.0) -> tuple[float, float]:
    """The mean degrees (z_low, z_high) between which global cascades are possible (condition > 1);
    (nan, nan) if nowhere below z_max."""
    from scipy.stats import poisson

    zs = np.linspace(1e-6, z_max, 20_001)
    inside = zs * poisson.cdf(vulnerable_degree(phi) - 2, zs) > CRITICAL_BRANCHING
    if not inside.any():
        return float("nan"), float("nan")
    first, last = np.flatnonzero(inside)[[0, -1]]

    def excess(z: float) -> float:
        return watts_cascade_condition(z, phi) - CRITICAL_BRANCHING

    low = brentq(excess, zs[first - 1], zs[first]) if first > 0 else zs[0]
    high = brentq(excess, zs[last], zs[last + 1]) if last + 1 < len(zs) else zs[-1]
    return float(low), float(high)


def watts_cascade_probability(mean_degree: float, phi: float) -> float:
    """Size S_e of the extended vulnerable cluster on an Erdos-Renyi graph with uniform threshold phi:
    the chance that one random seed starts a global cascade (Watts 2002).

    The seed sets off a global cascade when it is in, or next to, the giant cluster of vulnerable people.
    Following a tie, the person reached has Poisson(z) further ties and is vulnerable when its degree
    (further ties + 1) is at most floor(1/phi); u, the chance that a tie does not lead into the giant
    vulnerable cluster, is the smallest root in [0, 1] of
        u = 1 - P(vulnerable) + sum_{e <= K-1} Poisson(e; z) u^e,
    and a random person (Poisson(z) ties) has at least one tie into it with probability 1 - exp(z (u - 1)).
    Returns 0 outside the window.
    """
    from scipy.stats import poisson

    if mean_degree < 0:
        raise ValueError(f"mean_degree must be >= 0, got {mean_degree!r}")
    if watts_cascade_condition(mean_degree, phi) <= CRITICAL_BRANCHING:
        return 0.0
    z, last = mean_degree, vulnerable_degree(phi) - 1  # further ties 0..K-1: vulnerable
    not_vulnerable = poisson.sf(last, z)
    u = 0.0  # iterating from 0 climbs monotonically to the smallest root
    for _ in range(FIXED_POINT_ITERATIONS):
        # sum_{e <= K-1} Poisson(e; z) u^e = exp(z (u - 1)) P(Poisson(z u) <= K - 1)
        nxt = not_vulnerable + float(np.exp(z * (u - 1.0)) * poisson.cdf(last, z * u))
        if abs(nxt - u) < FIXED_POINT_TOLERANCE:
            u = nxt
            break
        u = nxt
    return float(-np.expm1(mean_degree * (u - 1.0)))


# ---------------------------------------------------------------------------------------------------
# A market that grows (issue 26, part 5): Guseo and Guidolin's dynamic market potential.
# ---------------------------------------------------------------------------------------------------

#: Tolerances of the ODE solver of `market_adoption` (far below the docking tolerance of 0.02).
MARKET_ODE_RTOL, MARKET_ODE_ATOL = 1e-9, 1e-12


def gg_potential(t: ArrayLike, potential: float, pc: float, qc: float) -> np.ndarray:
    """Guseo and Guidolin's (2009) dynamic market potential as a share of the population:
    m(t) = K sqrt(F_c(t)), F_c the Bass cdf of the communication process (pc, qc per day): the market
    grows as the knowledge of the category spreads, towards K."""
    return potential * np.sqrt(bass_cdf(t, pc, qc))


def guseo_guidolin(t: ArrayLike, potential: float, pc: float, qc: float, p: float, q: float) -> np.ndarray:
    """The Guseo-Guidolin model's closed form z(t) = m(t) F_s(t) (m from `gg_potential`, F_s the Bass cdf of
    the adoption process p, q), as in the DIMORA package's `GGM`. It solves
    z' = m (p + q z/m)(1 - z/m) + z m'/m: imitation by the adopters' share of the market (z/m), and the
    newly eligible joining at the current penetration z/m (the term z m'/m). The simulator's market does
    neither (`market_adoption` is its mean path), so the two are compared, not docked."""
    return gg_potential(t, potential, pc, qc) * bass_cdf(t, p, q)


def market_adoption(times: ArrayLike, p: float, q: float, eligible_share) -> np.ndarray:
    """The adopted share z(t) of the whole population when only a share e(t) (`eligible_share`, a function
    of the day) can buy and each eligible non-adopter adopts at hazard p + q z:
    dz/dt = (e(t) - z)(p + q z), z(0) = 0 (with e = 1 this is Bass). Solved by scipy's `solve_ivp`."""
    from scipy.integrate import solve_ivp  # imported on use: only the market's docking needs it

    times = np.asarray(times, dtype=float)

    def rate(t, z):
        return (eligible_share(t) - z) * (p + q * z)

    solution = solve_ivp(rate, (0.0, float(times[-1])), [0.0], t_eval=times, rtol=MARKET_ODE_RTOL, atol=MARKET_ODE_ATOL)
    if not solution.success:
        raise RuntimeError(f"market_adoption: the ODE solver failed: {solution.message}")
    return solution.y[0]


def competing_brands(times: ArrayLike, p: ArrayLike, q: float, q_cross: float, entry_days: ArrayLike) -> np.ndarray:
    """The shares F_i(t) of the population owning each competing brand i (rows; columns: `times`) in a
    well-mixed market without switching or leaving, conversion certain (Libai, Muller and Peres 2009):

        dF_i/dt = (1 - sum_j F_j) (p_i + q F_i + q_cross sum_{j != i} F_j)  for t >= entry_i, else 0,

    F(0) = 0; p_i each brand's external rate (per day), q within-brand and q_cross cross-brand word of
    mouth (per day). Solved by scipy's `solve_ivp` piece by piece between entry days (the right-hand side
    jumps at each). Two identical brands entering together split the Bass curve of p_a + p_b and q + q_cross."""
    from scipy.integrate import solve_ivp  # imported on use: only the brands' docking needs it

    times = np.asarray(times, dtype=float)
    p = np.asarray(p, dtype=float)
    entry = np.asarray(entry_days, dtype=float)
    if p.shape != entry.shape or p.ndim != 1:
        raise ValueError("p and entry_days need one entry per brand")

    def rate(t, f, active):
        others = f.sum() - f
        return active * (1.0 - f.sum()) * (p + q * f + q_cross * others)

    out = np.zeros((len(p), len(times)))
    f = np.zeros(len(p))
    cuts = sorted({0.0, *(float(e) for e in entry if 0 < e < times[-1])}) + [float(times[-1])]
    for start, end in zip(cuts[:-1], cuts[1:]):
        active = (entry <= start).astype(float)
        inside = (times >= start) & (times <= end)
        sol = solve_ivp(
            rate, (start, end), f, t_eval=times[inside], args=(active,), rtol=MARKET_ODE_RTOL, atol=MARKET_ODE_ATOL
        )
        if not sol.success:
            raise RuntimeError(f"competing_brands: the ODE solver failed: {sol.message}")
        out[:, inside] = sol.y
        f = solve_ivp(rate, (start, end), f, args=(active,), rtol=MARKET_ODE_RTOL, atol=MARKET_ODE_ATOL).y[:, -1]
    return out

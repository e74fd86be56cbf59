"""Tests of the closed-form reference results in sim.theory."""

import numpy as np
import pytest
from scipy.integrate import solve_ivp
from scipy.special import lambertw

from sim.model.theory import (
    bass_cdf,
    bass_discrete,
    bass_euler,
    bass_pdf,
    bass_peak_time,
    cascade_threshold,
    generation_owners,
    norton_bass,
    percolation_giant_fraction,
)

#: Parameter sets used throughout: a typical consumer durable and a word-of-mouth-heavy one.
BASS_CASES = [(0.03, 0.38), (0.01, 0.5)]
HORIZON = 40.0
ODE_TOLERANCE = 1e-6
#: Measured Euler error constants C = max|F_euler - F| / dt on t in [0, 40]
#: (0.0721 for (0.03, 0.38) and 0.1666 for (0.01, 0.5)).
EULER_CONSTANTS = {(0.03, 0.38): 0.0721, (0.01, 0.5): 0.1666}


def euler_error(p: float, q: float, dt: float) -> float:
    """Largest gap between the step-dt recursion and the closed form on the dt grid over [0, HORIZON]."""
    times = dt * np.arange(round(HORIZON / dt) + 1)
    return float(np.max(np.abs(bass_euler(times, p, q, dt) - bass_cdf(times, p, q))))


@pytest.mark.parametrize("p, q", BASS_CASES)
def test_bass_cdf_solves_the_bass_ode(p, q):
    times = np.linspace(0.0, HORIZON, 401)
    solution = solve_ivp(
        lambda _t, f: (p + q * f) * (1 - f),
        (0.0, HORIZON),
        [0.0],
        t_eval=times,
        rtol=1e-10,
        atol=1e-12,
    )
    assert solution.success
    np.testing.assert_allclose(bass_cdf(times, p, q), solution.y[0], atol=ODE_TOLERANCE)


@pytest.mark.parametrize("p, q", BASS_CASES)
def test_bass_pdf_is_the_derivative_of_the_cdf(p, q):
    times = np.linspace(0.0, HORIZON, 401)
    f = bass_cdf(times, p, q)
    # (1 - F) loses digits as F -> 1, hence the absolute floor.
    np.testing.assert_allclose(bass_pdf(times, p, q), (p + q * f) * (1 - f), rtol=1e-9, atol=1e-14)
    # And numerically, by central differences (truncation ~h^2, rounding ~eps/h).
    h = 1e-5
    numeric = (bass_cdf(times + h, p, q) - bass_cdf(times - h, p, q)) / (2 * h)
    np.testing.assert_allclose(bass_pdf(times, p, q), numeric, rtol=1e-6, atol=1e-10)


def test_bass_cdf_limits_and_vectorisation():
    assert bass_cdf(0.0, 0.03, 0.38) == 0.0
    assert bass_cdf(1e4, 0.03, 0.38) == pytest.approx(1.0)
    assert bass_cdf(np.zeros((2, 3)), 0.03, 0.38).shape == (2, 3)
    # q = 0 is pure external influence: F = 1 - exp(-p t).
    assert bass_cdf(10.0, 0.1, 0.0) == pytest.approx(1 - np.exp(-1.0))


def test_bass_rejects_non_positive_p():
    with pytest.raises(ValueError):
        bass_cdf(1.0, 0.0, 0.3)


def test_bass_discrete_first_steps_by_hand():
    p, q = 0.03, 0.38
    f1 = 0.0 + (0.03 + 0.0) * 1.0  # 0.03
    f2 = f1 + (p + q * f1) * (1 - f1)  # 0.03 + 0.0414 * 0.97 = 0.070158
    f3 = f2 + (p + q * f2) * (1 - f2)
    assert f2 == pytest.approx(0.070158)
    f = bass_discrete(3, p, q)
    assert f.shape == (4,)
    np.testing.assert_allclose(f, [0.0, f1, f2, f3], rtol=1e-14)


def test_bass_discrete_with_seed_fraction():
    f = bass_discrete(1, 0.03, 0.38, f0=0.1)
    assert f[1] == pytest.approx(0.1 + (0.03 + 0.038) * 0.9)


def test_bass_euler_with_unit_step_is_bass_discrete():
    np.testing.assert_allclose(bass_euler(np.arange(11.0), 0.03, 0.38, dt=1.0), bass_discrete(10, 0.03, 0.38))


@pytest.mark.parametrize("p, q", BASS_CASES)
def test_bass_euler_converges_linearly_in_dt(p, q):
    errors = {dt: euler_error(p, q, dt) for dt in (0.1, 0.01, 0.001)}
    # Converges to the closed form ...
    assert errors[0.001] < 1e-3
    # ... at first order: error / dt is (nearly) constant, and matches the recorded constant.
    for dt, error in errors.items():
        assert error / dt == pytest.approx(EULER_CONSTANTS[(p, q)], rel=0.01)


def test_bass_euler_interpolates_between_grid_points():
    times = np.array([0.0, 0.05, 0.1])
    f = bass_euler(times, 0.03, 0.38, dt=0.1)
    assert f[1] == pytest.approx((f[0] + f[2]) / 2)


@pytest.mark.parametrize("p, q", BASS_CASES)
def test_peak_time_matches_argmax_of_pdf(p, q):
    dt = 1e-4
    times = np.arange(0.0, HORIZON, dt)
    argmax_time = times[np.argmax(bass_pdf(times, p, q))]
    assert bass_peak_time(p, q) == pytest.approx(argmax_time, abs=dt)


def test_peak_time_is_zero_without_dominant_word_of_mouth():
    assert bass_peak_time(0.3, 0.1) == 0.0
    assert bass_peak_time(0.2, 0.2) == 0.0


@pytest.mark.parametrize("k, t", [(10, 0.1), (4, 0.25), (2, 0.3), (0, 1.0)])
def test_no_giant_cascade_at_or_below_threshold(k, t):
    assert percolation_giant_fraction(k, t) == 0.0


def test_giant_fraction_known_values():
    # Both have k*T = 2, so the same final size S = 1 - exp(-2 S) ~ 0.7968.
    assert percolation_giant_fraction(10, 0.2) == pytest.approx(0.79681213, abs=1e-8)
    assert percolation_giant_fraction(5, 0.4) == pytest.approx(percolation_giant_fraction(10, 0.2))
    # (5, 0.5) has k*T = 2.5, a larger cascade.
    assert percolation_giant_fraction(5, 0.5) == pytest.approx(0.89264475, abs=1e-8)


@pytest.mark.parametrize("c", [1.001, 1.5, 2.0, 3.0, 8.0])
def test_giant_fraction_matches_lambert_w_and_solves_its_equation(c):
    s = percolation_giant_fraction(c, 1.0)
    assert s == pytest.approx(1 - np.exp(-c * s), abs=1e-12)
    # Closed form S = 1 + W(-c e^{-c}) / c on the principal branch.
    assert s == pytest.approx(1 + lambertw(-c * np.exp(-c)).real / c, abs=1e-9)


def test_giant_fraction_just_above_threshold_is_about_twice_the_excess():
    # Expanding S = 1 - exp(-cS) near c = 1 gives S ~ 2 (c - 1).
    excess = 1e-6
    assert percolation_giant_fraction(1 + excess, 1.0) == pytest.approx(2 * excess, rel=1e-3)


def test_cascade_threshold():
    assert cascade_threshold(10) == pytest.approx(0.1)
    assert percolation_giant_fraction(10, cascade_threshold(10)) == 0.0
    assert percolation_giant_fraction(10, 1.01 * cascade_threshold(10)) > 0.0


# --- successive generations ---------------------------------------------------------------------------


def test_norton_bass_with_one_generation_is_bass_and_markets_add_up():
    t = np.linspace(0, 40, 81)
    np.testing.assert_allclose(norton_bass(t, 0.03, 0.4, [100.0], [])[0], 100 * bass_cdf(t, 0.03, 0.4))
    s = norton_bass(t, 0.03, 0.4, [100.0, 50.0, 20.0], [10.0, 25.0])
    f2 = np.where(t >= 10, bass_cdf(np.maximum(t - 10, 0), 0.03, 0.4), 0)
    f3 = np.where(t >= 25, bass_cdf(np.maximum(t - 25, 0), 0.03, 0.4), 0)
    # everyone in use: m1 F1 + m2 F2 + m3 F3 (substitution moves units, it does not create them)
    np.testing.assert_allclose(s.sum(axis=0), 100 * bass_cdf(t, 0.03, 0.4) + 50 * f2 + 20 * f3)
    np.testing.assert_allclose(s[0], 100 * bass_cdf(t, 0.03, 0.4) * (1 - f2))
    assert (s[1][t < 10] == 0).all() and (s[2][t < 25] == 0).all()


def test_generation_owners_splits_the_bass_curve_and_replaced_generations_decay():
    t = np.linspace(0, 30, 301)
    s = generation_owners(t, 0.03, 0.38, [10.0, 20.0], 0.2)
    np.testing.assert_allclose(s.sum(axis=0), bass_cdf(t, 0.03, 0.38), atol=1e-12)
    f10 = bass_cdf(10.0, 0.03, 0.38)
    later = t >= 10
    np.testing.assert_allclose(s[0][later], f10 * np.exp(-0.2 * (t[later] - 10)))
    np.testing.assert_allclose(s[0][~later], bass_cdf(t[~later], 0.03, 0.38))
    # without upgrades every replaced generation keeps what it had at the next launch
    frozen = generation_owners(t, 0.03, 0.38, [10.0, 20.0], 0.0)
    assert frozen[1][-1] == pytest.approx(bass_cdf(20.0, 0.03, 0.38) - f10)


def test_market_adoption_with_everyone_eligible_is_bass_and_stays_below_the_market():
    from sim.model.theory import gg_potential, guseo_guidolin, market_adoption

    times = np.linspace(0.0, HORIZON, 81)
    np.testing.assert_allclose(
        market_adoption(times, 0.03, 0.38, lambda t: 1.0), bass_cdf(times, 0.03, 0.38), atol=1e-7
    )
    z = market_adoption(times, 0.03, 0.38, lambda t: float(gg_potential(t, 0.6, 0.05, 0.3)))
    assert np.all(z <= gg_potential(times, 0.6, 0.05, 0.3) + 1e-9)
    # Guseo-Guidolin's closed form solves its own equation z' = m (p + q z/m)(1 - z/m) + z m'/m
    h = 1e-5
    t = times[1:]
    m = gg_potential(t, 0.6, 0.05, 0.3)
    dm = (gg_potential(t + h, 0.6, 0.05, 0.3) - gg_potential(t - h, 0.6, 0.05, 0.3)) / (2 * h)
    gg = guseo_guidolin(t, 0.6, 0.05, 0.3, 0.03, 0.38)
    dgg = (guseo_guidolin(t + h, 0.6, 0.05, 0.3, 0.03, 0.38) - guseo_guidolin(t - h, 0.6, 0.05, 0.3, 0.03, 0.38)) / (
        2 * h
    )
    np.testing.assert_allclose(dgg, m * (0.03 + 0.38 * gg / m) * (1 - gg / m) + gg * dm / m, rtol=1e-5, atol=1e-8)


def test_competing_brands_reduce_to_bass_and_wait_for_their_entry():
    """One brand is Bass; two identical brands split Bass of p_a + p_b and q + q_cross; a brand owns nothing
    before it enters, and the shares never exceed the market."""
    from sim.model import theory

    t = np.linspace(0.0, 40.0, 81)
    one = theory.competing_brands(t, [0.03], 0.38, 0.1, [0.0])
    assert np.allclose(one[0], theory.bass_cdf(t, 0.03, 0.38), atol=1e-6)
    two = theory.competing_brands(t, [0.02, 0.02], 0.3, 0.1, [0.0, 0.0])
    assert np.allclose(two[0], two[1], atol=1e-9)
    assert np.allclose(two.sum(axis=0), theory.bass_cdf(t, 0.04, 0.4), atol=1e-6)
    late = theory.competing_brands(t, [0.01, 0.05], 0.2, 0.05, [0.0, 10.0])
    assert (late[1][t <= 10.0] == 0).all() and late[1][-1] > 0
    assert (late.sum(axis=0) <= 1 + 1e-9).all() and (np.diff(late, axis=1) >= -1e-12).all()
    with pytest.raises(ValueError):
        theory.competing_brands(t, [0.01, 0.02], 0.2, 0.0, [0.0])

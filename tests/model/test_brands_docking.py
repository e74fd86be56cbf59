"""Docking of competing brands (issue 26, part 7) with Libai, Muller and Peres's (2009) competition model.

Settings: `scenarios/docking/competition.toml`: two brands a and b in a well-mixed market, strategies off,
no switching or leaving, conversion certain, each brand's p its advertising p_max at saturated spend,
within-brand word of mouth q and cross-brand q_cross, brand b entering on its entry_day; N = 10,000,
20 replicates, seed 2009, dt = 0.05 days, keyed draws. The mean owned share of each brand is docked to

    dF_i/dt = (1 - sum_j F_j)(p_i + q F_i + q_cross sum_{j != i} F_j)  for t >= entry_i

(`theory.competing_brands`, solved with scipy's solve_ivp) with the tolerance of the Bass docking, 0.02 at
every recorded time, fixed before running. The model draws each brand's contacts independently in a step
(chance r_i dt each) and a person reached by both chooses one (here at random: the brands are equally good),
so the step-size error is of order r dt, as for Bass.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.config.scenario import load_scenario
from sim.model import theory
from sim.run.runner import run_scenario

COMPETITION = Path(__file__).resolve().parents[2] / "scenarios" / "docking" / "competition.toml"
TOLERANCE = 0.02  # |mean share - ODE share| at every recorded time, per brand; fixed before running


def mean_shares(sc) -> tuple[np.ndarray, dict[str, np.ndarray]]:
    """(times, {brand: mean owned share of the population}) over the scenario's replicates."""
    ts = run_scenario(sc).timeseries
    by_time = ts.groupby("time")
    shares = {b: by_time[f"owners_{b}"].mean().to_numpy() / sc.population.size for b in sc.brands}
    return by_time.size().index.to_numpy(), shares


def _settings(sc) -> tuple[list[float], list[float]]:
    """(p_i, entry_i) of each brand, as the scenario resolves them."""
    return [b.advertising.p for b in sc.brands.values()], [b.entry_day for b in sc.brands.values()]


@pytest.mark.slow
def test_mean_shares_follow_the_competition_ode():
    """20 replicates, N = 10,000, dt = 0.05, seed 2009: each brand's mean share within 0.02 of the ODE."""
    sc = load_scenario(COMPETITION)
    assert sc.run.replicates == 20 and sc.run.dt == 0.05 and sc.run.seed == 2009 and sc.population.size == 10000
    p, entry = _settings(sc)
    assert entry == [0.0, 10.0] and np.allclose(p, [0.01, 0.02], rtol=1e-6)
    times, shares = mean_shares(sc)
    ode = theory.competing_brands(times, p, sc.wom.q, sc.wom.q_cross, entry)
    for i, brand in enumerate(sc.brands):
        err = np.abs(shares[brand] - ode[i])
        print(f"brand {brand}: max |mean - ODE| = {err.max():.4f}, final {shares[brand][-1]:.4f} vs {ode[i][-1]:.4f}")
        assert err.max() < TOLERANCE, f"brand {brand}: max deviation {err.max():.4f}"
    assert np.all(shares["b"][times < entry[1]] == 0)  # nobody owns b before it enters


@pytest.mark.slow
def test_identical_brands_entering_together_split_evenly_and_the_category_follows_bass():
    """Same settings, b identical to a and entering on day 0: the shares agree within 0.02 at every time, and
    their sum follows Bass's closed form with p_a + p_b and q + q_cross within 0.02."""
    sc = load_scenario(COMPETITION, ["brands.b.entry_day=0", "brands.b.advertising.p_max=0.01"])
    p, _ = _settings(sc)
    times, shares = mean_shares(sc)
    split = np.abs(shares["a"] - shares["b"])
    category = np.abs(shares["a"] + shares["b"] - theory.bass_cdf(times, sum(p), sc.wom.q + sc.wom.q_cross))
    print(f"max |F_a - F_b| = {split.max():.4f}; max |F_a + F_b - Bass| = {category.max():.4f}")
    assert split.max() < TOLERANCE
    assert category.max() < TOLERANCE

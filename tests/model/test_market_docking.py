"""Docking of a market that grows (`market.kind = "guseo_guidolin"`) with theory.

Settings: `scenarios/docking/bass.toml` (well mixed, advertising rate p, word of mouth q, conversion
certain, no rejection), N = 10,000, 20 replicates, seed 1969, dt = 0.05 days, 40 days, with the market
on. Each person is eligible once their fixed rank is below e(t) = K sqrt(F_c(t)) (Guseo and Guidolin's
2009 dynamic market potential, F_c the Bass cdf of pc, qc). Inside the market a non-adopter adopts at
hazard p + q z, z the adopted share of the whole population (well-mixed talk reaches everyone at rate
q z, ads at p; outside the market people are reached as often but cannot buy, and since a contact
leaves a non-buyer open, becoming eligible later restores the same hazard). With N large the adopted
share therefore follows

    dz/dt = (e(t) - z)(p + q z),  z(0) = 0,

which is what the model's mean `adopted_total / N` is docked to (`theory.market_adoption`, solved
with scipy's solve_ivp), with the tolerance of the Bass docking, 0.02 at every recorded time, fixed
before running. This is NOT Guseo and Guidolin's closed form z = m(t) F_s(t) (`theory.guseo_guidolin`):
that solves z' = m (p + q z/m)(1 - z/m) + z m'/m, in which imitation is driven by the adopters' share
of the market (z/m, not z) and people entering the market join at the current penetration (the term
z m'/m). By default the simulator's market shares only Guseo and Guidolin's potential m(t); its adoption
rule stays Bass's on the whole population.

With their two assumptions switched on (`market.talk_share_of = "market"`: well-mixed talk is the talkers'
weight over the people eligible, so the imitation hazard is q z/m; `market.entrants = "at_penetration"`:
each person entering the market buys at once with chance z/m), the mean adopted share is docked to their
closed form z = m(t) F_s(t) itself, on the same two cases, settings and tolerance (fixed before running).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.config.scenario import load_scenario
from sim.model import theory
from sim.run.runner import run_scenario

BASS = Path(__file__).resolve().parents[2] / "scenarios" / "docking" / "bass.toml"
TOLERANCE = 0.02  # as for Bass: |mean z - ODE z| at every recorded time, fixed before running
DAYS = 40
#: (K, pc, qc, p, q): a potential growing about as fast as adoption, and a slow small one.
CASES = [(0.8, 0.05, 0.3, 0.03, 0.38), (0.5, 0.02, 0.2, 0.01, 0.5)]


def _market(potential, pc, qc, p, q, *extra):
    return load_scenario(
        BASS,
        [
            f"advertising.p_max={p}",
            f"wom.q={q}",
            f"run.days={DAYS}",
            'market.kind="guseo_guidolin"',
            f"market.potential={potential}",
            f"market.pc={pc}",
            f"market.qc={qc}",
            *extra,
        ],
    )


@pytest.mark.slow
@pytest.mark.parametrize("potential, pc, qc, p, q", CASES)
def test_mean_adoption_follows_the_market_ode(potential, pc, qc, p, q):
    """20 replicates, N = 10,000, dt = 0.05, seed 1969: mean z(t) within 0.02 of dz/dt = (e - z)(p + q z)."""
    sc = _market(potential, pc, qc, p, q)
    assert sc.run.replicates == 20 and sc.run.dt == 0.05 and sc.run.seed == 1969 and sc.population.size == 10000
    ts = run_scenario(sc).timeseries
    mean = ts.groupby("time").adopted_total.mean() / sc.population.size
    times = mean.index.to_numpy()
    ode = theory.market_adoption(times, p, q, lambda t: float(theory.gg_potential(t, potential, pc, qc)))
    err = np.abs(mean.to_numpy() - ode)
    gg = np.abs(mean.to_numpy() - theory.guseo_guidolin(times, potential, pc, qc, p, q))
    print(f"max |mean - ODE| = {err.max():.4f}; max |mean - GG closed form| = {gg.max():.4f}")
    assert err.max() < TOLERANCE, f"max deviation {err.max():.4f}"
    eligible = ts.groupby("time").eligible.mean() / sc.population.size
    assert np.abs(eligible.to_numpy() - theory.gg_potential(times, potential, pc, qc)).max() < TOLERANCE


@pytest.mark.slow
@pytest.mark.parametrize("potential, pc, qc, p, q", CASES)
def test_with_their_assumptions_mean_adoption_follows_the_guseo_guidolin_closed_form(potential, pc, qc, p, q):
    """20 replicates, N = 10,000, dt = 0.05, seed 1969, talk a share of the market and entrants buying at the
    penetration: mean z(t) within 0.02 of z = m(t) F_s(t) at every recorded time."""
    sc = _market(potential, pc, qc, p, q, 'market.talk_share_of="market"', 'market.entrants="at_penetration"')
    assert sc.run.replicates == 20 and sc.run.dt == 0.05 and sc.run.seed == 1969 and sc.population.size == 10000
    ts = run_scenario(sc).timeseries
    mean = ts.groupby("time").adopted_total.mean() / sc.population.size
    times = mean.index.to_numpy()
    err = np.abs(mean.to_numpy() - theory.guseo_guidolin(times, potential, pc, qc, p, q))
    print(f"max |mean - GG closed form| = {err.max():.4f}")
    assert err.max() < TOLERANCE, f"max deviation {err.max():.4f}"

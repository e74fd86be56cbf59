"""Docking the threshold rule against Watts (2002): global cascades from one random seed user on an
Erdos-Renyi graph with a uniform threshold phi = 0.18 (scenarios/docking/threshold.toml, N = 10,000).

Theory (`sim.model.theory`): global cascades are possible only inside the window
z * P(Poisson(z) <= floor(1/phi) - 2) > 1 (for phi = 0.18: 1.02 < z < 5.76), and there a random seed
starts one with probability S_e, the size of the extended vulnerable cluster.

Chosen before the full runs (a 20-replicate pilot at z = 1.5, 3, 5, 6.5 and 10 had been seen):
z = 0.6, 1.5, 3, 5, 6.5, 8, 10; replicates R = 300 inside the window and 100 outside, master seed 2002
(replicate r: the r-th child seed, as `wom run`). A run is a global cascade when more than 10% adopted.
Inside: |frequency - S_e| <= 3.5 binomial standard errors sqrt(S_e (1 - S_e) / R) plus a finite-size
allowance of 0.05 (at N = 10^4 the vulnerable cluster of a seed is finite and cascades can also pass
through people who need two adopting friends). Outside: at most 3% of runs cascade.

A run stops once a step has no new adopter: with certain conversion and no other channel, only the
neighbours of a step's adopters can be persuaded in the next step, so nothing can change after such a
step and the final count is the one the full horizon gives.
"""

from pathlib import Path

import numpy as np
import pytest

from sim.config.scenario import load_scenario
from sim.model import theory
from sim.model.model import WomModel
from sim.model.streams import replicate_seeds

THRESHOLD = Path(__file__).resolve().parents[2] / "scenarios" / "docking" / "threshold.toml"
PHI = 0.18
SEED = 2002
GLOBAL = 0.10  # share adopted that makes a cascade global
INSIDE_REPLICATES, OUTSIDE_REPLICATES = 300, 100
STANDARD_ERRORS = 3.5
FINITE_SIZE = 0.05
OUTSIDE_MAX = 0.03
HORIZON_DAYS = 200  # far beyond the longest cascade; a run that reaches it fails the test


def final_share(scenario, seq) -> float:
    """Share of the population adopted when nothing can change any more."""
    model = WomModel(scenario, seq)
    model.step()
    while model.new_adopters and model.running:
        model.step()
    assert model.new_adopters == 0, "the cascade was still growing at the horizon"
    return model.people.adopted_total / model.n


@pytest.mark.slow
@pytest.mark.parametrize("z", [0.6, 1.5, 3.0, 5.0, 6.5, 8.0, 10.0])
def test_global_cascades_follow_watts(z):
    sc = load_scenario(
        THRESHOLD,
        [f"network.mean_degree={z}", f"wom.threshold={PHI}", "population.size=10000", f"run.days={HORIZON_DAYS}"],
    )
    inside = theory.watts_cascade_condition(z, PHI) > 1
    replicates = INSIDE_REPLICATES if inside else OUTSIDE_REPLICATES
    shares = np.array([final_share(sc, seq) for seq in replicate_seeds(SEED, replicates)])
    frequency = float(np.mean(shares > GLOBAL))
    expected = theory.watts_cascade_probability(z, PHI)
    print(f"z = {z}: global cascades {frequency:.3f} of {replicates}, S_e = {expected:.3f}")
    if inside:
        tolerance = STANDARD_ERRORS * np.sqrt(expected * (1 - expected) / replicates) + FINITE_SIZE
        assert abs(frequency - expected) <= tolerance
    else:
        assert expected == 0.0 and frequency <= OUTSIDE_MAX

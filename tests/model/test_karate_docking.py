"""Docking on a real graph: the independent cascade on Zachary's karate club against EoN.

The model's cascade (scenarios/docking/cascade.toml: each new adopter talks once, the step after adopting,
to every neighbour, persuading with probability T; persuasion always converts) is the discrete-time SIR
model with one step of infection, which EoN (Miller and Ting, "EoN: a Python package for epidemics on
networks", an independent implementation, test-only dependency) simulates as `basic_discrete_SIR`.
Both start from the club's highest-degree member (node 33, 17 ties: `seed_users.choice = "hubs"`).

Pre-registered (chosen before any run): REPLICATES runs of each, seeds SEED; the two samples of final
sizes agree by a two-sample Kolmogorov-Smirnov test at ALPHA; the mean final sizes differ by less than
MEAN_SE standard errors of the difference; and every member's chance of being reached differs by less
than NODE_SE standard errors (34 comparisons; at 4 SE the chance of a false alarm is about 0.2%).
"""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from scipy import stats

from sim.config.scenario import read_scenario_dict, scenario_from_dict
from sim.config.shipped import resolve_scenario
from sim.model.model import WomModel
from sim.model.state import SEED_USER
from sim.model.streams import replicate_seeds

EoN = pytest.importorskip("EoN")

SEED = 20261207
REPLICATES = 400
ALPHA = 0.01
MEAN_SE = 3.0
NODE_SE = 4.0
#: Transmission probability per tie (k T = 4.6 x 0.3 on the club: most runs reach a large part of it).
T = 0.3
#: Days simulated: more than the club's 34 members can need (one member per step at least).
DAYS = 40


def karate_cascade():
    """The docking cascade scenario on the karate club (its population is the club's)."""
    data = read_scenario_dict(resolve_scenario("docking/cascade"))
    del data["population"]["size"]
    data["network"] = {k: v for k, v in data["network"].items() if k != "mean_degree"} | {"kind": "karate"}
    data["seed_users"] = {"count": 1, "choice": "hubs"}
    data["wom"]["transmission"] = T
    data["run"]["days"] = DAYS
    return scenario_from_dict(data, source="karate cascade")


@pytest.fixture(scope="module")
def model_reached() -> np.ndarray:
    """(replicates, 34) whether each member ever adopted, in the model's vector backend."""
    sc = karate_cascade()
    assert sc.population.size == 34
    rows = []
    for seq in replicate_seeds(SEED, REPLICATES):
        model = WomModel(sc, seq)
        assert np.flatnonzero(model.people.kind == SEED_USER).tolist() == [33]  # the hub is the seed user
        model.run()
        rows.append(~np.isnan(model.people.adopt_day))
    return np.array(rows)


@pytest.fixture(scope="module")
def eon_reached() -> np.ndarray:
    """(replicates, 34) whether each member was ever infected, in EoN's discrete SIR."""
    graph, rng = nx.karate_club_graph(), np.random.default_rng(SEED)
    rows = []
    for _ in range(REPLICATES):
        sim = EoN.basic_discrete_SIR(graph, T, initial_infecteds=[33], rng=rng, return_full_data=True)
        status = sim.get_statuses(time=sim.t()[-1])
        rows.append([status[v] != "S" for v in range(34)])
    return np.array(rows)


def test_final_sizes_follow_eons_distribution(model_reached, eon_reached):
    ours, theirs = model_reached.sum(axis=1), eon_reached.sum(axis=1)
    result = stats.ks_2samp(ours, theirs)
    print(f"mean final size: model {ours.mean():.2f}, EoN {theirs.mean():.2f}; KS p = {result.pvalue:.3f}")
    assert result.pvalue > ALPHA
    se = np.sqrt(ours.var(ddof=1) / len(ours) + theirs.var(ddof=1) / len(theirs))
    assert abs(ours.mean() - theirs.mean()) < MEAN_SE * se


def test_each_member_is_reached_as_often_as_in_eon(model_reached, eon_reached):
    ours, theirs = model_reached.mean(axis=0), eon_reached.mean(axis=0)
    pooled = (ours + theirs) / 2
    se = np.sqrt(pooled * (1 - pooled) * 2 / REPLICATES)
    worst = np.max(np.abs(ours - theirs) / np.where(se > 0, se, np.inf))
    print(f"largest difference in a member's reach: {worst:.2f} standard errors")
    assert worst < NODE_SE

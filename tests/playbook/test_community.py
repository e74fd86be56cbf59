"""community.peer_reach = 'ties' (claim 4's falsification run): each person's peer rate follows the fans
among their own offline contacts, in both backends; without an offline network it is an input error."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.scenario import load_scenario
from sim.model import rules
from sim.model.model import WomModel
from sim.model.state import Funnel
from sim.model.streams import replicate_seeds
from sim.playbook.playbook import positive_users
from sim.run.runner import run_replicate

SEED = 20261201
#: A small community economy (600 people, 60 days) where fans appear within the first weeks.
BASE = [
    "population.size=600",
    "seed_users.count=30",
    "run.days=60",
    "relationship.participation_rate=0.3",
    "community.enabled=true",
    "community.horizontal=0.8",
    "community.peer_rate=0.3",
]


def test_ties_rate_is_the_fan_share_among_each_persons_offline_contacts():
    sc = load_scenario(None, [*BASE, 'community.peer_reach="ties"'])
    model = WomModel(sc, replicate_seeds(SEED, 1)[0])
    model.run()
    assert model.people.counts[Funnel.FAN] > 0  # the setting was chosen so that fans exist to be counted
    pool = positive_users(model.people.state, model.people.valence)
    (peers,) = model.playbook.mechanism("community").participation_sources(model.view, pool, 60.0, 1.0)
    layer = model.channels["offline"].incoming()
    share = rules.contacts_fan_share(model.people.state == Funnel.FAN, layer.indptr, layer.indices, pool)
    np.testing.assert_allclose(peers.rate, 0.3 * 0.8 * share)
    assert np.ptp(peers.rate) > 0  # people differ, unlike the population-wide rate


@pytest.mark.parametrize("backend", ["vector", "agents"])
def test_ties_runs_in_both_engines_and_changes_the_run(backend):
    def final(reach: str) -> float:
        sc = load_scenario(None, [*BASE, f'run.backend="{backend}"', f'community.peer_reach="{reach}"'])
        return float(run_replicate(sc, replicate_seeds(SEED, 1)[0])["participations"].iloc[-1])

    assert final("ties") != final("population")

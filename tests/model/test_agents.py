"""The per-agent Mesa backend: its agents, its channels' per-person readings, its parts of the step.

That it gives the vector backend's runs bit for bit (the same keyed draws for the same decisions) is
checked on every shipped scenario in tests/model/test_keyed_draws.py; until the draws were keyed (issue
25) the two backends were compared here by KS tests on 40 replicates per case, which an exact check
now supersedes.
"""

from pathlib import Path

import numpy as np
import pytest

from sim.config.scenario import load_scenario
from sim.model.model import WomModel
from sim.model.state import POSITIVE
from sim.model.streams import StepDraws

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def test_agents_backend_uses_mesa_agents():
    from sim.model.agents import Consumer
    from sim.model.model import WomModel

    sc = load_scenario(SCENARIOS / "default.toml", ["population.size=200", "seed_users.count=5", "run.backend=agents"])
    model = WomModel(sc, 0)
    consumers = model.agents.select(agent_type=Consumer)
    assert len(consumers) == 200
    model.step()
    assert model.records[-1]["step"] == 1


@pytest.mark.parametrize("name", ["weibo", "forum"])
def test_a_consumer_reads_posts_made_after_an_earlier_reading_in_the_same_step(name):
    """What a channel finds once per step for the per-agent rule is found again after a post: reading,
    posting, reading again gives what a channel that saw the post first gives, with the same draws. Every post
    is read (reach 1), by the person with the most in-neighbours (Weibo) or memberships (forum)."""
    sc = load_scenario(
        SCENARIOS / "default.toml",
        [
            "population.size=300",
            "seed_users.count=10",
            "channels.forum.enabled=true",
            "channels.weibo.enabled=true",
            "channels.forum.reach=1",
            "channels.weibo.reach=1",
        ],
    )
    readings = []
    for read_first in (True, False):
        ch = WomModel(sc, 3).channels[name]
        if name == "weibo":
            inc = ch.incoming()
            i = int(np.argmax(np.diff(inc.indptr)))
            posters = inc.indices[inc.indptr[i] : inc.indptr[i + 1]]
        else:
            g = ch.groups
            i = int(np.argmax(np.diff(g.agent_ptr)))
            slots = g.agent_slots[g.agent_ptr[i] : g.agent_ptr[i + 1]]
            posters = np.setdiff1d(g.members[np.isin(g.slot_group, g.slot_group[slots])], [i])
        if read_first:
            ch.prepare(1)
            assert ch.contacts_of(i, 1, 0.0, StepDraws(np.random.SeedSequence(0))) == ([], [])
        ch.post(posters.astype(np.int64), np.full(len(posters), POSITIVE, dtype=np.int8), 1)
        ch.prepare(1)
        readings.append(ch.contacts_of(i, 1, 0.0, StepDraws(np.random.SeedSequence(5))))
    assert readings[0] == readings[1] and len(readings[0][0]) > 0

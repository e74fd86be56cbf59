"""Reach per talker on each channel (seed S33), against the built networks read directly."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.scenario import load_scenario
from sim.model.model import WomModel
from sim.model.rules import post_probability
from sim.run.reach import reach_per_talker, readers_per_day

SEED = 33
SMALL = ["population.size=3000", "seed_users.count=30"]


def test_readers_per_day_are_posts_per_day_times_audience_times_reach():
    assert readers_per_day(np.array([10.0]), speed=0.5, reach=0.2, dt=1.0)[0] == pytest.approx(0.5 * 10 * 0.2)
    assert readers_per_day(np.array([10.0]), speed=4.0, reach=0.2, dt=0.5)[0] == pytest.approx(2.0 * 10 * 0.2)


def test_each_channel_row_is_its_network_read_directly():
    scenario = load_scenario("default", SMALL)
    table = reach_per_talker(scenario, SEED).set_index("channel")
    model = WomModel(scenario, SEED)  # the same seed builds the same networks
    offline, forum, weibo = (model.channels[c] for c in ("offline", "forum", "weibo"))
    degree = np.diff(offline.layer.indptr)
    per_post = post_probability(1.0, offline.cfg.speed, model.dt) / model.dt * offline.cfg.reach
    assert table.loc["offline", "audience_mean"] == pytest.approx(degree.mean())
    assert table.loc["offline", "readers_per_day_max"] == pytest.approx(degree.max() * per_post)
    assert table.loc["offline", "times_offline_mean"] == pytest.approx(1.0)
    assert table.loc["forum", "can_post"] == pytest.approx(forum.member.mean())
    followers = weibo.layer.out_degree()
    weibo_per_post = post_probability(1.0, weibo.cfg.speed, model.dt) / model.dt * weibo.cfg.reach
    assert table.loc["weibo", "readers_per_day_max"] == pytest.approx(followers.max() * weibo_per_post)
    assert table.loc["weibo", "times_offline_max"] == pytest.approx(
        followers.max() * weibo_per_post / (degree.mean() * per_post)
    )


def test_without_an_offline_network_there_is_nothing_to_compare_with():
    with pytest.raises(ValueError, match="offline network"):
        reach_per_talker(load_scenario("default", [*SMALL, 'network.kind="well_mixed"']), SEED)

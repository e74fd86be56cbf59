"""A market of brands on the forum, Weibo and WeChat (`sim.model.group_channel` per brand, `sim.model.brand_contacts`):
a group read of one brand's posts has its exact chances, two identical brands split the market, a brand with
more posting owners gains more, category talk on the forum moves readers toward the other brand, buyers are
credited to the channel that persuaded them, and reading in chunks or parts changes nothing.

Statistical tests state their replicates, seed and tolerance in their docstrings (chosen before running them);
the others are exact.
"""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.scenario import scenario_from_dict
from sim.model import backends, edge_channel, rules
from sim.model.brands import make_model
from sim.model.group_channel import brand_read_chances
from sim.run.runner import run_scenario

#: Talk on the forum and WeChat only: a well-mixed market without well-mixed talk (wom.q = 0) and no ads,
#: so every adoption beyond the seed users comes through a group channel.
GROUPS_ONLY = {
    "run": {"days": 60, "replicates": 10, "seed": 7},
    "population": {"size": 1000, "official_accounts": 0},
    "network": {"kind": "well_mixed"},
    "wom": {"q": 0.0, "transmission": 0.3, "transmission_cross": 0.05},
    "relationship": {"participation_rate": 0.0},
    "channels": {
        "forum": {"enabled": True, "membership": 0.5, "board_size": 100},
        "wechat": {"enabled": True},
    },
    "seed_users": {"count": 10},
    "brands": {"a": {}, "b": {}},
}


def scenario(overrides=(), brands=None, **sections):
    data = {**GROUPS_ONLY, **sections}
    if brands is not None:
        data["brands"] = brands
    return scenario_from_dict(data, list(overrides))


def last_rows(sc):
    return run_scenario(sc).timeseries.groupby("replicate").last()


def test_a_group_read_of_one_brands_posts_has_the_chances_of_k_independent_posts():
    """k posts of a brand, each read with chance r and then persuading toward it (p) or across (p_cross): the
    one-uniform cut gives the chances of k independent posts. Compared with 10^5 simulated members (numpy
    seed 1), each chance within 0.01 (over 6 standard errors, chosen before running)."""
    r, p, pc, k, trials = 0.4, 0.5, 0.3, 3, 100_000
    rng = np.random.default_rng(1)
    u = rng.random(trials)
    seen, within, cross = brand_read_chances(r, np.full(trials, p), np.full(trials, pc), np.full(trials, k), u)
    outcome = rng.random((trials, k))  # per post: within below r p, across from r p to r (p + pc), else not read
    read = rng.random((trials, k)) < r
    sim_within = (read & (outcome < p)).any(axis=1)
    sim_cross = (read & (outcome >= p) & (outcome < p + pc)).any(axis=1)
    pairs = [
        (seen, read.any(axis=1)),
        (within, sim_within),
        (cross, sim_cross),
        (within & cross, sim_within & sim_cross),
    ]
    for got, expected in pairs:
        assert abs(got.mean() - expected.mean()) < 0.01
    assert not (within & ~seen).any() and not (cross & ~seen).any()  # persuaded only by what was seen


def test_without_cross_talk_a_group_read_is_the_one_brand_read():
    u = np.linspace(0, 1, 1001, endpoint=False)
    k = np.full(len(u), 4)
    seen, within, cross = brand_read_chances(0.3, np.full(len(u), 0.6), np.zeros(len(u)), k, u)
    assert np.array_equal(within, u < rules.at_least_one(0.3 * 0.6, 4))
    assert np.array_equal(seen, u < rules.at_least_one(0.3, 4))
    assert not cross.any()


def test_two_identical_brands_on_the_forum_and_wechat_split_the_market():
    """Two identical brands (10 seed users each), talk on the forum and WeChat only. 10 replicates (run seed 7);
    chosen before running: the mean share difference (owners_a - owners_b) / N lies within 3 standard errors
    of 0, and each brand's mean owners are at least 3 times its seed users (the channels carry the talk)."""
    last = last_rows(scenario())
    diff = (last.owners_a - last.owners_b) / 1000
    assert abs(diff.mean()) <= 3 * diff.std(ddof=1) / np.sqrt(len(diff))
    assert last.owners_a.mean() >= 30 and last.owners_b.mean() >= 30


#: The early phase of a market: the last step on which at most this share of people own a brand.
EARLY = 0.2


def test_a_brand_whose_owners_post_more_gains_more_and_buyers_are_credited_to_the_groups():
    """Brand a with 30 seed users, b with 10, no category talk. 10 replicates (run seed 7), each read at its last
    step with at most 20% of people owners (the early phase: a first version read day 60, after both groups had
    saturated, unaware = 0, where the bigger brand's lead shrinks; ratio 1.8). Chosen before running: a's new
    owners (beyond its seed users) are more than twice b's, summed over the replicates (about three times when
    posts persuade in proportion to their brand's posters). Exact, at the end: every adoption beyond the seed
    users is credited to the forum or WeChat, the only channels."""
    brands = {"a": {"seed_users": {"count": 30}}, "b": {"seed_users": {"count": 10}}}
    ts = run_scenario(scenario(["wom.transmission_cross=0", "run.days=40"], brands=brands)).timeseries
    early = ts[ts.adopted_total <= EARLY * 1000].groupby("replicate").last()
    assert len(early) == 10 and (early.step > 1).all()
    assert (early.owners_a - 30).sum() > 2 * (early.owners_b - 10).sum()
    last = ts.groupby("replicate").last()
    assert (last.adopt_forum + last.adopt_wechat == last.adopted_total - 40).all()
    assert (last.adopt_forum > 0).all() and (last.adopt_wechat > 0).all()
    assert (last[["adopt_offline", "adopt_weibo", "adopt_advertising"]] == 0).all().all()


def test_category_talk_on_the_groups_moves_readers_toward_the_other_brand_only():
    """No within-brand talk (transmission 0), category talk only: a's seed users' posts can only persuade toward
    b, so the first people to buy buy b (exact, one replicate), and b, without seed users or ads, gets owners."""
    brands = {"a": {"seed_users": {"count": 20}}, "b": {"seed_users": {"count": 0}}}
    sc = scenario(["wom.transmission=0", "wom.transmission_cross=0.5", "run.days=40"], brands=brands)
    m = make_model(sc, 3)
    first_sale = None
    for _ in range(sc.run.n_steps):
        before = m.owners.copy()
        m.step()
        if first_sale is None and (m.owners != before).any():
            first_sale = m.owners - before
    assert first_sale is not None and first_sale[0] == 0 and first_sale[1] > 0
    assert m.owners[1] > 0


#: Every channel at once, small: the offline network, the forum, Weibo and WeChat.
ALL_CHANNELS = [
    "network.kind='small_world'",
    "channels.weibo.enabled=true",
    "run.days=40",
    "run.replicates=1",
    "wom.transmission_cross=0.1",
    "engine.rejection=0.2",
    "engine.experience_sd=0.4",
    "engine.detractor_margin=-0.1",
]


def rows(overrides=()):
    return make_model(scenario([*ALL_CHANNELS, *overrides]), 5).run()


def test_chunks_and_receiver_parts_do_not_change_a_market_of_brands(monkeypatch):
    """Exact: edge channels' senders in chunks of 97 out-ties, and receivers read in 3 parts, give the run of
    one chunk and one part (every read keyed by what it decides), with negative posts and category talk."""
    whole = rows()
    assert whole[-1]["adopt_forum"] > 0 and whole[-1]["adopt_weibo"] > 0 and whole[-1]["detractors"] > 0
    monkeypatch.setattr(edge_channel, "CHUNK_CONTACTS", 97)
    assert rows() == whole
    monkeypatch.setattr(backends, "RECEIVER_PARTS", 3)
    assert rows() == whole


@pytest.mark.parametrize("channel", ["forum", "weibo", "wechat"])
def test_each_channel_alone_carries_a_brands_talk(channel):
    """Exact: with one channel the only talk, every adoption beyond the seed users is credited to it, and every
    person made aware is credited to a channel (none to 'no channel')."""
    sets = ["run.replicates=1", "run.days=40", f"channels.{channel}.enabled=true"]
    sets += [f"channels.{c}.enabled=false" for c in ("forum", "weibo", "wechat") if c != channel]
    m = make_model(scenario(sets), 2)
    m.run()
    r = m.records[-1]
    assert r[f"adopt_{channel}"] == r["adopted_total"] - 20 > 0
    assert sum(r[f"aware_{c}"] for c in ("seed", "offline", "forum", "weibo", "wechat", "advertising")) == (
        1000 - r["unaware"]
    )
    assert (m.people.aware_channel[m.people.state > 0] >= 0).all()

"""The per-agent Mesa backend and the vectorised backend give the same distributions of outcomes.

Each case runs R = 40 replicates per backend from master seed 7 (agents) and 8 (vector) and compares
per-replicate outcomes with two-sample Kolmogorov-Smirnov tests; with 5 metrics x 7 cases the
per-test level is 0.001/35 (Bonferroni: family-wise false alarm 0.1%). A wrong rule in either backend
(e.g. a doubled transmission, a missing persuasion weight) shifts these distributions far beyond that;
`test_a_wrong_rule_is_caught` checks that a 20% stronger transmission in one backend is.
"""

import functools
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from sim.config.scenario import load_scenario
from sim.model.model import WomModel
from sim.model.state import POSITIVE
from sim.model.streams import SequentialDraws, replicate_seeds
from sim.run.metrics import summarize_replicate
from sim.run.runner import run_replicate

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
REPLICATES = 40
METRICS = ("final_adoption", "time_to_10pct", "time_to_50pct", "fan_share", "detractor_share")
ALPHA = 0.001 / (len(METRICS) * 7)

CASES = {
    "bass": (SCENARIOS / "docking" / "bass.toml", ["population.size=300", "run.dt=1", "run.days=25"]),
    "cascade": (
        SCENARIOS / "docking" / "cascade.toml",
        ["population.size=300", "network.mean_degree=6", "wom.transmission=0.3", "run.days=20"],
    ),
    "default": (
        SCENARIOS / "default.toml",
        [
            "population.size=300",
            "run.days=40",
            "seed_users.count=10",
            "population.employees=5",
            "channels.wechat.enabled=true",
            "wom.transmission=0.2",
        ],
    ),
    "mediocre-pushed": (
        SCENARIOS / "default.toml",
        [
            "population.size=300",
            "run.days=40",
            "seed_users.count=10",
            "engine.quality=0.45",
            "advertising.p_max=0.02",
            "advertising.spend_scale=2.5",  # spend 50 = 20 scales: p = p_max
            "advertising.spend_per_day=50",
            "official.posts_per_day=3",
        ],
    ),
    # playbook mechanisms: fan building, super users, iteration, forum replies, meetups, open nodes
    "miui": (
        SCENARIOS / "playbook" / "miui.toml",
        [
            "population.size=300",
            "run.days=40",
            "seed_users.count=10",
            "channels.weibo.start_day=15",
            "fan_building.super_users=3",
            "forum_service.engineers=1",
            "forum_service.replies_per_engineer=2",
            "meetups.every_days=10",
            "meetups.min_attendees=3",
            "meetups.max_attendees=5",
        ],
    ),
    # embedded sharing, interaction design and a pre-launch meme
    "sharing": (
        SCENARIOS / "playbook" / "embedded_sharing.toml",
        [
            "population.size=300",
            "run.days=40",
            "seed_users.count=10",
            "events.launch_day=5",
            "events.topics=[{day=1, days=3, talk_boost=3.0}]",
        ],
    ),
    # overloaded self-media and a community that goes on when the brand steps back
    "self-media-community": (
        SCENARIOS / "playbook" / "self_media_overloaded.toml",
        [
            "population.size=300",
            "run.days=40",
            "seed_users.count=10",
            "community.enabled=true",
            "community.horizontal=0.8",
            "community.brand_steps_back_day=20",
            "relationship.participation_rate=0.2",
            "channels.weibo.official_followers=0.3",
        ],
    ),
}


@functools.cache
def outcomes(path, overrides: tuple[str, ...], backend, seed):
    """Per-replicate METRICS of REPLICATES replicates; kept, so that a run two tests share (the default
    case's vector run: its agreement test and the wrong-rule test, in one xdist group) runs once per worker.
    Replicate r runs from the r-th child of `seed`, as in `run_scenario`, whose whole-run summary (a Bass fit
    per replicate, more than the vector run itself costs) is left out: each replicate is summarized once."""
    sc = load_scenario(path, [*overrides, f"run.backend={backend}"])
    frames = [run_replicate(sc, seq, r) for r, seq in enumerate(replicate_seeds(seed, REPLICATES))]
    rows = [summarize_replicate(frame, sc.population.size) for frame in frames]
    return {m: np.array([r[m] for r in rows], dtype=float) for m in METRICS}


#: The default case shares its vector run with `test_a_wrong_rule_is_caught` (same worker under --dist loadgroup).
SHARED_RUNS = pytest.mark.xdist_group("agents-default")


@pytest.mark.slow
@pytest.mark.parametrize(
    "case", [pytest.param(case, marks=SHARED_RUNS) if case == "default" else case for case in CASES]
)
def test_backends_agree(case):
    path, overrides = CASES[case]
    overrides = tuple(overrides)
    agents = outcomes(path, overrides, "agents", seed=7)
    vector = outcomes(path, overrides, "vector", seed=8)
    assert np.nanmean(vector["final_adoption"]) > 0.05, "case must actually spread"
    for m in METRICS:
        a, v = agents[m][~np.isnan(agents[m])], vector[m][~np.isnan(vector[m])]
        if len(a) < 5 or len(v) < 5:  # e.g. 50% never reached in either backend
            assert abs(len(a) - len(v)) <= REPLICATES // 4, m
            continue
        if np.ptp(np.concatenate([a, v])) == 0:
            continue
        p = stats.ks_2samp(a, v).pvalue
        assert p > ALPHA, f"{case}: {m} differs (KS p={p:.2g}; agents mean {a.mean():.3f}, vector {v.mean():.3f})"


def test_agents_backend_uses_mesa_agents():
    from sim.model.agents import Consumer
    from sim.model.model import WomModel

    sc = load_scenario(SCENARIOS / "default.toml", ["population.size=200", "seed_users.count=5", "run.backend=agents"])
    model = WomModel(sc, 0)
    consumers = model.agents.select(agent_type=Consumer)
    assert len(consumers) == 200
    model.step()
    assert model.records[-1]["step"] == 1


@pytest.mark.slow
@SHARED_RUNS
def test_a_wrong_rule_is_caught():
    """The same comparison fails when one backend's word of mouth is 20% more persuasive (default case,
    transmission 0.2 against 0.24, same replicates and seeds): in this case final adoption is capped by
    the product (about 74% either way), and the speed shows it: time to 50% differs at KS p < ALPHA."""
    path, overrides = CASES["default"]
    agents = outcomes(path, (*overrides, "wom.transmission=0.24"), "agents", seed=7)
    vector = outcomes(path, tuple(overrides), "vector", seed=8)
    assert stats.ks_2samp(agents["time_to_50pct"], vector["time_to_50pct"]).pvalue < ALPHA


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
            assert ch.contacts_of(i, 1, 0.0, SequentialDraws(np.random.default_rng(0))) == ([], [])
        ch.post(posters.astype(np.int64), np.full(len(posters), POSITIVE, dtype=np.int8), 1)
        ch.prepare(1)
        readings.append(ch.contacts_of(i, 1, 0.0, SequentialDraws(np.random.default_rng(5))))
    assert readings[0] == readings[1] and len(readings[0][0]) > 0

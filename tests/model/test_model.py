"""The model: bookkeeping invariants, reproducibility, and docking against theory no one here wrote."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.config.errors import ScenarioError
from sim.config.scenario import load_scenario
from sim.model import build, theory
from sim.model.model import WomModel
from sim.model.state import CHANNELS, FUNNEL_COLUMNS
from sim.run.runner import run_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
BASS = SCENARIOS / "docking" / "bass.toml"
CASCADE = SCENARIOS / "docking" / "cascade.toml"
DEFAULT = SCENARIOS / "default.toml"

SMALL_DEFAULT = ["population.size=1500", "run.days=60", "seed_users.count=30", "population.employees=10"]


def run_frame(scenario, seed=0):
    model = WomModel(scenario, seed)
    model.run()
    return pd.DataFrame(model.records), model


@pytest.mark.parametrize("backend", ["vector", "agents"])
def test_bookkeeping_is_consistent(backend):
    sc = load_scenario(
        DEFAULT,
        SMALL_DEFAULT
        + [
            f"run.backend={backend}",
            "population.size=400",
            "run.days=30",
            "seed_users.count=10",
            "channels.wechat.enabled=true",
            "advertising.p_max=0.01",
            "advertising.spend_scale=5",  # spend 100 = 20 scales: p = p_max
            "advertising.spend_per_day=100",
        ],
    )
    df, model = run_frame(sc, seed=3)
    n = sc.population.size
    assert (df[list(FUNNEL_COLUMNS)].sum(axis=1) == n).all()
    # everyone who ever adopted is an adopter, fan or detractor (no path leaves the adopted states)
    assert (df.adopters + df.fans + df.detractors == df.adopted_total).all()
    assert (df.adopted_total.diff().fillna(0) == df.new_adopters).all()
    assert (df[[f"adopt_{c}" for c in CHANNELS]].sum(axis=1) == df.adopted_total).all()
    assert (df[[f"aware_{c}" for c in CHANNELS]].sum(axis=1) == n - df.unaware).all()
    assert df.adopted_total.is_monotonic_increasing and df.unaware.is_monotonic_decreasing
    assert np.isclose(df.cost.iloc[-1], 100 * sc.run.days)
    assert df.adopted_total.iloc[-1] > df.adopted_total.iloc[0]
    # the arrays agree with the counts
    assert np.bincount(model.people.state, minlength=6).tolist() == df[list(FUNNEL_COLUMNS)].iloc[-1].tolist()


def test_same_seed_same_result_different_seed_different():
    sc = load_scenario(DEFAULT, SMALL_DEFAULT)
    a, _ = run_frame(sc, seed=11)
    b, _ = run_frame(sc, seed=11)
    c, _ = run_frame(sc, seed=12)
    pd.testing.assert_frame_equal(a, b)
    assert not a.equals(c)


def test_replicates_do_not_depend_on_how_many_are_run():
    sc = load_scenario(DEFAULT, SMALL_DEFAULT)
    three = run_scenario(sc, seed=5, replicates=3).timeseries
    one = run_scenario(sc, seed=5, replicates=1).timeseries
    pd.testing.assert_frame_equal(three[three.replicate == 0].reset_index(drop=True), one)


def test_channels_switched_off_carry_nothing():
    sc = load_scenario(DEFAULT, SMALL_DEFAULT + ["channels.weibo.enabled=false", "seed_users.choice=random"])
    df, model = run_frame(sc)
    assert "weibo" not in model.channels
    assert df.adopt_weibo.iloc[-1] == 0 and df.aware_weibo.iloc[-1] == 0
    assert df.adopt_forum.iloc[-1] > 0


def test_channel_sequencing_opens_late_channel():
    sc = load_scenario(DEFAULT, SMALL_DEFAULT + ["channels.weibo.start_day=30", "channels.forum.stop_day=10"])
    df, _ = run_frame(sc)
    assert df.loc[df.time <= 30, "aware_weibo"].max() == 0
    assert df.aware_weibo.iloc[-1] > 0
    late_forum = df.loc[df.time > 11, "aware_forum"]
    assert late_forum.nunique() == 1  # no forum awareness after the forum closes


@pytest.mark.parametrize("backend", ["vector", "agents"])
def test_a_layer_waiting_for_adoption_opens_in_the_step_after_the_share_is_reached_as_ads_do(backend):
    """channels.weibo.start_at_adoption: closed while the adopted share at the start of a step is below it,
    open from the step after the one whose adoptions reach it: the same step as ads with the same share."""
    share = 0.05
    sc = load_scenario(
        DEFAULT,
        SMALL_DEFAULT
        + [
            f"run.backend={backend}",
            f"channels.weibo.start_at_adoption={share}",
            f"advertising.start_at_adoption={share}",
            "advertising.spend_per_day=1000",
        ],
    )
    model = WomModel(sc, 3)
    threshold = share * model.n
    reached_before, weibo_open, ads_on = [], [], []
    for _ in range(sc.run.n_steps):
        day = model.step_index * model.dt
        reached_before.append(model.people.adopted_total >= threshold)
        weibo_open.append("weibo" in [ch.name for ch in model.open_channels(day)])
        model.step()
        ads_on.append(model._ads_on)
    df = pd.DataFrame(model.records)
    assert weibo_open == reached_before == ads_on
    first = weibo_open.index(True)  # steps are numbered from 1: list index k is step k + 1
    assert 0 < first, "the share must not be reached at the start for this test to say anything"
    assert df.adopted_total.iloc[first] >= threshold > df.adopted_total.iloc[first - 1]  # row 0: the start
    assert df.aware_weibo.iloc[first] == 0 and df.aware_weibo.iloc[-1] > 0


def test_the_offline_layer_waits_for_adoption_in_the_well_mixed_field_too():
    small = ["population.size=500", "run.days=5", "seed_users.count=10"]
    waiting = WomModel(load_scenario(BASS, [*small, "network.start_at_adoption=1.0"]), 0)
    open_now = WomModel(load_scenario(BASS, small), 0)
    assert not waiting.layer_open(waiting.cfg.network, 0.0) and open_now.layer_open(open_now.cfg.network, 0.0)
    for model in (waiting, open_now):
        model.step()
        model.talk.prune(2)  # the talkers of step 2, as its start would find them
    day = waiting.dt
    assert waiting.field_rates(2, day)[1] == 0.0 < open_now.field_rates(2, day)[1]


def test_seed_user_choices():
    base = SMALL_DEFAULT + ["population.employees=0"]
    hubs = WomModel(load_scenario(DEFAULT, base + ["seed_users.choice=hubs"]), 1)
    rand = WomModel(load_scenario(DEFAULT, base + ["seed_users.choice=random"]), 1)
    forum = WomModel(load_scenario(DEFAULT, base + ["seed_users.choice=community"]), 1)
    deg = build.degree(hubs.channels, hubs.n)
    seeds_h = np.flatnonzero(hubs.people.kind == 1)
    assert deg[seeds_h].min() >= np.sort(deg)[-len(seeds_h)]  # the top-degree people
    assert deg[np.flatnonzero(rand.people.kind == 1)].mean() < deg[seeds_h].mean()
    assert forum.channels["forum"].member[forum.people.kind == 1].all()


def test_too_many_community_seeds_is_a_clear_error():
    sc = load_scenario(DEFAULT, SMALL_DEFAULT + ["seed_users.count=500", "channels.forum.membership=0.01"])
    with pytest.raises(ScenarioError, match="seed_users.count"):
        WomModel(sc, 0)


def test_bad_product_makes_detractors_and_rejecters():
    good = load_scenario(DEFAULT, SMALL_DEFAULT + ["engine.quality=0.8"])
    bad = load_scenario(DEFAULT, SMALL_DEFAULT + ["engine.quality=0.3"])
    g, _ = run_frame(good, 1)
    b, _ = run_frame(bad, 1)
    assert b.detractors.iloc[-1] / max(1, b.adopted_total.iloc[-1]) > g.detractors.iloc[-1] / g.adopted_total.iloc[-1]
    assert b.adopted_total.iloc[-1] < g.adopted_total.iloc[-1]


def test_edgelist_network(tmp_path):
    edges = tmp_path / "ring.txt"
    edges.write_text("\n".join(f"{i} {(i + 1) % 50}" for i in range(50)))
    sc = load_scenario(
        None,
        [
            "population.size=50",
            "seed_users.count=1",
            'network.kind="edgelist"',
            f'network.path="{edges}"',
            "run.days=200",
            "engine.expectation_sd=0",
            "engine.quality=1",
            "engine.expectation_mean=0",
            "engine.sensitivity=0",
            "engine.max_conversion=1",
            "engine.experience_sd=0",
            "wom.transmission=1",
            "network.tie_strength=1",
            "network.reach=1",
            "network.speed=1",
            "population.official_accounts=0",
        ],
    )
    df, model = run_frame(sc)
    # a ring with certain transmission: exactly two new adopters per step until everyone adopted
    assert df.adopted_total.iloc[-1] == 50
    assert list(df.adopted_total.iloc[:4]) == [1, 3, 5, 7]


# --- docking: the model reduces to the Bass model and to bond percolation ---------------------------

BASS_TOLERANCE = 0.02  # stated by the issue: |mean F - Bass F| at every time
RECURSION_TOLERANCE = 0.015  # dt = 1: |mean F - discrete recursion| at every step
BASS_PAIRS = [(0.03, 0.38), (0.01, 0.5)]


@pytest.mark.slow
@pytest.mark.parametrize("p, q", BASS_PAIRS)
def test_bass_closed_form(p, q):
    """20 replicates, N = 10,000, dt = 0.05, seed 1969 (scenario): mean F(t) within 0.02 of the closed form."""
    sc = load_scenario(BASS, [f"advertising.p_max={p}", f"wom.q={q}", "population.size=10000"])
    assert sc.run.replicates == 20 and sc.run.dt == 0.05
    ts = run_scenario(sc).timeseries
    mean = ts.groupby("time").adopted_total.mean() / sc.population.size
    err = np.abs(mean.to_numpy() - theory.bass_cdf(mean.index.to_numpy(), p, q))
    assert err.max() < BASS_TOLERANCE, f"max deviation {err.max():.4f}"
    assert mean.iloc[-1] > 0.95  # the whole curve was covered


@pytest.mark.slow
@pytest.mark.parametrize("p, q", BASS_PAIRS)
def test_bass_discrete_recursion_at_dt_one(p, q):
    """20 replicates, N = 10,000, dt = 1, seed 1969: the mean path follows F(n+1) = F(n) + (p + qF)(1 - F)."""
    sc = load_scenario(BASS, [f"advertising.p_max={p}", f"wom.q={q}", "run.dt=1"])
    ts = run_scenario(sc).timeseries
    mean = ts.groupby("step").adopted_total.mean().to_numpy() / sc.population.size
    recursion = theory.bass_discrete(len(mean) - 1, p, q)
    assert np.abs(mean - recursion).max() < RECURSION_TOLERANCE
    # and the test can tell: at dt = 1 the continuous closed form is far off
    assert np.abs(mean - theory.bass_cdf(np.arange(len(mean)), p, q)).max() > 3 * RECURSION_TOLERANCE


CASCADE_TOLERANCE = 0.02
TOOK_OFF = 0.05  # a run took off if more than 5% adopted (10 seeds are 0.01%)


@pytest.mark.slow
@pytest.mark.parametrize("k, T", [(10, 0.2), (5, 0.5)])
def test_cascade_matches_bond_percolation(k, T):
    """20 replicates, N = 100,000, seed 1957: mean final size of runs that took off within 0.02 of S = 1 - exp(-kTS)."""
    sc = load_scenario(CASCADE, [f"network.mean_degree={k}", f"wom.transmission={T}", "population.size=100000"])
    ts = run_scenario(sc).timeseries
    final = ts.groupby("replicate").adopted_total.last().to_numpy() / sc.population.size
    took_off = final[final > TOOK_OFF]
    assert len(took_off) >= 18  # with 10 seeds and kT >= 2 extinction has probability < 1e-6
    expected = theory.percolation_giant_fraction(k, T)
    assert abs(took_off.mean() - expected) < CASCADE_TOLERANCE
    # the cascade had ended: nobody adopted in the last steps
    assert ts.groupby("replicate").new_adopters.apply(lambda s: s.iloc[-10:].sum()).max() == 0


@pytest.mark.slow
def test_cascade_on_community_blocks_matches_bond_percolation():
    """A symmetric block model has ER's Poisson(k) neighbourhoods, so its cascade ends at the same
    S = 1 - exp(-kTS) whatever the mixing: 20 replicates, N = 100,000 in 100 communities with 5% of
    ties outside, seed 1957, tolerance CASCADE_TOLERANCE. A layer with the wrong degrees fails."""
    sc = load_scenario(
        CASCADE,
        ["network.kind=community_blocks", "network.blocks=100", "network.mixing=0.05", "population.size=100000"],
    )
    final = run_scenario(sc).timeseries.groupby("replicate").adopted_total.last().to_numpy() / sc.population.size
    took_off = final[final > TOOK_OFF]
    assert len(took_off) >= 18
    assert abs(took_off.mean() - theory.percolation_giant_fraction(10, 0.2)) < CASCADE_TOLERANCE


@pytest.mark.slow
def test_cascade_below_threshold_dies_out():
    """kT = 0.5 < 1: 20 replicates never reach 5% (the percolation threshold is real)."""
    sc = load_scenario(CASCADE, ["network.mean_degree=5", "wom.transmission=0.1", "population.size=20000"])
    ts = run_scenario(sc).timeseries
    final = ts.groupby("replicate").adopted_total.last() / sc.population.size
    assert final.max() < TOOK_OFF

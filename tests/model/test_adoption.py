"""Adoption rules (`wom.rule`): the rule functions, the rule objects, both backends, and Centola's
complex contagion on a ring. The Watts docking test is in tests/model/test_threshold_docking.py."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from scipy import stats

from sim.config.scenario import load_scenario
from sim.model import rules, theory
from sim.model.model import WomModel
from sim.model.state import POSITIVE, Funnel
from sim.model.streams import replicate_seeds

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
THRESHOLD = SCENARIOS / "docking" / "threshold.toml"
CASCADE = SCENARIOS / "docking" / "cascade.toml"

# --- the pure rule functions ------------------------------------------------------------------------


def test_neighbours_needed_is_the_smallest_count_reaching_the_share():
    # phi = 0.18: degree 5 needs 1 (0.2 >= 0.18), degree 6 needs 2 (1/6 < 0.18 <= 2/6)
    assert rules.neighbours_needed(0.18, 5) == 1
    assert rules.neighbours_needed(0.18, 6) == 2
    assert rules.neighbours_needed(0.2, 5) == 1  # exactly at the share: no floating-point 2
    assert rules.neighbours_needed(0.5, 4) == 2
    assert rules.neighbours_needed(1.0, 7) == 7
    assert rules.neighbours_needed(0.0, 7) == 1  # never persuaded by no one
    assert rules.neighbours_needed(0.3, 0) == 1  # nobody to follow: never
    got = rules.neighbours_needed(np.array([0.1, 0.25, 0.6]), np.array([10, 4, 5]))
    assert list(got) == [1, 1, 3]


def test_threshold_and_dose_tests():
    assert rules.threshold_reached(2, 2) and not rules.threshold_reached(1, 2)
    assert list(rules.threshold_reached(np.array([0, 3]), np.array([1, 3]))) == [False, True]
    assert rules.dose_reached(2, 2) and not rules.dose_reached(1, 2)
    assert rules.memory_steps(7, 1.0) == 7 and rules.memory_steps(0.1, 1.0) == 1 and rules.memory_steps(1, 0.25) == 4


def test_vulnerable_degree_and_the_window_from_theory():
    assert theory.vulnerable_degree(0.18) == 5 and theory.vulnerable_degree(0.2) == 5
    low, high = theory.watts_cascade_window(0.18)
    assert 1.0 < low < 1.1 and 5.5 < high < 6.0  # z P(Poisson(z) <= 3) = 1 at both ends
    assert theory.watts_cascade_condition(low, 0.18) == pytest.approx(1.0, abs=1e-9)
    assert theory.watts_cascade_probability(0.6, 0.18) == 0.0 and theory.watts_cascade_probability(8, 0.18) == 0.0


def test_extended_cluster_is_the_giant_component_when_everyone_is_vulnerable():
    # phi tiny: every degree is vulnerable, so the extended cluster of a random node is the giant
    # component S = 1 - exp(-z S) (a node in it, or next to it, which is the same on a tree)
    for z in (1.5, 3.0):
        assert theory.watts_cascade_probability(z, 1e-6) == pytest.approx(theory.percolation_giant_fraction(z, 1.0))


# --- the rules in the model ---------------------------------------------------------------------------


def run_final(scenario, seed):
    model = WomModel(scenario, seed)
    model.run()
    return model


def test_threshold_counts_follow_adoptions():
    """Every person's adopted-neighbour count equals the adopters among their neighbours, at every step."""
    sc = load_scenario(THRESHOLD, ["population.size=2000", "network.mean_degree=3", "run.days=15"])
    model = WomModel(sc, 3)
    layer = model.channels["offline"].layer
    adjacency = np.zeros((model.n, model.n), dtype=np.int64)
    for j in range(model.n):
        adjacency[j, layer.neighbours(j)] = 1
    for _ in range(15):
        model.step()
        adopted = np.isin(model.people.state, (Funnel.ADOPTER, Funnel.FAN, Funnel.DETRACTOR)).astype(np.int64)
        assert np.array_equal(model.backend.rule.count, adopted @ adjacency)
    # and everyone persuaded had reached their threshold
    rule = model.backend.rule
    bought = np.flatnonzero(model.people.adopt_channel == 1)  # offline
    assert np.all(rule.count[bought] >= rule.needed[bought])


def test_dose_threshold_one_is_the_independent_rule():
    """One dose persuades: the run is the independent cascade's, byte for byte (vector backend)."""
    base = ["population.size=3000", "network.mean_degree=5", "wom.transmission=0.3", "run.days=30"]
    ind = pd.DataFrame(run_final(load_scenario(CASCADE, base), 11).records)
    for distinct in ("false", "true"):
        dose = load_scenario(
            CASCADE, base + ["wom.rule=dose_response", "wom.dose_threshold=1", f"wom.distinct_sources={distinct}"]
        )
        got = pd.DataFrame(run_final(dose, 11).records)
        pd.testing.assert_frame_equal(got, ind)
    assert ind.adopted_total.iloc[-1] > 300  # it spread, so the comparison says something


def dose_rule(distinct: bool):
    sc = load_scenario(
        CASCADE,
        [
            "population.size=10",
            "seed_users.count=1",
            "wom.rule=dose_response",
            f"wom.distinct_sources={str(distinct).lower()}",
            "wom.memory_days=2",
        ],
    )
    return WomModel(sc, 0).backend.rule


def test_dose_memory_counts_and_forgets():
    """Memory of 2 steps: doses of step s count in steps s and s + 1; a returning sender refreshes its dose."""
    rule = dose_rule(distinct=True)
    rule.begin_step(1)
    rule.receive(np.array([3, 3, 3]), np.array([5, 5, 6]), 1)
    assert rule.count[3] == 2  # senders 5 and 6, 5 counted once
    rule.begin_step(2)
    rule.receive(np.array([3]), np.array([5]), 2)  # 5 again: refreshed, not counted twice
    assert rule.count[3] == 2
    rule.begin_step(3)
    assert rule.count[3] == 1  # 6 (step 1) forgotten, 5 (step 2) remembered
    rule.begin_step(4)
    assert rule.count[3] == 0 and rule.count.sum() == 0
    rule = dose_rule(distinct=False)
    rule.begin_step(1)
    rule.receive(np.array([3, 3]), None, 1)
    rule.begin_step(2)
    rule.receive(np.array([3]), None, 2)
    assert rule.count[3] == 3  # every dose counts
    rule.begin_step(3)
    assert rule.count[3] == 1
    rule.begin_step(4)
    assert rule.count[3] == 0


def test_dose_memory_forgets():
    """Two doses needed from whoever sends them; five seed users who keep talking, each posting on a day
    with probability 0.3: with a one-day memory a person needs two posts on the same day (rare), with a
    20-day memory one adopting friend who keeps talking is enough, so the cascade spreads far wider."""
    base = [
        "population.size=3000",
        "network.mean_degree=6",
        "network.speed=0.3",
        "wom.transmission=0.5",
        "wom.active_steps=forever",
        "run.days=40",
        "seed_users.count=5",
        "wom.rule=dose_response",
        "wom.dose_threshold=2",
    ]
    short = run_final(load_scenario(CASCADE, base + ["wom.memory_days=1"]), 5).people.adopted_total
    long = run_final(load_scenario(CASCADE, base + ["wom.memory_days=20"]), 5).people.adopted_total
    assert long > 10 * short and long > 1000


# --- Centola: k = 2 distinct exposures on a ring lattice ---------------------------------------------

RING = 60


def ring_model(extra_seed_neighbour: bool, overrides=()):
    """A ring lattice of 60 people, each tied to the two nearest on either side; every adopter posts to
    all four every step and persuades for sure; two distinct senders in memory are needed."""
    sc = load_scenario(
        CASCADE,
        [
            f"population.size={RING}",
            "network.kind=small_world",
            "network.rewire=0",
            "network.mean_degree=4",
            "seed_users.count=1",
            "wom.transmission=1",
            "wom.active_steps=forever",
            "run.days=60",
            "wom.rule=dose_response",
            "wom.dose_threshold=2",
            "wom.distinct_sources=true",
            "wom.memory_days=1",
            *overrides,
        ],
    )
    model = WomModel(sc, 0)
    seed_user = int(np.flatnonzero(model.people.state == Funnel.ADOPTER)[0])
    assert set(model.channels["offline"].layer.neighbours(seed_user)) == {
        (seed_user + d) % RING for d in (-2, -1, 1, 2)
    }
    if extra_seed_neighbour:  # a seeded neighbourhood: the seed user's neighbour has it too
        friend = np.array([(seed_user + 1) % RING])
        model.people.set_state(friend, np.array([Funnel.ADOPTER], dtype=np.int8))
        model.people.valence[friend] = POSITIVE
        model.people.talk_start[friend] = 1
        model.talk.add(friend)
        model.backend.adopted(friend)
    model.run()
    return int(np.count_nonzero(model.people.state == Funnel.ADOPTER))


def test_two_distinct_exposures_need_a_seeded_neighbourhood():
    """60 people, seed 0: the rule stops one seed user and spreads from a seeded pair (adopters counted)."""
    assert ring_model(False) == 1  # each neighbour hears one sender, again and again
    assert ring_model(True) == RING  # two adjacent adopters: the pair walks round the ring
    # contrast: repeated doses from one sender do count when senders need not be distinct
    assert ring_model(False, ["wom.distinct_sources=false", "wom.memory_days=2"]) == RING


# --- both backends give the same distributions ----------------------------------------------------------

REPLICATES = 40
ALPHA = 0.001  # per KS test (two tests): false alarm < 0.2%

EQUIVALENCE = {
    "threshold": (
        THRESHOLD,
        [
            "population.size=300",
            "network.mean_degree=3",
            "run.days=25",
            "wom.threshold_sd=0.1",
            "engine.max_conversion=0.7",
            "engine.rejection=0.1",
            "seed_users.count=3",
        ],
    ),
    "dose_response": (
        CASCADE,
        [
            "population.size=300",
            "network.mean_degree=6",
            "wom.transmission=0.6",
            "wom.active_steps=4",
            "run.days=25",
            "wom.rule=dose_response",
            "wom.dose_threshold=2",
            "wom.distinct_sources=true",
            "wom.memory_days=3",
            "seed_users.count=10",
        ],
    ),
}


@pytest.mark.slow
@pytest.mark.parametrize("case", EQUIVALENCE)
def test_backends_agree_on_the_rule(case):
    """40 replicates per backend (seeds 7 agents, 8 vector): final adoption and the day 50% of the final
    count was reached have the same distributions (two-sample KS, p > ALPHA each)."""
    path, overrides = EQUIVALENCE[case]
    out = {}
    for backend, seed in (("agents", 7), ("vector", 8)):
        sc = load_scenario(path, [*overrides, f"run.backend={backend}"])
        finals, halves = [], []
        for seq in replicate_seeds(seed, REPLICATES):
            model = run_final(sc, seq)
            series = np.array([r["adopted_total"] for r in model.records])
            finals.append(series[-1])
            halves.append(int(np.argmax(series >= series[-1] / 2)))
        out[backend] = (np.array(finals), np.array(halves))
    for k in range(2):
        assert stats.ks_2samp(out["agents"][k], out["vector"][k]).pvalue > ALPHA
    assert out["vector"][0].mean() > 30  # it spread well beyond the seed users

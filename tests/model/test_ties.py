"""Strong ties in the decision and fans who answer back (issue 17): the rules, the vector backend's
strongest-tie lookup, and zero-equivalence with the model before them.

Zero-equivalence: with relationship.tie_assurance = 0 and relationship.answer_back = 0 set explicitly,
shipped scenarios give byte-identical time series to the default run (both backends; seed fixed before
looking). The agents backend effect tests use common seeds (SEED, AGENT_REPLICATES) and check only the
documented direction of each switch (sim.playbook.core.CORE_SWITCHES).
"""

from __future__ import annotations

import functools

import numpy as np
import pandas as pd
import pytest

from sim.config.scenario import load_scenario
from sim.model import rules
from sim.model.funnel import Block, Contacts, Scratch, strongest_persuasive_tie
from sim.model.model import WomModel
from sim.model.state import NEGATIVE, Funnel
from sim.model.streams import StepDraws, replicate_seeds
from sim.playbook.core import CORE_SWITCHES
from sim.run.runner import run_replicate

SEED = 20261130
ZERO = ["relationship.tie_assurance=0", "relationship.answer_back=0"]


# --- the rules ----------------------------------------------------------------------------------


def test_assured_expectation_closes_only_a_shortfall_in_proportion_to_trust():
    expectation = np.array([0.8, 0.8, 0.4])
    # quality 0.6: shortfall 0.2 for the first two, none for the third (the product beats it)
    got = rules.assured_expectation(expectation, 0.6, np.array([1.0, 0.5, 1.0]), 0.5)
    np.testing.assert_allclose(got, [0.8 - 0.5 * 1.0 * 0.2, 0.8 - 0.5 * 0.5 * 0.2, 0.4])
    assert rules.assured_expectation(0.8, 0.6, 1.0, 1.0) == pytest.approx(0.6)  # full trust, full assurance
    np.testing.assert_array_equal(rules.assured_expectation(expectation, 0.6, 1.0, 0.0), expectation)


def test_assurance_raises_conversion_only_below_expectation():
    base = rules.conversion_probability(0.5, 0.7, 0.1, 0.9)
    assured = rules.conversion_probability(0.5, rules.assured_expectation(0.7, 0.5, 0.8, 0.5), 0.1, 0.9)
    assert assured > base
    above = rules.conversion_probability(0.8, 0.7, 0.1, 0.9)
    assert rules.conversion_probability(0.8, rules.assured_expectation(0.7, 0.8, 1.0, 1.0), 0.1, 0.9) == above


def test_answered_persuasion_falls_with_the_share_of_fans():
    p = np.full(3, 0.4)
    got = rules.answered_persuasion(p, 0.5, np.array([0.0, 0.5, 1.0]))
    np.testing.assert_allclose(got, [0.4, 0.3, 0.2])
    np.testing.assert_array_equal(rules.answered_persuasion(p, 0.0, np.array([0.0, 0.5, 1.0])), p)


def test_fan_share_per_owner():
    is_fan = np.array([True, False, True, True, False])
    owner = np.array([0, 0, 1, 1, 1])
    np.testing.assert_allclose(rules.fan_share(is_fan, owner, 3), [0.5, 2 / 3, 0.0])


def test_the_strongest_persuasive_positive_tie_counts():
    scratch = Scratch(6)
    people = np.array([1, 2, 4])
    blocks = [
        Block(np.array([1, 2, 2]), 1, False, np.array([True, True, False]), np.array([0.3, 0.2, 0.9])),
        Block(np.array([2, 4]), 2, False, np.array([True, True]), np.array([0.5, 0.1])),
        Block(np.array([1]), 6, False, np.array([True])),  # an ad: no tie
    ]
    # person 2's 0.9 contact did not persuade: the strongest persuasive one is 0.5
    np.testing.assert_allclose(strongest_persuasive_tie(people, blocks, scratch), [0.3, 0.5, 0.1])
    assert (scratch.rank == -1).all()  # work array left clean
    assert strongest_persuasive_tie(people, blocks[2:], scratch) is None


def test_contacts_without_strength_cost_nothing():
    c = Contacts()
    c.add(np.array([1, 2]), 1, False, np.array([True, False]))
    c.add(np.array([3]), 1, False, np.array([True]), 0.4)
    assert c.blocks[0].strength is None
    np.testing.assert_array_equal(c.blocks[1].strength, [0.4])


# --- fans answering back on the channels ---------------------------------------------------------


def negative_persuasions(answer_back: float, name: str) -> tuple[int, int]:
    """Persuasive complaints on channel `name` when everyone is a fan: (vector contacts, per-agent contacts)."""
    n = 300
    sc = load_scenario(
        "scenarios/default.toml",
        [
            f"population.size={n}",
            "channels.forum.enabled=true",
            "channels.forum.membership=1",
            "channels.weibo.enabled=true",
            "wom.transmission=1",
            f"relationship.answer_back={answer_back}",
        ],
    )
    m = WomModel(sc, 1)
    m.people.state[:] = Funnel.FAN  # every reader, and so every audience, is a fan
    ch = m.channels[name]
    posters = np.arange(0, n, 3)
    ch.post(posters, np.full(len(posters), NEGATIVE, dtype=np.int8), 1)
    ch.prepare(1)
    out = Contacts()
    ch.contacts(1, 0.0, StepDraws(np.random.SeedSequence(0)), out)
    vector = sum(int(b.persuaded.sum()) for b in out.blocks if b.negative)
    draws = StepDraws(np.random.SeedSequence(1))
    agents = sum(sum(p for _, neg, p, _ in ch.contacts_of(i, 1, 0.0, draws)[0] if neg) for i in range(n))
    return vector, agents


@pytest.mark.parametrize("name", ["forum", "weibo"])
def test_complaints_read_only_by_fans_who_answer_fully_persuade_nobody(name):
    assert min(negative_persuasions(0.0, name)) > 0  # they do persuade when fans stay silent
    assert negative_persuasions(1.0, name) == (0, 0)


def test_private_talk_is_not_answered():
    assert min(negative_persuasions(1.0, "offline")) > 0


# --- zero-equivalence ---------------------------------------------------------------------------

ZERO_CASES = [
    ("scenarios/default.toml", ["population.size=500", "seed_users.count=15", "run.days=60"], "vector"),
    ("scenarios/playbook/miui.toml", ["population.size=500", "seed_users.count=20", "run.days=60"], "vector"),
    ("scenarios/playbook/ads_first.toml", ["population.size=500", "run.days=60"], "vector"),
    ("scenarios/playbook/miui.toml", ["population.size=200", "seed_users.count=10", "run.days=30"], "agents"),
]


@pytest.mark.parametrize("path,overrides,backend", ZERO_CASES, ids=lambda x: str(x)[-20:])
def test_new_parameters_at_zero_give_identical_bytes(path, overrides, backend):
    base = [*overrides, f"run.backend={backend}"]
    default = run_replicate(load_scenario(path, base), replicate_seeds(SEED, 1)[0], 0)
    zero = run_replicate(load_scenario(path, base + ZERO), replicate_seeds(SEED, 1)[0], 0)
    assert default.to_csv().encode() == zero.to_csv().encode()


# --- effects in the per-agent backend (the vector backend's are in tests/playbook/test_contract.py) --------

#: A product short of most expectations, a quarter of the people fans from the start (employees), every
#: disappointed buyer complaining, no rejection after a failed evaluation; forum and Weibo on.
EFFECT_BASE = [
    "population.size=250",
    "population.employees=60",
    "seed_users.count=10",
    "run.days=40",
    "channels.forum.enabled=true",
    "channels.forum.membership=0.5",
    "channels.weibo.enabled=true",
    "engine.quality=0.45",
    "engine.rejection=0",
    "engine.detractor_margin=0",
    "run.backend=agents",
]
AGENT_REPLICATES = 6


@functools.cache
def final_rows(extra: tuple[str, ...]) -> pd.DataFrame:
    """The last row of each of the AGENT_REPLICATES replicates of EFFECT_BASE + `extra`; kept, so that the
    switched-off run every switch is compared with runs once per worker (the tests share one xdist group)."""
    sc = load_scenario("scenarios/default.toml", EFFECT_BASE + list(extra))
    seeds = replicate_seeds(SEED, AGENT_REPLICATES)
    frames: list[pd.DataFrame] = [run_replicate(sc, seq, r) for r, seq in enumerate(seeds)]
    return pd.DataFrame([f.iloc[-1] for f in frames])


def final_mean(extra: list[str], column: str) -> float:
    return float(np.mean(final_rows(tuple(extra))[column]))


@pytest.mark.slow
@pytest.mark.xdist_group("agents-switches")
@pytest.mark.parametrize("switch", CORE_SWITCHES, ids=lambda s: s.key)
def test_switches_move_their_documented_outcome_in_the_agents_backend(switch):
    on = final_mean([f"{switch.key}={switch.on}"], switch.effect.column)
    off = final_mean([], switch.effect.column)
    assert np.sign(on - off) == switch.effect.direction, f"{switch.key}: on {on}, off {off}"

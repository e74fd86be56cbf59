"""The vector backend's funnel: grouping contacts by person, channel credit, and the two-tier resolution."""

import numpy as np
import pytest

from sim.model.funnel import Contacts, Moves, Scratch, random_channel, resolve
from sim.model.state import CHANNEL, NO_CHANNEL, Funnel
from sim.model.streams import StepDraws

OFFLINE, WEIBO = CHANNEL["offline"], CHANNEL["weibo"]


@pytest.mark.parametrize("n", [12, 100_000])  # few people: the population pass; many: stamping contacts
def test_distinct_finds_each_person_once_with_filters(n):
    rng = np.random.default_rng(0)
    state = rng.integers(0, 6, n).astype(np.int8)
    groups = [rng.integers(0, 12, 40).astype(np.int32), rng.integers(0, 12, 9)]
    exclude = np.array([3, 7])
    scratch = Scratch(n)
    got = scratch.distinct(groups, state, upto=Funnel.AWARE, exclude=exclude)
    everyone = np.concatenate(groups)
    expected = {int(i) for i in everyone if state[i] <= Funnel.AWARE and i not in (3, 7)}
    assert sorted(got.tolist()) == sorted(expected) and len(got) == len(expected)
    assert not scratch.mark.any() and (scratch.rank == -1).all()  # left clean for the next step
    assert sorted(scratch.distinct(groups).tolist()) == sorted(set(everyone.tolist()))


def test_random_channel_is_proportional_to_contacts():
    # 20,000 people, each with 3 offline contacts and 1 Weibo contact: offline is credited with
    # probability 3/4 (sd of the share 0.003; tolerance 0.012 = 4 sd, seed 1). A draw that picked a
    # channel uniformly (1/2) or the first block always (1) fails.
    k = 20_000
    people = np.arange(k)
    blocks = [(np.repeat(people, 3), OFFLINE), (people.copy(), WEIBO)]
    got = random_channel(people, blocks, Scratch(k), StepDraws(np.random.SeedSequence(1)), 0)
    assert set(np.unique(got)) == {OFFLINE, WEIBO}
    assert abs(np.mean(got == OFFLINE) - 0.75) < 0.012
    assert (
        random_channel(people[:5], blocks[:1], Scratch(k), StepDraws(np.random.SeedSequence(1)), 0) == OFFLINE
    )  # one channel: one code


def _contacts():
    """Person 1: one persuasive positive contact (and one not); 2: a persuasive negative one; 3: seen only;
    4: an unpersuasive negative post only; 5: persuaded but already an adopter; 6: aware, seen only."""
    c = Contacts()
    c.add(np.array([1, 1, 2, 3, 5, 6], dtype=np.int32), OFFLINE, False, np.array([0, 1, 0, 0, 1, 0], bool))
    c.add(np.array([2, 4]), WEIBO, True, np.array([1, 0], bool))
    return c


@pytest.mark.parametrize("n", [10, 10_000])
def test_resolve_two_tiers(n):
    state = np.zeros(n, dtype=np.int8)
    state[5], state[6] = Funnel.ADOPTER, Funnel.AWARE
    moves = resolve(
        _contacts(),
        state,
        lambda people: np.ones(len(people)),
        0.0,
        Scratch(n),
        StepDraws(np.random.SeedSequence(2)),
    )
    assert moves.buyers.tolist() == [1] and moves.buy_channel == OFFLINE  # one positive channel: one code
    assert moves.rejecters.tolist() == [2]  # a credible negative message turns a not-yet-adopter away
    credit = dict(zip(moves.aware.tolist(), moves.aware_channel.tolist()))
    assert sorted(credit) == [1, 2, 3, 4]  # 5 and 6 were not unaware
    assert credit[1] == OFFLINE and credit[3] == OFFLINE and credit[4] == WEIBO
    assert credit[2] in (OFFLINE, WEIBO)
    assert (state == np.r_[0, 0, 0, 0, 0, Funnel.ADOPTER, Funnel.AWARE, [0] * (n - 7)]).all()  # state untouched


def test_resolve_matches_the_rule_without_conversion():
    n = 10
    state = np.zeros(n, dtype=np.int8)
    moves = resolve(
        _contacts(),
        state,
        lambda people: np.zeros(len(people)),
        1.0,
        Scratch(n),
        StepDraws(np.random.SeedSequence(3)),
    )
    assert len(moves.buyers) == 0
    assert moves.rejecters.tolist() == [1, 2, 5]  # failed evaluations with rejection = 1, and the negative one


def test_moves_from_outcomes():
    people = np.array([4, 7, 9, 11])
    before = np.array([Funnel.UNAWARE, Funnel.AWARE, Funnel.UNAWARE, Funnel.UNAWARE], dtype=np.int8)
    new = np.array([Funnel.ADOPTER, Funnel.ADOPTER, Funnel.AWARE, Funnel.REJECTER], dtype=np.int8)
    aware_ch = np.array([OFFLINE, OFFLINE, WEIBO, OFFLINE], dtype=np.int8)
    adopt_ch = np.array([WEIBO, OFFLINE, NO_CHANNEL, NO_CHANNEL], dtype=np.int8)
    m = Moves.from_outcomes(people, before, new, aware_ch, adopt_ch)
    assert m.aware.tolist() == [4, 9, 11] and m.aware_channel.tolist() == [WEIBO, WEIBO, OFFLINE]
    assert m.buyers.tolist() == [4, 7] and m.buy_channel.tolist() == [WEIBO, OFFLINE]
    assert m.rejecters.tolist() == [11]

"""The talk pool: who may talk in a step, and the recorded "talking" figure computed without pruning."""

import numpy as np

from sim.config.behaviour import WomConfig
from sim.model.state import Funnel
from sim.model.talk import TalkPool

N = 10
DT = 1.0


def pool_of(active_steps: int | str, decay_rate: float = 0.0):
    wom = WomConfig(active_steps=active_steps, decay_rate=decay_rate)
    talk_start = np.full(N, 10**9, dtype=np.int64)
    state = np.full(N, Funnel.ADOPTER, dtype=np.int8)
    counts = np.zeros(len(Funnel), dtype=np.int64)
    counts[Funnel.ADOPTER] = N
    return TalkPool(wom, DT, talk_start, state, counts), talk_start, state, counts


def test_pool_keeps_people_inside_their_window_and_fans():
    talk, talk_start, state, counts = pool_of(active_steps=3)
    talk_start[[0, 1, 2]] = [1, 2, 1]
    talk.add(np.array([0, 1, 2]))
    assert talk.prune(1).tolist() == [0, 1, 2]
    state[2], counts[Funnel.FAN] = Funnel.FAN, 1  # fans keep talking after their window
    assert talk.prune(4).tolist() == [1, 2]  # person 0 started in step 1: steps 1-3 only
    talk.add(np.array([0, 1]))  # 1 is still in the pool: not added twice; 0 rejoins
    assert sorted(talk.prune(4).tolist()) == [0, 1, 2]


def test_talking_is_the_weight_of_the_pool_pruned_for_the_next_step_and_changes_nothing():
    talk, talk_start, state, counts = pool_of(active_steps=5, decay_rate=0.5)
    talk_start[:4] = [1, 2, 3, 1]
    talk.add(np.arange(4))
    talk.prune(3)
    members = talk.members
    talking = talk.talking(6)  # person 0 and 3 are past their window in step 6
    assert talk.members is members  # recording does not prune
    expected = np.exp(-0.5 * np.array([4, 3]) * DT).sum()  # persons 1 and 2, 4 and 3 steps into their window
    assert np.isclose(talking, expected)
    pool = talk.prune(6)
    assert pool.tolist() == [1, 2]
    assert talk.talking(6) == float(talk.weights(pool, 6).sum()) == talking


def test_quiet_people_outside_the_pool_have_no_weight_before_they_start():
    talk, talk_start, _, _ = pool_of(active_steps="forever")
    talk_start[5] = 3
    assert talk.weights(np.array([5]), 2).tolist() == [0.0]
    assert talk.weights(np.array([5]), 3).tolist() == [1.0]


def test_removed_people_leave_the_pool_and_the_others_keep_their_order():
    """`remove` (a detractor won back to a quiet adopter stops talking): members and people who joined since
    the last prune alike; people not in the pool are ignored; a removed person may join again."""
    talk, talk_start, _, _ = pool_of(active_steps="forever")
    talk_start[:6] = 1
    talk.add(np.array([4, 0, 2]))
    talk.prune(1)
    talk.add(np.array([5, 1]))
    talk.remove(np.array([0, 5, 9]))
    assert talk.prune(2).tolist() == [4, 2, 1]
    assert talk.talking(3) == 3.0
    talk.add(np.array([0]))
    assert talk.prune(3).tolist() == [4, 2, 1, 0]


def test_weights_looked_up_by_age_are_the_rules_own_numbers():
    """The pool looks talk weights up by age (steps since starting to talk) in a table it grows as ages grow;
    each must be bit for bit what `rules.talk_weight` gives that age (the golden files depend on it), for ages in
    any order, older than the table so far, and negative (not started yet: weight 0)."""
    from sim.model import rules

    for active_steps, decay_rate in ((30, 0.02), ("forever", 0.05), ("forever", 0.0)):
        talk, talk_start, _, _ = pool_of(active_steps, decay_rate)
        wom = WomConfig(active_steps=active_steps, decay_rate=decay_rate)
        for step, starts in ((5, [5, 1, 3, 0, 6, 2, 4, 5, 1, 9]), (900, [0, 899, 13, 450, 7, 900, 1, 2, 3, 4])):
            talk_start[:] = starts
            people = np.arange(N)
            expected = rules.talk_weight(step - talk_start, DT, wom.active_limit, wom.decay_rate)
            assert np.array_equal(talk.weights(people, step), expected)

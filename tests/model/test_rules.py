"""The behaviour rules give the same answer on scalars and arrays, and the documented edge cases."""

import numpy as np
import pytest

from sim.model import rules
from sim.model.state import NEGATIVE, POSITIVE, QUIET, Funnel


def test_conversion_is_logistic_and_hard_threshold_at_zero_sensitivity():
    assert rules.conversion_probability(0.5, 0.5, 0.1, 0.8) == 0.4
    assert rules.conversion_probability(1.0, 0.0, 0.0, 1.0) == 1.0
    assert rules.conversion_probability(0.0, 0.1, 0.0, 1.0) == 0.0
    e = np.array([0.2, 0.5, 0.9])
    arr = rules.conversion_probability(0.6, e, 0.1, 0.5)
    assert np.allclose(arr, [rules.conversion_probability(0.6, x, 0.1, 0.5) for x in e])
    assert np.all(np.diff(arr) < 0)  # higher expectation, lower conversion


def test_valence_from_experience_margin():
    m = np.array([0.2, 0.0, -0.1, -0.3])
    assert list(rules.talk_valence(m, 0.0, -0.15)) == [POSITIVE, POSITIVE, QUIET, NEGATIVE]
    assert rules.talk_valence(-0.3, 0.0, -0.15) == NEGATIVE
    assert rules.state_after_adoption(NEGATIVE) == Funnel.DETRACTOR
    assert rules.state_after_adoption(QUIET) == Funnel.ADOPTER


def test_talk_weight_window_and_decay():
    # active_steps = 1: talk only at age 0 (independent cascade)
    assert rules.talk_weight(0, 1.0, 1, 0.0) == 1.0
    assert rules.talk_weight(1, 1.0, 1, 0.0) == 0.0
    assert rules.talk_weight(-1, 1.0, 1, 0.0) == 0.0
    # forever, no decay: Bass / SI
    assert rules.talk_weight(10_000, 1.0, np.inf, 0.0) == 1.0
    ages = np.arange(5)
    assert np.allclose(rules.talk_weight(ages, 0.5, np.inf, 0.2), np.exp(-0.2 * 0.5 * ages))


def test_read_probability_spreads_reach_over_post_life():
    life = rules.post_life_steps(14, 1.0)
    assert life == 14
    r = rules.read_probability_per_step(0.2, life)
    assert np.isclose(1 - (1 - r) ** life, 0.2)
    assert rules.post_life_steps(0.0, 1.0) == 1 and rules.post_life_steps(0.5, 0.05) == 10
    assert rules.read_probability_per_step(1.0, 7) == 1.0


def test_contact_outcome_funnel_moves():
    U, A, AD, F, R = (Funnel.UNAWARE, Funnel.AWARE, Funnel.ADOPTER, Funnel.FAN, Funnel.REJECTER)
    state = np.array([U, U, A, A, U, AD, R, F], dtype=np.int8)
    pos = np.array([False, True, True, True, True, True, True, True])
    neg = np.array([False, False, False, False, True, False, False, False])
    u_conv = np.array([0.9, 0.1, 0.9, 0.9, 0.1, 0.1, 0.1, 0.1])
    u_rej = np.array([0.9, 0.9, 0.9, 0.1, 0.9, 0.9, 0.9, 0.9])
    out = rules.contact_outcome(state, True, pos, neg, 0.5, 0.2, u_conv, u_rej)
    assert list(out) == [A, AD, A, R, R, AD, R, F]
    # scalar call gives the same as the array element
    assert rules.contact_outcome(U, True, True, False, 0.5, 0.2, 0.1, 0.9) == AD


def test_ties_grow_and_relax():
    assert rules.strengthen(0.5, 0.1) == 0.55
    assert np.isclose(rules.relax(0.9, 0.5, 0.1, 10.0), 0.5 + 0.4 * np.exp(-1.0))
    assert rules.relax(0.9, 0.5, 0.0, 100.0) == 0.9


def test_fans_made_and_lost_by_brand_tie():
    s = np.array([Funnel.ADOPTER, Funnel.ADOPTER, Funnel.FAN, Funnel.FAN], dtype=np.int8)
    v = np.array([POSITIVE, QUIET, POSITIVE, POSITIVE], dtype=np.int8)
    tie = np.array([0.7, 0.9, 0.2, 0.5])
    assert list(rules.fan_transition(s, v, tie, 0.6, 0.3)) == [Funnel.FAN, Funnel.ADOPTER, Funnel.ADOPTER, Funnel.FAN]


def test_focused_quality_exponent_sets_what_a_split_costs():
    """hit_product.budget_exponent: quality gain = 0.2 * (budget/k) ** e. At the default 0.5 a 4-way split
    keeps half the gain (sqrt(1/4)), at 1 a quarter, at 0 all of it; no budget gives no gain at any e."""
    assert rules.focused_quality(0.5, 1.0, 4, 0.2) == pytest.approx(0.6)
    assert rules.focused_quality(0.5, 1.0, 4, 0.2, 0.5) == rules.focused_quality(0.5, 1.0, 4, 0.2)
    assert rules.focused_quality(0.5, 1.0, 4, 0.2, 1.0) == pytest.approx(0.55)
    assert rules.focused_quality(0.5, 1.0, 4, 0.2, 0.0) == pytest.approx(0.7)
    assert rules.focused_quality(0.5, 0.0, 4, 0.2, 0.0) == pytest.approx(0.5)
    assert rules.focused_quality(0.5, 1.0, 1, 0.2, 1.7) == pytest.approx(0.7)  # one product: budget 1 either way


def test_trust_discount_is_trust_times_horizontal_times_member_share():
    assert rules.trust_discount(0.3, 0.8, 0.5) == pytest.approx(0.12)
    assert rules.trust_discount(0.0, 0.8, 1.0) == 0.0  # off
    assert rules.trust_discount(0.3, 0.0, 1.0) == 0.0  # a fan economy's members lend no trust
    np.testing.assert_allclose(rules.trust_discount(0.2, 1.0, np.array([0.0, 0.25, 1.0])), [0.0, 0.05, 0.2])
    # a lower expectation raises conversion, by the engine's own curve
    before = rules.conversion_probability(0.6, 0.7, 0.1, 0.9)
    after = rules.conversion_probability(0.6, 0.7 - rules.trust_discount(0.2, 1.0, 0.5), 0.1, 0.9)
    assert after == pytest.approx(rules.conversion_probability(0.7, 0.7, 0.1, 0.9)) and after > before


def test_contacts_fan_share_counts_each_persons_own_contacts():
    """community.peer_reach = 'ties': the share of fans among a person's contacts, person by person
    (a path 0-1-2-3 with fans 1 and 3; 4 has no contacts)."""
    indptr = np.array([0, 1, 3, 5, 6, 6])
    indices = np.array([1, 0, 2, 1, 3, 2])
    is_fan = np.array([False, True, False, True, False])
    share = rules.contacts_fan_share(is_fan, indptr, indices, np.array([2, 0, 1, 4, 3]))
    np.testing.assert_allclose(share, [1.0, 1.0, 0.0, 0.0, 0.0])
    assert rules.contacts_fan_share(is_fan, indptr, indices, np.array([], dtype=np.int64)).shape == (0,)


def test_adoption_reached_is_a_share_of_the_population_and_zero_is_reached_at_once():
    assert rules.adoption_reached(0, 1000, 0.0)
    assert not rules.adoption_reached(99, 1000, 0.1)
    assert rules.adoption_reached(100, 1000, 0.1)
    assert not rules.adoption_reached(1000, 1000, 1.0 + 1e-9)


def test_win_back_adds_the_gift_as_an_independent_chance():
    """Complaints: the answer and a gift each win the detractor back independently; no gift, the answer's
    chance alone; scalar and array forms agree."""
    assert rules.win_back_probability(0.1, 0.5, False) == pytest.approx(0.1)
    assert rules.win_back_probability(0.1, 0.5, True) == pytest.approx(1 - 0.9 * 0.5)
    assert rules.win_back_probability(0.0, 0.0, True) == 0.0 and rules.win_back_probability(1.0, 0.0, False) == 1.0
    gifted = np.array([False, True])
    assert np.allclose(rules.win_back_probability(0.1, 0.5, gifted), [0.1, 0.55])


def test_recovered_valence_is_advocate_or_quiet():
    assert rules.recovered_valence(np.array([True, False])).tolist() == [POSITIVE, QUIET]
    assert rules.recovered_valence(False) == QUIET


def test_eligible_is_a_rank_below_the_share_and_only_eligible_people_keep_their_chance():
    rank = np.array([-1.0, 0.0, 0.29, 0.3, 0.9])
    assert rules.eligible(rank, 0.3).tolist() == [True, True, True, False, False]
    assert rules.eligible(rank, 0.0).tolist() == [True, False, False, False, False]  # the initial users (rank -1)
    chance = np.array([0.5, 0.4, 0.3, 0.2, 0.1])
    assert rules.market_chance(chance, rank, 0.3).tolist() == [0.5, 0.4, 0.3, 0.0, 0.0]


def test_trial_chances_follow_the_lived_margin():
    """A tryer buys on the conversion curve of the margin they lived; only a disappointed non-buyer may turn away."""
    margin = np.array([-0.3, 0.0, 0.3])
    buy, away = rules.trial_chances(margin, 0.1, 0.5, 0.4)
    assert buy == pytest.approx(rules.conversion_probability(margin, 0.0, 0.1, 0.5))
    assert buy[0] < buy[1] < buy[2] and buy[1] == pytest.approx(0.25)
    assert list(away) == [0.4, 0.0, 0.0]
    hard_buy, _ = rules.trial_chances(margin, 0.0, 1.0, 1.0)
    assert list(hard_buy) == [0.0, 1.0, 1.0]

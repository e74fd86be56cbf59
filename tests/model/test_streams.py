"""Keyed draws (`sim.model.streams.Draws`, Philox4x32-10): known answers, purity, and a statistical battery.

Known answers: the Philox4x32 lines of the Random123 distribution's `tests/kat_vectors` (D. E. Shaw
Research, https://github.com/DEShawResearch/random123, commit 9545ff6413f258be2f04c1d319d99aaef7521150,
lines 24-29: rounds, counter words, key words, expected output words), copied into `KAT` below.

Statistical battery, fixed before looking at any output: seed SEED, replicate 0 unless a test compares
replicates, N_DRAWS = 10^5 numbers per sample (KS per purpose: N_KS = 2x10^4 per purpose), and every
check at significance ALPHA = 10^-4, so that the about 90 checks below together fail by chance with
probability below 1%. Correlations are checked with the normal approximation |r| sqrt(n) < z(1 - ALPHA/2)
of Pearson's r under independence; joint uniformity of two samples by a chi-square test on a
BINS x BINS grid (expected count per cell above 390).
"""

from __future__ import annotations

import numpy as np
import pytest
from scipy import stats

from sim.model.philox import BLOCK, philox4x32, philox4x32_one
from sim.model.streams import (
    MAX_PERSON,
    MAX_PURPOSE,
    Draws,
    Purpose,
    StepDraws,
    poisson_quantile,
)

SEED = 20261207
N_DRAWS = 100_000
N_KS = 20_000
ALPHA = 1e-4
Z_CRIT = stats.norm.ppf(1 - ALPHA / 2)
BINS = 16
STEP = 17

#: (rounds, counter, key, expected) from Random123's tests/kat_vectors (module docstring).
KAT = [
    (7, "00000000 00000000 00000000 00000000", "00000000 00000000", "5f6fb709 0d893f64 4f121f81 4f730a48"),
    (7, "ffffffff ffffffff ffffffff ffffffff", "ffffffff ffffffff", "5207ddc2 45165e59 4d8ee751 8c52f662"),
    (7, "243f6a88 85a308d3 13198a2e 03707344", "a4093822 299f31d0", "4dfccaba 190a87f0 c47362ba b6b5242a"),
    (10, "00000000 00000000 00000000 00000000", "00000000 00000000", "6627e8d5 e169c58d bc57ac4c 9b00dbd8"),
    (10, "ffffffff ffffffff ffffffff ffffffff", "ffffffff ffffffff", "408f276d 41c83b0e a20bc7c6 6d5451fd"),
    (10, "243f6a88 85a308d3 13198a2e 03707344", "a4093822 299f31d0", "d16cfe09 94fdcceb 5001e420 24126ea1"),
]


def words(text: str) -> tuple[int, ...]:
    return tuple(int(w, 16) for w in text.split())


# --- the generator ------------------------------------------------------------------------------


@pytest.mark.parametrize(("rounds", "counter", "key", "expected"), KAT)
def test_philox_matches_random123_known_answers(rounds, counter, key, expected):
    array_out = philox4x32(words(counter), words(key), rounds)
    assert tuple(int(w[0]) for w in array_out) == words(expected)
    assert philox4x32_one(words(counter), words(key), rounds) == words(expected)


def test_array_and_integer_philox_agree_on_random_counters():
    rng = np.random.default_rng(SEED)
    counters = rng.integers(0, 2**32, size=(4, 1000), dtype=np.uint64).astype(np.uint32)
    key = tuple(int(k) for k in rng.integers(0, 2**32, size=2))
    array_out = np.array(philox4x32(tuple(counters), key))
    scalar_out = np.array([philox4x32_one(tuple(int(c) for c in col), key) for col in counters.T]).T
    assert np.array_equal(array_out, scalar_out)


# --- keyed draws: pure functions of what they decide ---------------------------------------------


def test_uniform_one_gives_the_array_numbers():
    rng = np.random.default_rng(SEED)
    people = np.concatenate([rng.integers(0, 10**6, 200), rng.integers(2**32, MAX_PERSON, 50), [0, MAX_PERSON]])
    draws = Draws(SEED, 3)
    for purpose, step, slot in (
        (Purpose.READ, 0, 0),
        (Purpose.CONVERT, STEP, 5),
        (Purpose.PARTICIPATE, 2**32 - 1, 2**16 - 1),
    ):
        many = draws.uniform(purpose, step, people, slot)
        assert [draws.uniform_one(purpose, step, int(i), slot) for i in people] == many.tolist()


def test_same_inputs_same_numbers_and_a_new_replicate_new_numbers():
    people = np.arange(1000)
    first = Draws(SEED, 0).uniform(Purpose.POST, STEP, people)
    assert np.array_equal(first, Draws(SEED, 0).uniform(Purpose.POST, STEP, people))
    assert np.array_equal(first, Draws(SEED, 0).uniform(Purpose.POST, STEP, people.tolist()))
    assert not np.any(first == Draws(SEED, 1).uniform(Purpose.POST, STEP, people))
    assert not np.any(first == Draws(SEED + 1, 0).uniform(Purpose.POST, STEP, people))


def test_any_split_order_or_subset_of_people_gives_the_same_numbers():
    rng = np.random.default_rng(SEED)
    n = 3 * BLOCK + 1234  # several blocks of the array path, the last one partial
    people = np.sort(rng.choice(2 * n, size=n, replace=False))  # about half the ids skipped
    draws = Draws(SEED, 0)
    whole = draws.uniform(Purpose.READ, STEP, people)
    chunks = np.concatenate([draws.uniform(Purpose.READ, STEP, c) for c in np.split(people, range(97, n, 97))])
    parts = np.concatenate([draws.uniform(Purpose.READ, STEP, c) for c in np.array_split(people, 3)])
    order = rng.permutation(n)
    assert np.array_equal(whole, chunks)
    assert np.array_equal(whole, parts)
    assert np.array_equal(whole[order], draws.uniform(Purpose.READ, STEP, people[order]))
    assert np.array_equal(whole[::7], draws.uniform(Purpose.READ, STEP, people[::7]))


def test_shapes_range_and_53_bit_grid():
    draws = Draws(SEED, 0)
    assert draws.uniform(Purpose.POST, 0, 5).shape == ()
    assert draws.uniform(Purpose.POST, 0, np.empty(0, dtype=np.int64)).shape == (0,)
    grid = draws.uniform(Purpose.POST, 0, np.arange(12).reshape(3, 4))
    assert grid.shape == (3, 4) and np.array_equal(grid.ravel(), draws.uniform(Purpose.POST, 0, np.arange(12)))
    u = draws.uniform(Purpose.POST, 0, np.arange(N_DRAWS))
    assert u.dtype == np.float64 and u.min() >= 0.0 and u.max() < 1.0
    scaled = u * 2.0**53
    assert np.array_equal(scaled, np.floor(scaled))


@pytest.mark.parametrize(
    "call",
    [
        lambda d: d.uniform(Purpose.POST, -1, [0]),
        lambda d: d.uniform(Purpose.POST, 2**32, [0]),
        lambda d: d.uniform(Purpose.POST, 0, [0], slot=2**16),
        lambda d: d.uniform(Purpose.POST, 0, [3, -1]),
        lambda d: d.uniform(99, 0, [0]),
        lambda d: d.uniform_one(Purpose.POST, 0, -1),
    ],
)
def test_out_of_range_counters_are_refused(call):
    with pytest.raises(ValueError):
        call(Draws(SEED, 0))


def test_purpose_numbers_are_distinct_and_fit_their_half_word():
    numbers = [int(p) for p in Purpose]
    assert len(set(numbers)) == len(numbers) and all(0 < x <= MAX_PURPOSE for x in numbers)


# --- statistical battery (module docstring: seed, sizes and ALPHA fixed before looking) -----------


def assert_independent(u: np.ndarray, v: np.ndarray) -> None:
    """No linear correlation (Pearson r) and joint uniformity on a BINS x BINS grid (chi-square)."""
    r = np.corrcoef(u, v)[0, 1]
    assert abs(r) * np.sqrt(len(u)) < Z_CRIT, r
    cells = np.bincount((u * BINS).astype(np.int64) * BINS + (v * BINS).astype(np.int64), minlength=BINS * BINS)
    assert stats.chisquare(cells).pvalue > ALPHA


@pytest.mark.parametrize("purpose", list(Purpose))
def test_uniform_per_purpose(purpose):
    u = Draws(SEED, 0).uniform(purpose, STEP, np.arange(N_KS))
    assert stats.kstest(u, "uniform").pvalue > ALPHA


@pytest.mark.parametrize("offset", [1, 2**32])  # neighbours in the counter's low word, and in its high word
def test_neighbouring_people_are_independent(offset):
    draws, people = Draws(SEED, 0), np.arange(N_DRAWS)
    assert_independent(draws.uniform(Purpose.READ, STEP, people), draws.uniform(Purpose.READ, STEP, people + offset))


def test_neighbouring_steps_are_independent():
    draws, people = Draws(SEED, 0), np.arange(N_DRAWS)
    assert_independent(draws.uniform(Purpose.READ, STEP, people), draws.uniform(Purpose.READ, STEP + 1, people))


@pytest.mark.parametrize(("purpose", "following"), list(zip(list(Purpose)[:-1], list(Purpose)[1:])))
def test_neighbouring_purposes_are_independent(purpose, following):
    """Each purpose against the next one in the registry (numbers may leave gaps)."""
    draws, people = Draws(SEED, 0), np.arange(N_DRAWS)
    assert_independent(draws.uniform(purpose, STEP, people), draws.uniform(following, STEP, people))


def test_neighbouring_slots_are_independent():
    draws, people = Draws(SEED, 0), np.arange(N_DRAWS)
    assert_independent(
        draws.uniform(Purpose.PARTICIPATE, STEP, people, 0), draws.uniform(Purpose.PARTICIPATE, STEP, people, 1)
    )


@pytest.mark.parametrize(("a", "b"), [((SEED, 0), (SEED, 1)), ((SEED, 0), (SEED + 1, 0))])
def test_replicates_and_seeds_are_independent(a, b):
    people = np.arange(N_DRAWS)
    assert_independent(
        Draws(*a).uniform(Purpose.CONVERT, STEP, people), Draws(*b).uniform(Purpose.CONVERT, STEP, people)
    )


def test_every_bit_is_balanced():
    """Each of the 53 bits is 1 with probability 1/2: the 53 standardised counts of ones are jointly
    a chi-square with 53 degrees of freedom."""
    u = Draws(SEED, 0).uniform(Purpose.FIELD, STEP, np.arange(N_DRAWS))
    bits = (u * 2.0**53).astype(np.uint64)
    ones = np.array([np.count_nonzero((bits >> np.uint64(b)) & np.uint64(1)) for b in range(53)])
    z = (ones - N_DRAWS / 2) / np.sqrt(N_DRAWS / 4)
    assert stats.chi2.sf(np.sum(z**2), df=53) > ALPHA


# --- the compiled path and the step draws ---------------------------------------------------------


def test_compiled_and_array_paths_give_the_same_numbers():
    """`uniform` (compiled loop) and `uniform_arrays` (numpy rounds) agree bit for bit, on ids below and
    above 2^32, across several blocks of the array path, and with `uniform_one`."""
    rng = np.random.default_rng(SEED)
    people = np.concatenate([rng.integers(0, 2**32, 2 * BLOCK + 7), rng.integers(2**32, MAX_PERSON, 999)])
    draws = Draws(SEED, 3)
    compiled = draws.uniform(Purpose.CONVERT, STEP, people, slot=5)
    assert np.array_equal(compiled, draws.uniform_arrays(Purpose.CONVERT, STEP, people, slot=5))
    for k in (0, BLOCK, len(people) - 1):
        assert compiled[k] == draws.uniform_one(Purpose.CONVERT, STEP, int(people[k]), slot=5)


def keyed(step: int = STEP) -> StepDraws:
    draws = StepDraws(np.random.SeedSequence(SEED))
    draws.step = step
    return draws


def test_keyed_step_draws_are_the_replicates_draws():
    """A replicate's keyed step draws are `Draws(seed, replicate)` at the step they are set to."""
    from sim.model.streams import replicate_seed

    step_draws = StepDraws(replicate_seed(SEED, 2))
    step_draws.step = STEP
    people = np.arange(100)
    assert np.array_equal(
        step_draws.uniform(Purpose.POST, people, 3), Draws(SEED, 2).uniform(Purpose.POST, STEP, people, 3)
    )


def test_keyed_choices_and_orders_depend_only_on_the_ids():
    """`choose` and `order` rank ids by their own numbers: the same ids in another order, or among other ids,
    are chosen and ordered the same; a choice is the head of the order."""
    draws = keyed()
    ids = np.arange(0, 3000, 3)
    order = ids[draws.order(Purpose.SERVICE_ORDER, ids)]
    shuffled = np.random.default_rng(1).permutation(ids)
    assert np.array_equal(shuffled[draws.order(Purpose.SERVICE_ORDER, shuffled)], order)
    assert np.array_equal(draws.choose(Purpose.SERVICE_ORDER, shuffled, 10), order[:10])
    assert sorted(order.tolist()) == ids.tolist()


def test_keyed_field_skips_closed_people_without_moving_anyone():
    """`each_person` over the open people hits exactly the open people an everyone-draw would hit."""
    draws = keyed()
    n, p = 50_000, 0.03
    everyone = np.flatnonzero(draws.uniform(Purpose.FIELD, np.arange(n)) < p)
    open_people = np.flatnonzero(np.random.default_rng(2).random(n) < 0.4)
    hit = draws.each_person(Purpose.FIELD, n, p, lambda: open_people)
    assert np.array_equal(hit, np.intersect1d(everyone, open_people))


@pytest.mark.parametrize("mean", [0.0, 0.2, 3.0, 25.0, 80.0])
def test_keyed_counts_follow_poisson(mean):
    """Poisson counts by inversion: over N_KS steps, their mean and variance are the mean's (within
    Z_CRIT standard errors), and the inversion equals scipy's quantile."""
    draws = keyed()
    counts = []
    for step in range(1, N_KS // 10 + 1):
        draws.step = step
        counts.append(draws.count(Purpose.OFFICIAL_POSTS, mean))
    counts = np.array(counts)
    u = Draws.from_sequence(np.random.SeedSequence(SEED)).uniform(Purpose.OFFICIAL_POSTS, len(counts), [0])
    assert poisson_quantile(float(u[0]), mean) == (stats.poisson.ppf(u[0], mean) if mean > 0 else 0)
    if mean == 0:
        assert not counts.any()
        return
    se = np.sqrt(mean / len(counts))
    assert abs(counts.mean() - mean) < Z_CRIT * se


def test_keyed_splits_and_normals():
    """`split` puts every item in one kind with the shares' frequencies; `normal` is standard normal times sd."""
    draws = keyed()
    kinds = draws.split(Purpose.OFFICIAL_KIND, N_DRAWS, [0.5, 0.3, 0.2])
    assert kinds.sum() == N_DRAWS
    assert stats.chisquare(kinds, N_DRAWS * np.array([0.5, 0.3, 0.2])).pvalue > ALPHA
    z = draws.normal(Purpose.EXPERIENCE, np.arange(N_KS), 2.0) / 2.0
    assert stats.kstest(z, "norm").pvalue > ALPHA and np.isfinite(z).all()
    assert draws.normal_one(Purpose.EXPERIENCE, 7, 2.0) == draws.normal(Purpose.EXPERIENCE, np.array([7]), 2.0)[0]

"""What the brands' well-mixed field draws (`sim.model.brand_contacts`, issue 26 part 9): one uniform per person for
the first brand reaching them and more only for the people reached (`independent_hits`) must give exactly the law
of one independent draw per person and brand, and one brand must draw the very numbers it drew before."""

from __future__ import annotations

from fractions import Fraction
from itertools import product

import numpy as np
import pytest
from scipy.stats import chisquare

from sim.model.brand_contacts import ContactList, first_chances, independent_hits
from sim.model.streams import Purpose, StepDraws

FIRST, ALSO = Purpose.BRAND_FIELD, Purpose.BRAND_FIELD_ALSO


class GridDraws:
    """Draws whose numbers run over a product grid: person id i holds one digit per (purpose, slot) drawn, and its
    uniform for that draw is digit / size. Over all ids, every combination of the numbers a person can use occurs
    once, so counting outcomes over the ids is the exact law (with chances on the grid, every comparison is exact)."""

    def __init__(self, sizes: dict[tuple[Purpose, int], int]) -> None:
        self.sizes = sizes
        self.strides, stride = {}, 1
        for key, size in sizes.items():
            self.strides[key] = stride
            stride *= size
        self.people = stride

    def uniform(self, purpose: Purpose, ids, slot: int = 0) -> np.ndarray:
        key = (purpose, slot)
        assert key in self.sizes, f"a draw the algorithm should not make: {key}"
        return (np.asarray(ids) // self.strides[key] % self.sizes[key]) / self.sizes[key]


@pytest.mark.parametrize(
    "chances",
    [
        (Fraction(1, 4), Fraction(1, 2)),
        (Fraction(3, 4), Fraction(1, 4), Fraction(1, 2)),
        (Fraction(1, 4), Fraction(0), Fraction(1), Fraction(1, 2)),  # a brand not yet in, and a certain one
        (Fraction(0), Fraction(1, 2), Fraction(1, 4)),
    ],
)
def test_the_hits_have_exactly_the_law_of_independent_draws_per_brand(chances):
    """Exact enumeration: chances on a grid of quarters; the first number on a grid of 4^B (fine enough for
    every cumulative chance of a first hit, whose denominators divide 4^B) and each later number on quarters.
    Every joint outcome of the brands has the frequency prod_b (chance_b or 1 - chance_b), exactly."""
    brands = len(chances)
    grid = GridDraws({(FIRST, 0): 4**brands, **{(ALSO, b): 4 for b in range(1, brands)}})
    people = np.arange(grid.people)
    reached, table = independent_hits(grid, FIRST, ALSO, people, np.array([float(c) for c in chances]))
    outcome = np.zeros((brands, grid.people), dtype=bool)
    outcome[:, reached] = table
    assert np.all(table.any(axis=0)), "everyone returned is reached by some brand"
    for joint in product((False, True), repeat=brands):
        law = Fraction(1)
        for c, hit in zip(chances, joint):
            law *= c if hit else 1 - c
        count = int(np.all(outcome == np.array(joint)[:, None], axis=0).sum())
        assert Fraction(count, grid.people) == law, joint


def test_the_hits_follow_independent_draws_with_the_keyed_numbers():
    """Statistical check with the model's own keyed draws (Philox), set before running: 200,000 people at step 3 of
    seed 7, four brands with chances (0.3, 0.1, 0.5, 0.05); the 16 joint outcomes against the product law by a
    chi-square test (15 degrees of freedom), failing at p < 0.001."""
    chances = np.array([0.3, 0.1, 0.5, 0.05])
    draws = StepDraws(np.random.SeedSequence(7))
    draws.step = 3
    people = np.arange(200_000)
    reached, table = independent_hits(draws, FIRST, ALSO, people, chances)
    outcome = np.zeros((4, len(people)), dtype=bool)
    outcome[:, reached] = table
    code = (outcome * (1 << np.arange(4))[:, None]).sum(axis=0)
    observed = np.bincount(code, minlength=16)
    bits = (np.arange(16)[:, None] >> np.arange(4)) & 1
    expected = np.prod(np.where(bits, chances, 1 - chances), axis=1) * len(people)
    assert chisquare(observed, expected).pvalue >= 0.001


def test_one_brand_draws_the_numbers_it_drew_alone():
    """With one brand, the people reached are those whose own number (slot 0) is below its chance: the draw one
    brand made before the field was drawn jointly, so one brand's records do not change."""
    draws = StepDraws(np.random.SeedSequence(11))
    draws.step = 5
    people = np.arange(0, 30_000, 3)
    reached, table = independent_hits(draws, FIRST, ALSO, people, np.array([0.2]))
    np.testing.assert_array_equal(reached, people[draws.uniform(FIRST, people, 0) < 0.2])
    assert table.shape == (1, len(reached)) and table.all()


def test_first_chances_start_at_the_first_chance_and_add_each_first_hit():
    chances = np.array([0.3, 0.0, 0.5, 1.0, 0.2])
    cum = first_chances(chances)
    assert cum[0] == 0.3 and cum[1] == 0.3
    np.testing.assert_allclose(cum, [0.3, 0.3, 0.3 + 0.7 * 0.5, 1.0, 1.0])


def test_nothing_is_drawn_when_no_brand_reaches_anyone():
    grid = GridDraws({})
    reached, table = independent_hits(grid, FIRST, ALSO, np.arange(10), np.zeros(3))
    assert len(reached) == 0 and table.shape == (3, 0)


def test_a_table_and_pairs_make_the_same_contacts_as_pairs_alone():
    """`ContactList.add_table` is the same contact as adding its (brand, person) pairs one brand at a time."""
    people = np.array([2, 5, 9])
    pos = np.array([[True, False, True], [False, True, True]])
    from_ads = np.array([[True, False, False], [False, False, True]])
    as_table, as_pairs = ContactList(2), ContactList(2)
    as_table.add_table("pos", people, pos, from_ads)
    for b in range(2):
        as_pairs.add("pos", b, people[pos[b]], from_ads[b, pos[b]])
    for out in (as_table, as_pairs):
        out.add("neg", 1, np.array([5, 7]))
        out.add("seen", 0, np.array([7, 9]))
    a, b = as_table.tables(), as_pairs.tables()
    np.testing.assert_array_equal(a.people, [2, 5, 7, 9])
    for name in ("people", "pos", "from_ads", "neg", "seen"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)

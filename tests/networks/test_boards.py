"""sim.networks.boards: forum boards."""

from __future__ import annotations

import math

import numpy as np

from sim.networks.boards import boards
from tests.networks.helpers import (
    check_groups,
    rng,
)


def test_boards():
    n, membership, size = 10_000, 0.3, 70
    groups = boards(n, membership, size, rng(2))
    check_groups(groups)
    counts = np.bincount(groups.members, minlength=n)
    assert counts.max() == 1 and counts.sum() == round(membership * n)  # each member exactly once
    sizes = groups.group_sizes()
    assert groups.n_groups == math.ceil(3000 / size)
    assert sizes.max() <= size and sizes.max() - sizes.min() <= 1

    chosen = np.array([5, 1, 99, 42, 7])
    given = boards(100, 0.9, 2, rng(), members=chosen)
    check_groups(given)
    assert sorted(given.members.tolist()) == sorted(chosen.tolist())
    assert given.n_groups == 3
    assert boards(100, 0.0, 10, rng()).n_groups == 0

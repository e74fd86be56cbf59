"""sim.networks.community_blocks: the planted-partition stochastic block model."""

from __future__ import annotations

import numpy as np
import pytest

from sim.networks.community_blocks import community_blocks
from tests.networks.helpers import (
    check_layer,
    rng,
    sources,
)

# ---------------------------------------------------------------------- community blocks


def test_community_blocks_counts_within_and_across():
    # 20 communities of 1,000; k = 10, mixing 0.2: p_in = 8/999 over 20 * 999,000/2 = 9.99e6 pairs
    # (expected 80,000 ties, sd 283) and p_out = 2/19,000 over the 1.9e8 pairs across (20,000, sd 141).
    # Tolerances are 4 sd (seed 11); a generator that ignored mixing or drew across pairs twice fails.
    n, blocks, k, mixing = 20_000, 20, 10.0, 0.2
    layer, community = community_blocks(n, blocks, k, mixing, rng(11))
    check_layer(layer)
    assert np.bincount(community).tolist() == [1000] * blocks
    src = sources(layer)
    inside = community[src] == community[layer.indices]
    assert abs(inside.sum() / 2 - 80_000) < 4 * 283
    assert abs((~inside).sum() / 2 - 20_000) < 4 * 141
    assert abs(layer.out_degree().mean() - k) < 0.1
    # membership is random, not contiguous blocks of ids
    assert len(np.unique(community[:1000])) > 10


def test_community_blocks_small_n_is_exact_per_pair():
    # n = 12 in 3 communities of 4, k = 3, mixing 1/3: p_in = 2/3 and p_out = 1/8 for every pair,
    # independently. Over 1,500 replicates (seed 5) the shares of present pairs have sd 0.003 (27,000
    # within pairs) and 0.0013 (72,000 across); tolerance 0.01. Membership changes every replicate.
    n, reps = 12, 1500
    g = rng(5)
    within = np.zeros((n, n))
    across = np.zeros((n, n))
    n_in = n_out = 0
    for _ in range(reps):
        layer, community = community_blocks(n, 3, 3.0, 1 / 3, g)
        same = community[:, None] == community[None, :]
        present = np.zeros((n, n))
        present[sources(layer), layer.indices] = 1
        within += present * same
        across += present * ~same
        n_in += same.sum() - n
        n_out += (~same).sum()
    assert abs(within.sum() / n_in - 2 / 3) < 0.01
    assert abs(across.sum() / n_out - 1 / 8) < 0.01


def test_community_blocks_arguments():
    with pytest.raises(ValueError, match="blocks"):
        community_blocks(10, 11, 2, 0.1, rng(0))
    with pytest.raises(ValueError, match="mixing"):
        community_blocks(10, 2, 2, 1.5, rng(0))
    one, community = community_blocks(500, 1, 6.0, 0.5, rng(0))  # one community: mixing ignored
    assert (community == 0).all() and abs(one.out_degree().mean() - 6.0) < 0.6

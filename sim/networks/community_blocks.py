"""Communities with few ties between them: a planted-partition stochastic block model."""

from __future__ import annotations

import math

import numpy as np

from sim.networks.bernoulli import _bernoulli_positions, _lower_pair
from sim.networks.core import EdgeLayer, _undirected
from sim.networks.csr import _check_n, _check_rng, _near_equal_chunks


def community_blocks(
    n: int, blocks: int, mean_degree: float, mixing: float, rng: np.random.Generator
) -> tuple[EdgeLayer, np.ndarray]:
    """Planted-partition stochastic block model: `blocks` communities of near-equal size (people are
    assigned to them at random); each pair inside a community is tied with probability p_in, each pair
    across communities with p_out, all independently, such that a person has `mean_degree` ties on
    average, a share `mixing` of them outside their community (p_in = mean_degree (1 - mixing) /
    (n / blocks - 1), p_out = mean_degree mixing / (n - n / blocks)).

    Sampled as arrays in O(E): a Bernoulli(p_in) process over the concatenated within-community pair
    indices and a Bernoulli(p_out) process over all pairs, of which the within-community ones are dropped.
    With one community every tie is inside it (mixing is ignored). Returns the layer and each person's
    community (int64, shape (n,)).
    """
    _check_rng(rng)
    n = _check_n(n)
    mean_degree, mixing = float(mean_degree), float(mixing)
    if int(blocks) != blocks or not 1 <= blocks <= max(n, 1):
        raise ValueError(f"blocks must be an integer in [1, n={n}], got {blocks}")
    if not math.isfinite(mean_degree) or mean_degree < 0:
        raise ValueError(f"mean_degree must be a finite number >= 0, got {mean_degree}")
    if not 0.0 <= mixing <= 1.0:
        raise ValueError(f"mixing must be in [0, 1], got {mixing}")
    blocks = int(blocks)
    community = _near_equal_chunks(n, blocks)  # contiguous ids per community, relabelled at the end
    size = np.bincount(community, minlength=blocks)
    start = np.concatenate([[0], np.cumsum(size)[:-1]]).astype(np.int64)
    block_size = n / blocks
    mixing = mixing if blocks > 1 else 0.0  # one community: every tie is inside it
    p_in = min(1.0, mean_degree * (1.0 - mixing) / (block_size - 1)) if block_size > 1 else 0.0
    p_out = min(1.0, mean_degree * mixing / (n - block_size)) if blocks > 1 else 0.0
    # within: pair index k of community c lies in [offset[c], offset[c] + size_c (size_c - 1) / 2)
    pairs = size.astype(np.int64) * (size - 1) // 2
    offset = np.concatenate([[0], np.cumsum(pairs)]).astype(np.int64)
    pos = _bernoulli_positions(int(offset[-1]), p_in, rng)
    c = np.searchsorted(offset, pos, side="right") - 1
    u_in, v_in = _lower_pair(pos - offset[c])
    u_in, v_in = u_in + start[c], v_in.astype(np.int64) + start[c]
    # across: all pairs, keeping those whose ends lie in different communities
    u_out, v_out = _lower_pair(_bernoulli_positions(n * (n - 1) // 2, p_out, rng))
    across = community[u_out] != community[v_out]
    u = np.concatenate([u_in, np.compress(across, u_out)])
    v = np.concatenate([v_in, np.compress(across, v_out).astype(np.int64)])
    label = rng.permutation(n)  # random membership: community c is people label[start[c]:start[c]+size_c]
    membership = np.empty(n, dtype=np.int64)
    membership[label] = community
    return _undirected(n, label[u], label[v]), membership


def from_config(net, n: int, rng: np.random.Generator) -> EdgeLayer:
    """The offline network of `network.kind = "community_blocks"` (the communities are not kept)."""
    layer, _ = community_blocks(n, net.blocks, net.mean_degree, net.mixing, rng)
    return layer

"""Random graphs: G(n, p) with a given mean degree (the project's exact generator)."""

from __future__ import annotations

import math

import numpy as np

from sim.networks.bernoulli import _bernoulli_blocks, _lower_pair
from sim.networks.core import EdgeLayer, _empty_layer, _symmetrize
from sim.networks.csr import BUILD_BLOCK, _check_n, _check_rng, _ptr_from_counts


def erdos_renyi(n: int, mean_degree: float, rng: np.random.Generator) -> EdgeLayer:
    """Undirected G(n, p) random graph with p = mean_degree/(n-1), exactly distributed.

    Each of the n(n-1)/2 node pairs is present independently with probability p: the
    present pair indices are generated as a Bernoulli process via geometric gaps (O(E), no
    rejection, no duplicates), then mapped to (u, v) pairs of the lower triangle.
    A mean_degree above n-1 is capped at n-1 (the complete graph), so tiny test
    populations still work.
    """
    _check_rng(rng)
    n = _check_n(n)
    mean_degree = float(mean_degree)
    if not math.isfinite(mean_degree) or mean_degree < 0:
        raise ValueError(f"mean_degree must be a finite number >= 0, got {mean_degree}")
    if n < 2 or mean_degree == 0:
        return _empty_layer(n, directed=False)
    p = min(mean_degree / (n - 1), 1.0)
    n_pairs = n * (n - 1) // 2  # < 2^61 since n < 2^31
    # Bernoulli(p) process over pair indices 0..n_pairs-1: successive gaps are Geometric(p), drawn and
    # mapped to lower-triangle pairs block by block (increasing pos is CSR order of the lower triangle):
    # only the int32 lower ends and the per-row counts are kept, never a pair-sized int64 array.
    counts = np.zeros(n, dtype=np.int64)
    parts = []
    for pos in _bernoulli_blocks(n_pairs, p, rng, BUILD_BLOCK):
        u, v = _lower_pair(pos)
        del pos
        first = np.flatnonzero(np.diff(u, prepend=-1))  # u is sorted: runs of one row
        counts[u[first]] += np.diff(first, append=len(u))
        parts.append(v)
        del u
    return _symmetrize(n, _ptr_from_counts(counts), parts)  # frees the parts as it parks them


def from_config(net, n: int, rng: np.random.Generator) -> EdgeLayer:
    """The offline network of `network.kind = "erdos_renyi"`."""
    return erdos_renyi(n, net.mean_degree, rng)

"""Followers: a directed broadcast layer with heavy-tailed follower counts (Weibo)."""

from __future__ import annotations

import math

import numpy as np

from sim.networks.core import EdgeLayer, _empty_layer
from sim.networks.csr import BUILD_BLOCK, _check_n, _check_rng, _ptr_from_counts, _structure


def followers(n: int, follows_mean: float, exponent: float, rng: np.random.Generator) -> EdgeLayer:
    """Directed broadcast layer like Weibo: edge j -> i when i follows j (j's posts reach i).

    Accounts have popularity weights w_j ~ Pareto(x_m=1, tail ``exponent`` > 1).  Each
    node makes Poisson(follows_mean) follow draws, each picking an account other than
    itself with probability proportional to w; repeated follows are dropped.  By Poisson
    splitting this is sampled per account instead: j receives Poisson(n*follows_mean*w_j/W)
    draws from uniformly chosen other nodes, so follower counts are heavy-tailed (same
    tail as w) and the follows per node average follows_mean (minus the dropped repeats,
    and at most n-1).
    """
    _check_rng(rng)
    n = _check_n(n)
    follows_mean = float(follows_mean)
    if not math.isfinite(follows_mean) or follows_mean < 0:
        raise ValueError(f"follows_mean must be a finite number >= 0, got {follows_mean}")
    if not exponent > 1:
        raise ValueError(f"exponent must be > 1, got {exponent}")
    if n < 2 or follows_mean == 0:
        return _empty_layer(n, directed=True)
    weight = 1.0 + rng.pareto(exponent, size=n)  # numpy's pareto is Lomax; +1 gives Pareto(x_m=1)
    n_draws = rng.poisson(follows_mean * n * (weight / weight.sum()))
    del weight
    draw_ptr = _ptr_from_counts(n_draws)
    follower = rng.integers(0, n - 1, size=int(draw_ptr[-1]), dtype=np.int32)  # one call: the stream's order
    # Rows are built in blocks of about BUILD_BLOCK draws (no self loops by construction: each block's
    # sorted, deduplicated rows directly), written back over the draws they came from (a block never
    # yields more entries than it read), so the only tie-sized array is the draws (tie ids are positions).
    counts = np.zeros(n, dtype=np.int64)
    bounds = np.unique(np.append(np.searchsorted(draw_ptr, np.arange(0, draw_ptr[-1], BUILD_BLOCK), "right") - 1, n))
    written = 0
    for r0, r1 in zip(bounds[:-1], bounds[1:]):
        a, b = draw_ptr[r0], draw_ptr[r1]
        source = np.repeat(np.arange(r0, r1, dtype=np.int32), n_draws[r0:r1])
        drawn = follower[a:b]
        drawn += drawn >= source  # uniform over nodes != source
        block_ptr, block_idx = _structure(r1 - r0, n, source - r0, drawn)
        follower[written : written + len(block_idx)] = block_idx
        counts[r0:r1] = np.diff(block_ptr)
        written += len(block_idx)
    indices = follower[:written]  # a view: the dropped repeats' slots at the end stay allocated (a few per mille)
    return EdgeLayer(n, _ptr_from_counts(counts), indices, None, written, directed=True)  # tie ids: positions

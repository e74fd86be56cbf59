"""Followers: a directed broadcast layer with heavy-tailed follower counts (Weibo)."""

from __future__ import annotations

import math

import numpy as np

from sim.networks.core import EdgeLayer, _check_n, _check_rng, _empty_layer, _structure, tie_dtype


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
    source = np.repeat(np.arange(n, dtype=np.int32), n_draws)
    follower = rng.integers(0, n - 1, size=len(source), dtype=np.int32)
    follower += follower >= source  # uniform over nodes != source
    # no self loops by construction: the CSR directly, and the draws freed before the tie ids are made
    indptr, indices = _structure(n, n, source, follower)
    del source, follower
    nnz = len(indices)
    return EdgeLayer(n, indptr, indices, np.arange(nnz, dtype=tie_dtype(nnz)), nnz, directed=True)

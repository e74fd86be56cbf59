"""sim.networks.erdos_renyi: the exact G(n, p) generator."""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

from sim.networks.erdos_renyi import erdos_renyi
from tests.networks.helpers import (
    check_layer,
    rng,
    sources,
)

# --------------------------------------------------------------------------- Erdos-Renyi


def test_erdos_renyi_mean_degree_and_poisson_degrees():
    n, k = 20_000, 10.0
    layer = erdos_renyi(n, k, rng(3))
    check_layer(layer)
    deg = layer.out_degree()
    # mean degree = 2M/n with M ~ Binomial(n(n-1)/2, p): sd = 2*sqrt(10^5)/n ~ 0.03 -> 0.15 is 5 sd
    assert abs(deg.mean() - k) < 0.15
    # degrees ~ Binomial(n-1, p) ~ Poisson(10): variance 10, sd of the sample variance ~ 0.1
    assert abs(deg.var() - k * (1 - k / (n - 1))) < 0.5
    # chi-square goodness of fit against Binomial(n-1, p), tails pooled to expected >= 5
    p = k / (n - 1)
    lo, hi = 2, 20
    observed = np.bincount(np.clip(deg, lo, hi) - lo, minlength=hi - lo + 1)
    cdf = stats.binom.cdf(np.arange(lo, hi + 1), n - 1, p)
    probs = np.diff(np.concatenate([[0.0], cdf[:-1], [1.0]]))
    assert stats.chisquare(observed, probs * n).pvalue > 1e-3


def test_erdos_renyi_small_n_is_uniform_over_pairs():
    # G(n, p) at n=10, p=1/3: each of the 45 pairs present with probability 1/3, independently
    n, reps = 10, 1500
    counts = np.zeros((n, n))
    n_edges = []
    g = rng(5)
    for _ in range(reps):
        layer = erdos_renyi(n, 3.0, g)
        counts[sources(layer), layer.indices] += 1
        n_edges.append(layer.n_ties)
    pair_freq = counts[np.triu_indices(n, 1)] / reps
    # per pair: sd = sqrt(p(1-p)/reps) = 0.012; 0.06 is 5 sd
    assert np.all(np.abs(pair_freq - 1 / 3) < 0.06)
    # edge count ~ Binomial(45, 1/3): mean 15, sd 3.16; mean over 1500 reps has sd 0.08
    assert abs(np.mean(n_edges) - 15) < 0.4
    assert abs(np.var(n_edges) - 10) < 1.5


def test_erdos_renyi_edge_cases():
    assert erdos_renyi(0, 3, rng()).nnz == 0
    assert erdos_renyi(1, 3, rng()).nnz == 0
    assert erdos_renyi(2, 1, rng()).n_ties == 1  # p = 1
    full = erdos_renyi(50, 49, rng())  # p = 1: every pair of the index mapping hit once
    check_layer(full)
    assert full.n_ties == 50 * 49 // 2
    assert erdos_renyi(6, 100, rng()).n_ties == 15  # capped at the complete graph
    assert erdos_renyi(100, 0, rng()).nnz == 0
    with pytest.raises(ValueError):
        erdos_renyi(100, -1, rng())


def test_erdos_renyi_large_n_pair_mapping():
    # pair indices up to ~2e12: the float sqrt inversion must stay exact
    n = 2_000_000
    layer = erdos_renyi(n, 0.2, rng(11))
    check_layer(layer)
    assert abs(layer.n_ties - n * 0.1) < 5 * math.sqrt(n * 0.1)
    assert layer.indices.max() > n - 1000

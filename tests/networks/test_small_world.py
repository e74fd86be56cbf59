"""sim.networks.small_world: Watts-Strogatz graphs."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from sim.networks.core import from_pairs
from sim.networks.small_world import small_world
from tests.networks.helpers import (
    check_layer,
    clustering,
    edge_set,
    rng,
    sources,
)

# --------------------------------------------------------------------------- small world


def test_small_world_ring_lattice():
    n, k = 200, 6
    layer = small_world(n, k, 0.0, rng())
    check_layer(layer)
    assert np.all(layer.out_degree() == k)
    assert edge_set(layer) == edge_set(from_pairs(n, *np.array(nx.watts_strogatz_graph(n, k, 0).edges).T, False))
    assert clustering(layer) == pytest.approx(3 * (k - 2) / (4 * (k - 1)))


def test_small_world_rewiring():
    n, k = 2000, 8
    lattice_c = 3 * (k - 2) / (4 * (k - 1))
    c_low = clustering(small_world(n, k, 0.05, rng(1)))
    random = small_world(n, k, 1.0, rng(1))
    check_layer(random)
    assert random.n_ties == n * k // 2  # duplicates are redrawn, not dropped
    assert 0.6 * lattice_c < c_low < lattice_c  # WS: C(p) ~ C(0)(1-p)^3 = 0.86 C(0)
    assert clustering(random) < 0.02  # ~ k/n for a random graph


def test_small_world_rewired_fraction():
    n, k, p = 20_000, 8, 0.2
    layer = small_world(n, k, p, rng(2))
    check_layer(layer)
    assert layer.n_ties == n * k // 2
    src, dst = sources(layer), layer.indices.astype(np.int64)
    ring = np.minimum((dst - src) % n, (src - dst) % n)
    off_lattice = np.mean(ring > k // 2)
    # rewired ~ Binomial(80000, 0.2)/80000: sd 0.0014; a rewired end lands on the lattice w.p. ~k/n
    assert abs(off_lattice - p) < 0.01


def test_small_world_argument_checks_and_dense_case():
    with pytest.raises(ValueError, match="even"):
        small_world(100, 5, 0.1, rng())
    with pytest.raises(ValueError):
        small_world(100, 4, 1.5, rng())
    assert small_world(5, 8, 0.3, rng()).n_ties == 10  # mean_degree >= n: complete graph
    assert small_world(100, 0, 0.3, rng()).nnz == 0

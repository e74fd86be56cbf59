"""Small worlds: clustered strong offline ties with a few long-range shortcuts (Watts-Strogatz)."""

from __future__ import annotations

import numpy as np

from sim.networks.core import EdgeLayer, _empty_layer, _undirected
from sim.networks.csr import _check_n, _check_rng


def small_world(n: int, mean_degree: int, rewire: float, rng: np.random.Generator) -> EdgeLayer:
    """Watts-Strogatz graph: clustered "strong offline ties" with a few long-range shortcuts.

    Ring lattice joining each node to its mean_degree/2 nearest neighbours on each side
    (mean_degree must be even; mean_degree >= n gives the complete graph).  Each lattice
    edge's far end is rewired with probability ``rewire`` to a uniform node; a draw that
    would make a self loop or duplicate a tie of the final graph is redrawn, for up to 100
    rounds, after which the edge keeps its lattice end (as networkx does when no rewiring
    is possible) unless that pair was already taken by another rewired edge.  So the layer
    keeps exactly n*mean_degree/2 edges except, very rarely, in near-complete graphs.
    Unlike networkx, draws are made in parallel rather than edge by edge.
    """
    _check_rng(rng)
    n = _check_n(n)
    if int(mean_degree) != mean_degree or mean_degree < 0 or mean_degree % 2:
        raise ValueError(f"mean_degree must be a non-negative even integer, got {mean_degree}")
    if not 0.0 <= rewire <= 1.0:
        raise ValueError(f"rewire must be in [0, 1], got {rewire}")
    half = int(mean_degree) // 2
    if half == 0:
        return _empty_layer(n, directed=False)
    if mean_degree >= n:
        lower = np.tril_indices(n, -1)
        return _undirected(n, lower[0], lower[1])
    # lattice edge e = (d-1)*n + i joins i and (i+d) % n for d = 1..half; node ids stored as int32
    # (n < 2^31; arithmetic on them below is done in int64), the lattice's far ends recomputed when needed
    ids = np.int32 if n + half <= np.iinfo(np.int32).max else np.int64
    near = np.tile(np.arange(n, dtype=ids), half)
    far = near + np.repeat(np.arange(1, half + 1, dtype=ids), n)
    far[far >= n] -= n
    m = len(near)
    rewired = np.flatnonzero(rng.random(m) < rewire)
    kept_lattice = np.ones(m, dtype=bool)
    kept_lattice[rewired] = False

    def is_kept_lattice_edge(a: np.ndarray, b: np.ndarray) -> np.ndarray:
        d = b - a
        d[d < 0] += n  # ring distance from a forward to b
        fwd, bwd = d <= half, d >= n - half  # disjoint because 2*half < n
        edge = np.full(len(a), -1, dtype=np.int64)
        edge[fwd] = (d[fwd] - 1) * n + a[fwd]
        edge[bwd] = (n - d[bwd] - 1) * n + b[bwd]
        hit = edge >= 0
        hit[hit] = kept_lattice[edge[hit]]
        return hit

    accepted = np.empty(0, dtype=np.int64)  # sorted keys max*n+min of accepted rewired edges
    pending = rewired  # lattice edges whose new far end is still to be drawn
    for _ in range(100):
        if len(pending) == 0:
            break
        a = near[pending].astype(np.int64)
        b = rng.integers(0, n - 1, size=len(pending))
        b += b >= a  # uniform over nodes != a
        key = np.maximum(a, b) * n + np.minimum(a, b)
        order = np.argsort(key, kind="stable")
        sorted_key = key[order]
        first = np.ones(len(key), dtype=bool)  # first occurrence within this batch
        first[order[1:]] = sorted_key[1:] != sorted_key[:-1]
        ok = first & ~is_kept_lattice_edge(a, b)
        if len(accepted):
            pos = np.minimum(np.searchsorted(accepted, key), len(accepted) - 1)
            ok &= accepted[pos] != key
        far[pending[ok]] = b[ok]
        new_keys = sorted_key[ok[order]]
        accepted = np.insert(accepted, np.searchsorted(accepted, new_keys), new_keys)
        pending = pending[~ok]
    if len(pending):  # give up rewiring: restore the lattice edge unless its pair is taken
        a = near[pending].astype(np.int64)
        b = a + pending // n + 1  # the lattice far end of edge e = (d-1)*n + i is (i + d) % n
        b[b >= n] -= n
        key = np.maximum(a, b) * n + np.minimum(a, b)
        pos = np.minimum(np.searchsorted(accepted, key), max(len(accepted) - 1, 0))
        free = accepted[pos] != key if len(accepted) else np.ones(len(key), dtype=bool)
        far[pending[free]] = b[free]
        pending = pending[~free]
    if len(pending):
        keep = np.ones(m, dtype=bool)
        keep[pending] = False
        near, far = near[keep], far[keep]
    return _undirected(n, near, far)


def even_degree(mean_degree: float) -> int:
    """Nearest even degree for the ring lattice (halves round up; at least 2 when mean_degree > 0)."""
    if mean_degree <= 0:
        return 0
    return max(2, 2 * int(np.floor(mean_degree / 2 + 0.5)))


def from_config(net, n: int, rng: np.random.Generator) -> EdgeLayer:
    """The offline network of `network.kind = "small_world"` (mean_degree rounded to the nearest even)."""
    return small_world(n, even_degree(net.mean_degree), net.rewire, rng)

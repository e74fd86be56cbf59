"""sim.networks.core: the CSR layer every pairwise kind produces; reproducibility and registration of every kind."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest

from sim import networks as nw
from sim.networks.bernoulli import _lower_pair
from sim.networks.boards import boards
from sim.networks.chat_groups import chat_groups
from sim.networks.community_blocks import community_blocks
from sim.networks.core import from_pairs
from sim.networks.erdos_renyi import erdos_renyi
from sim.networks.followers import followers
from sim.networks.groups import Groups
from sim.networks.small_world import small_world
from tests.networks.helpers import (
    check_layer,
    edge_set,
    rng,
    same_layer,
    sources,
)

# ------------------------------------------------------------------------- reproducibility

GENERATORS = {
    "erdos_renyi": lambda g: erdos_renyi(2000, 6.0, g),
    "small_world": lambda g: small_world(2000, 6, 0.2, g),
    "followers": lambda g: followers(2000, 8.0, 2.0, g),
    "community_blocks": lambda g: community_blocks(2000, 20, 6.0, 0.2, g)[0],
}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_edge_generators_reproducible(name):
    build = GENERATORS[name]
    a, b, c = build(rng(7)), build(rng(7)), build(rng(8))
    check_layer(a)
    assert same_layer(a, b)
    assert not same_layer(a, c)


def test_group_generators_reproducible():
    def arrays(g: Groups):
        return [g.group_ptr, g.members, g.agent_ptr, g.agent_slots, g.slot_group]

    for build in (lambda r: boards(3000, 0.3, 50, r), lambda r: chat_groups(3000, 20, 3, r)):
        a, b, c = build(rng(1)), build(rng(1)), build(rng(2))
        assert all(np.array_equal(x, y) for x, y in zip(arrays(a), arrays(b)))
        assert not all(np.array_equal(x, y) for x, y in zip(arrays(a), arrays(c)))


def test_generators_require_a_generator():
    with pytest.raises(TypeError, match="Generator"):
        erdos_renyi(10, 2, 42)


# ------------------------------------------------------------------- from_pairs / CSR API


def test_from_pairs_cleans_edges_and_shares_tie_ids():
    src = np.array([0, 1, 2, 2, 3, 1, 4])
    dst = np.array([1, 0, 2, 3, 2, 0, 0])
    und = from_pairs(5, src, dst, directed=False)
    check_layer(und)
    assert edge_set(und) == {(0, 1), (1, 0), (2, 3), (3, 2), (0, 4), (4, 0)}
    assert und.n_ties == 3
    t01 = und.tie[und.indptr[0] + np.flatnonzero(und.neighbours(0) == 1)[0]]
    t10 = und.tie[und.indptr[1] + np.flatnonzero(und.neighbours(1) == 0)[0]]
    assert t01 == t10
    di = from_pairs(5, src, dst, directed=True)
    check_layer(di)
    assert edge_set(di) == {(0, 1), (1, 0), (2, 3), (3, 2), (4, 0)}
    assert np.array_equal(di.out_degree(), [1, 1, 1, 1, 1])
    assert np.array_equal(di.in_degree(), [2, 1, 1, 1, 0])
    assert np.array_equal(und.in_degree(), und.out_degree())
    with pytest.raises(ValueError):
        from_pairs(3, [0, 3], [1, 1], False)
    with pytest.raises(ValueError):
        from_pairs(3, [0, 1], [1], False)


def test_layer_arrays_are_read_only():
    layer = erdos_renyi(100, 4, rng())
    with pytest.raises(ValueError):
        layer.indices[0] = 1
    with pytest.raises(AttributeError):
        layer.n = 5


def test_in_neighbours_csr_matches_brute_force():
    layer = followers(300, 6.0, 1.5, rng(9))
    inc = layer.in_neighbours_csr()
    assert inc is layer.in_neighbours_csr()  # cached
    assert np.array_equal(inc.out_degree(), layer.in_degree())
    src = sources(layer)
    for i in range(layer.n):
        entries = np.flatnonzero(layer.indices == i)
        lo, hi = inc.indptr[i], inc.indptr[i + 1]
        assert np.array_equal(inc.indices[lo:hi], src[entries])  # sources of i, sorted
        assert np.array_equal(inc.tie[lo:hi], layer.tie[entries])
    und = small_world(100, 4, 0.3, rng())
    assert und.in_neighbours_csr() is und


def test_to_networkx_and_subgraph():
    layer = small_world(300, 6, 0.3, rng(6))
    graph = layer.to_networkx()
    assert graph.number_of_nodes() == 300 and graph.number_of_edges() == layer.n_ties
    assert {d["tie"] for _, _, d in graph.edges(data=True)} == set(range(layer.n_ties))

    nodes = rng(1).choice(300, size=60, replace=False)
    sub, tie_map = layer.subgraph(nodes, return_tie_map=True)
    check_layer(sub)
    expected = nx.relabel_nodes(graph.subgraph(nodes.tolist()), {int(v): k for k, v in enumerate(nodes)})
    assert edge_set(sub) == {(u, v) for u, v in expected.edges} | {(v, u) for u, v in expected.edges}
    for (u, v), t in zip(zip(sources(sub), sub.indices), sub.tie):
        assert graph.edges[int(nodes[u]), int(nodes[v])]["tie"] == tie_map[t]

    directed = followers(200, 5, 2.0, rng(2))
    dsub, dmap = directed.subgraph(np.arange(50, 150), return_tie_map=True)
    check_layer(dsub)
    assert edge_set(dsub) == {(u - 50, v - 50) for u, v in edge_set(directed) if 50 <= u < 150 and 50 <= v < 150}
    assert np.array_equal(directed.indices[dmap], dsub.indices + 50)
    with pytest.raises(ValueError):
        layer.subgraph(np.array([1, 1]))


def test_pair_index_mapping_exact_at_triangle_boundaries():
    # rows u = 2 .. 2^31-1; pair indices reach ~2.3e18, where float64 sqrt alone is off by one
    u = np.unique(np.concatenate([np.arange(2, 3000), np.geomspace(3000, 2**31 - 1, 2000).astype(np.int64)]))
    start = u * (u - 1) // 2  # first pair index of row u
    pos = np.concatenate([start, start + u - 1, start - 1])  # first and last of row u, last of row u-1
    want_u = np.concatenate([u, u, u - 1])
    want_v = np.concatenate([np.zeros_like(u), u - 1, u - 2])
    got_u, got_v = _lower_pair(pos)
    assert np.array_equal(got_u, want_u) and np.array_equal(got_v, want_v)


def test_offline_kinds_cover_every_network_kind_with_a_graph():
    from typing import get_args

    from sim.config.channels import NetworkConfig

    kinds = set(get_args(NetworkConfig.model_fields["kind"].annotation))
    assert set(nw.OFFLINE_KINDS) == kinds - {"well_mixed"}
    net = NetworkConfig(kind="small_world", mean_degree=5.2, rewire=0.3)
    assert same_layer(nw.offline_network(net, 300, rng(1)), small_world(300, 6, 0.3, rng(1)))
    net = NetworkConfig(kind="community_blocks", blocks=3, mean_degree=4.0, mixing=0.2)
    assert same_layer(nw.offline_network(net, 90, rng(2)), community_blocks(90, 3, 4.0, 0.2, rng(2))[0])


# --- ties added to a layer (community.new_ties) ---------------------------------------------------


def _edge_set(layer) -> dict[tuple[int, int], int]:
    """Each undirected tie as (smaller, larger) -> its tie id, checked to be the same in both directions."""
    ties: dict[tuple[int, int], int] = {}
    for j in range(layer.n):
        lo, hi = layer.indptr[j], layer.indptr[j + 1]
        for i, t in zip(layer.indices[lo:hi].tolist(), layer.tie[lo:hi].tolist()):
            key = (min(i, j), max(i, j))
            assert ties.setdefault(key, t) == t
    return ties


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_added_ties_keep_every_old_id_and_rows_sorted(seed):
    rng = np.random.default_rng(seed)
    n = 60
    src, dst = rng.integers(0, n, 150), rng.integers(0, n, 150)
    layer = from_pairs(n, src, dst, directed=False)
    before = _edge_set(layer)
    candidates = [(a, b) for a in range(n) for b in range(a + 1, n) if (a, b) not in before]
    pick = rng.choice(len(candidates), 25, replace=False)
    pairs = np.array([candidates[i] if i % 2 else candidates[i][::-1] for i in pick])  # either order
    grown = layer.with_ties(pairs)
    after = _edge_set(grown)
    assert {k: v for k, v in after.items() if k in before} == before  # old ties, old ids
    new = {k: v for k, v in after.items() if k not in before}
    assert set(new) == {(min(a, b), max(a, b)) for a, b in pairs.tolist()}
    assert sorted(new[(min(a, b), max(a, b))] for a, b in pairs.tolist()) == list(range(layer.n_ties, grown.n_ties))
    assert grown.n_ties == layer.n_ties + 25 and grown.nnz == layer.nnz + 50
    for j in range(n):  # rows sorted, no duplicates: what every reader of a layer assumes
        row = grown.neighbours(j)
        assert np.all(np.diff(row) > 0)


def test_a_tie_that_exists_a_self_loop_or_a_repeated_pair_is_refused():
    layer = from_pairs(4, [0, 1], [1, 2], directed=False)
    for bad in ([[1, 0]], [[3, 3]], [[0, 3], [3, 0]], [[0, 9]]):
        with pytest.raises(ValueError):
            layer.with_ties(np.array(bad))
    assert layer.with_ties(np.empty((0, 2), dtype=np.int64)) is layer


def test_tied_answers_for_each_pair_in_any_order():
    layer = from_pairs(5, [0, 1, 3], [1, 2, 4], directed=False)
    a, b = np.array([2, 0, 4, 0, 3, 1]), np.array([1, 1, 3, 2, 0, 2])
    assert layer.tied(a, b).tolist() == [True, True, True, False, False, True]

"""Tests for sim.networks.graphs: CSR social-graph layers and group memberships."""

from __future__ import annotations

import math

import networkx as nx
import numpy as np
import pytest
from scipy import stats

from sim.networks import graphs as nw


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def sources(layer: nw.EdgeLayer) -> np.ndarray:
    return np.repeat(np.arange(layer.n), layer.out_degree())


def check_layer(layer: nw.EdgeLayer) -> None:
    """Structural invariants every generated layer must satisfy."""
    assert layer.indptr.dtype == np.int64 and layer.indptr.shape == (layer.n + 1,)
    assert layer.indices.dtype == np.int32 and layer.tie.dtype == np.int64
    assert layer.tie.shape == layer.indices.shape
    src = sources(layer)
    dst = layer.indices.astype(np.int64)
    assert not np.any(src == dst), "self loop"
    key = src * layer.n + dst
    assert np.all(np.diff(key) > 0), "rows must be sorted without duplicates"
    if layer.directed:
        assert np.array_equal(layer.tie, np.arange(layer.nnz))
        assert layer.n_ties == layer.nnz
    else:
        assert layer.nnz == 2 * layer.n_ties
        # both directions exist and share one tie id; each tie id used exactly twice
        rev = np.searchsorted(key, dst * layer.n + src)
        assert np.array_equal(key[rev], dst * layer.n + src), "not symmetric"
        assert np.array_equal(layer.tie[rev], layer.tie)
        assert np.all(np.bincount(layer.tie, minlength=layer.n_ties) == 2)


def layer_arrays(layer: nw.EdgeLayer):
    return layer.indptr, layer.indices, layer.tie


def same_layer(a: nw.EdgeLayer, b: nw.EdgeLayer) -> bool:
    return (a.n, a.n_ties, a.directed) == (b.n, b.n_ties, b.directed) and all(
        np.array_equal(x, y) for x, y in zip(layer_arrays(a), layer_arrays(b))
    )


def edge_set(layer: nw.EdgeLayer) -> set[tuple[int, int]]:
    return set(zip(sources(layer).tolist(), layer.indices.tolist()))


def clustering(layer: nw.EdgeLayer) -> float:
    return nx.average_clustering(layer.to_networkx())


# ------------------------------------------------------------------------- reproducibility

GENERATORS = {
    "erdos_renyi": lambda g: nw.erdos_renyi(2000, 6.0, g),
    "small_world": lambda g: nw.small_world(2000, 6, 0.2, g),
    "followers": lambda g: nw.followers(2000, 8.0, 2.0, g),
    "community_blocks": lambda g: nw.community_blocks(2000, 20, 6.0, 0.2, g)[0],
}


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_edge_generators_reproducible(name):
    build = GENERATORS[name]
    a, b, c = build(rng(7)), build(rng(7)), build(rng(8))
    check_layer(a)
    assert same_layer(a, b)
    assert not same_layer(a, c)


def test_group_generators_reproducible():
    def arrays(g: nw.Groups):
        return [g.group_ptr, g.members, g.agent_ptr, g.agent_slots, g.slot_group]

    for build in (lambda r: nw.boards(3000, 0.3, 50, r), lambda r: nw.chat_groups(3000, 20, 3, r)):
        a, b, c = build(rng(1)), build(rng(1)), build(rng(2))
        assert all(np.array_equal(x, y) for x, y in zip(arrays(a), arrays(b)))
        assert not all(np.array_equal(x, y) for x, y in zip(arrays(a), arrays(c)))


def test_generators_require_a_generator():
    with pytest.raises(TypeError, match="Generator"):
        nw.erdos_renyi(10, 2, 42)


# ---------------------------------------------------------------------- community blocks


def test_community_blocks_counts_within_and_across():
    # 20 communities of 1,000; k = 10, mixing 0.2: p_in = 8/999 over 20 * 999,000/2 = 9.99e6 pairs
    # (expected 80,000 ties, sd 283) and p_out = 2/19,000 over the 1.9e8 pairs across (20,000, sd 141).
    # Tolerances are 4 sd (seed 11); a generator that ignored mixing or drew across pairs twice fails.
    n, blocks, k, mixing = 20_000, 20, 10.0, 0.2
    layer, community = nw.community_blocks(n, blocks, k, mixing, rng(11))
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
        layer, community = nw.community_blocks(n, 3, 3.0, 1 / 3, g)
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
        nw.community_blocks(10, 11, 2, 0.1, rng(0))
    with pytest.raises(ValueError, match="mixing"):
        nw.community_blocks(10, 2, 2, 1.5, rng(0))
    one, community = nw.community_blocks(500, 1, 6.0, 0.5, rng(0))  # one community: mixing ignored
    assert (community == 0).all() and abs(one.out_degree().mean() - 6.0) < 0.6


# --------------------------------------------------------------------------- Erdos-Renyi


def test_erdos_renyi_mean_degree_and_poisson_degrees():
    n, k = 20_000, 10.0
    layer = nw.erdos_renyi(n, k, rng(3))
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
        layer = nw.erdos_renyi(n, 3.0, g)
        counts[sources(layer), layer.indices] += 1
        n_edges.append(layer.n_ties)
    pair_freq = counts[np.triu_indices(n, 1)] / reps
    # per pair: sd = sqrt(p(1-p)/reps) = 0.012; 0.06 is 5 sd
    assert np.all(np.abs(pair_freq - 1 / 3) < 0.06)
    # edge count ~ Binomial(45, 1/3): mean 15, sd 3.16; mean over 1500 reps has sd 0.08
    assert abs(np.mean(n_edges) - 15) < 0.4
    assert abs(np.var(n_edges) - 10) < 1.5


def test_erdos_renyi_edge_cases():
    assert nw.erdos_renyi(0, 3, rng()).nnz == 0
    assert nw.erdos_renyi(1, 3, rng()).nnz == 0
    assert nw.erdos_renyi(2, 1, rng()).n_ties == 1  # p = 1
    full = nw.erdos_renyi(50, 49, rng())  # p = 1: every pair of the index mapping hit once
    check_layer(full)
    assert full.n_ties == 50 * 49 // 2
    assert nw.erdos_renyi(6, 100, rng()).n_ties == 15  # capped at the complete graph
    assert nw.erdos_renyi(100, 0, rng()).nnz == 0
    with pytest.raises(ValueError):
        nw.erdos_renyi(100, -1, rng())


def test_erdos_renyi_large_n_pair_mapping():
    # pair indices up to ~2e12: the float sqrt inversion must stay exact
    n = 2_000_000
    layer = nw.erdos_renyi(n, 0.2, rng(11))
    check_layer(layer)
    assert abs(layer.n_ties - n * 0.1) < 5 * math.sqrt(n * 0.1)
    assert layer.indices.max() > n - 1000


def test_pair_index_mapping_exact_at_triangle_boundaries():
    # rows u = 2 .. 2^31-1; pair indices reach ~2.3e18, where float64 sqrt alone is off by one
    u = np.unique(np.concatenate([np.arange(2, 3000), np.geomspace(3000, 2**31 - 1, 2000).astype(np.int64)]))
    start = u * (u - 1) // 2  # first pair index of row u
    pos = np.concatenate([start, start + u - 1, start - 1])  # first and last of row u, last of row u-1
    want_u = np.concatenate([u, u, u - 1])
    want_v = np.concatenate([np.zeros_like(u), u - 1, u - 2])
    got_u, got_v = nw._lower_pair(pos)
    assert np.array_equal(got_u, want_u) and np.array_equal(got_v, want_v)


# --------------------------------------------------------------------------- small world


def test_small_world_ring_lattice():
    n, k = 200, 6
    layer = nw.small_world(n, k, 0.0, rng())
    check_layer(layer)
    assert np.all(layer.out_degree() == k)
    assert edge_set(layer) == edge_set(nw.from_pairs(n, *np.array(nx.watts_strogatz_graph(n, k, 0).edges).T, False))
    assert clustering(layer) == pytest.approx(3 * (k - 2) / (4 * (k - 1)))


def test_small_world_rewiring():
    n, k = 2000, 8
    lattice_c = 3 * (k - 2) / (4 * (k - 1))
    c_low = clustering(nw.small_world(n, k, 0.05, rng(1)))
    random = nw.small_world(n, k, 1.0, rng(1))
    check_layer(random)
    assert random.n_ties == n * k // 2  # duplicates are redrawn, not dropped
    assert 0.6 * lattice_c < c_low < lattice_c  # WS: C(p) ~ C(0)(1-p)^3 = 0.86 C(0)
    assert clustering(random) < 0.02  # ~ k/n for a random graph


def test_small_world_rewired_fraction():
    n, k, p = 20_000, 8, 0.2
    layer = nw.small_world(n, k, p, rng(2))
    check_layer(layer)
    assert layer.n_ties == n * k // 2
    src, dst = sources(layer), layer.indices.astype(np.int64)
    ring = np.minimum((dst - src) % n, (src - dst) % n)
    off_lattice = np.mean(ring > k // 2)
    # rewired ~ Binomial(80000, 0.2)/80000: sd 0.0014; a rewired end lands on the lattice w.p. ~k/n
    assert abs(off_lattice - p) < 0.01


def test_small_world_argument_checks_and_dense_case():
    with pytest.raises(ValueError, match="even"):
        nw.small_world(100, 5, 0.1, rng())
    with pytest.raises(ValueError):
        nw.small_world(100, 4, 1.5, rng())
    assert nw.small_world(5, 8, 0.3, rng()).n_ties == 10  # mean_degree >= n: complete graph
    assert nw.small_world(100, 0, 0.3, rng()).nnz == 0


# ----------------------------------------------------------------------------- followers


def test_followers_degrees_and_heavy_tail():
    n, mean = 20_000, 20.0
    layer = nw.followers(n, mean, 2.0, rng(4))
    check_layer(layer)
    assert layer.directed
    follows = layer.in_degree()  # stored j -> i: in-degree of i = accounts i follows
    n_followers = layer.out_degree()
    assert n_followers.mean() == pytest.approx(follows.mean())
    # follows per node are ~Poisson: variance/mean ~ 1 (sd of the ratio ~ 0.01)
    assert 0.9 < follows.var() / follows.mean() < 1.1
    # follower counts inherit the Pareto(2) tail: P(max w < 40) = exp(-n/1600) ~ 4e-6
    assert n_followers.max() > 20 * n_followers.mean()
    # mean follows: with tail 2 (infinite weight variance) repeat follows of a giant hub can
    # be dropped in bulk (300 seeds: 1% below 19.7), so the mean is checked at tail 3, where
    # follows total Poisson(4e5) (sd of the mean 0.03) minus ~0.013 dropped repeats per node.
    assert 19.0 < follows.mean() <= mean + 0.15
    finite_tail = nw.followers(n, mean, 3.0, rng(4)).in_degree()
    assert abs(finite_tail.mean() - mean) < 0.15


def test_followers_small_and_invalid():
    assert nw.followers(1, 5, 2, rng()).nnz == 0
    two = nw.followers(2, 50, 2, rng())
    assert edge_set(two) == {(0, 1), (1, 0)}  # at most n-1 follows, no self follows
    with pytest.raises(ValueError):
        nw.followers(10, 2, 1.0, rng())


# ------------------------------------------------------------------- from_pairs / CSR API


def test_from_pairs_cleans_edges_and_shares_tie_ids():
    src = np.array([0, 1, 2, 2, 3, 1, 4])
    dst = np.array([1, 0, 2, 3, 2, 0, 0])
    und = nw.from_pairs(5, src, dst, directed=False)
    check_layer(und)
    assert edge_set(und) == {(0, 1), (1, 0), (2, 3), (3, 2), (0, 4), (4, 0)}
    assert und.n_ties == 3
    t01 = und.tie[und.indptr[0] + np.flatnonzero(und.neighbours(0) == 1)[0]]
    t10 = und.tie[und.indptr[1] + np.flatnonzero(und.neighbours(1) == 0)[0]]
    assert t01 == t10
    di = nw.from_pairs(5, src, dst, directed=True)
    check_layer(di)
    assert edge_set(di) == {(0, 1), (1, 0), (2, 3), (3, 2), (4, 0)}
    assert np.array_equal(di.out_degree(), [1, 1, 1, 1, 1])
    assert np.array_equal(di.in_degree(), [2, 1, 1, 1, 0])
    assert np.array_equal(und.in_degree(), und.out_degree())
    with pytest.raises(ValueError):
        nw.from_pairs(3, [0, 3], [1, 1], False)
    with pytest.raises(ValueError):
        nw.from_pairs(3, [0, 1], [1], False)


def test_layer_arrays_are_read_only():
    layer = nw.erdos_renyi(100, 4, rng())
    with pytest.raises(ValueError):
        layer.indices[0] = 1
    with pytest.raises(AttributeError):
        layer.n = 5


def test_in_neighbours_csr_matches_brute_force():
    layer = nw.followers(300, 6.0, 1.5, rng(9))
    inc = layer.in_neighbours_csr()
    assert inc is layer.in_neighbours_csr()  # cached
    assert np.array_equal(inc.out_degree(), layer.in_degree())
    src = sources(layer)
    for i in range(layer.n):
        entries = np.flatnonzero(layer.indices == i)
        lo, hi = inc.indptr[i], inc.indptr[i + 1]
        assert np.array_equal(inc.indices[lo:hi], src[entries])  # sources of i, sorted
        assert np.array_equal(inc.tie[lo:hi], layer.tie[entries])
    und = nw.small_world(100, 4, 0.3, rng())
    assert und.in_neighbours_csr() is und


def test_to_networkx_and_subgraph():
    layer = nw.small_world(300, 6, 0.3, rng(6))
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

    directed = nw.followers(200, 5, 2.0, rng(2))
    dsub, dmap = directed.subgraph(np.arange(50, 150), return_tie_map=True)
    check_layer(dsub)
    assert edge_set(dsub) == {(u - 50, v - 50) for u, v in edge_set(directed) if 50 <= u < 150 and 50 <= v < 150}
    assert np.array_equal(directed.indices[dmap], dsub.indices + 50)
    with pytest.raises(ValueError):
        layer.subgraph(np.array([1, 1]))


# --------------------------------------------------------------------------- edge lists


def test_from_edgelist_round_trip(tmp_path):
    layer = nw.small_world(50, 4, 0.5, rng(3))
    src = sources(layer)
    upper = src < layer.indices
    path = tmp_path / "edges.txt"
    lines = ["# an edge list: mixed separators, a weight column and trailing comments"]
    for w, (u, v) in enumerate(zip(src[upper], layer.indices[upper])):
        sep = "," if w % 2 else "\t"
        lines.append(f"{u}{sep}{v} {w * 0.5}  # weight ignored")
    path.write_text("\n".join(lines) + "\n")
    assert same_layer(nw.from_edgelist(path), layer)
    assert same_layer(nw.from_edgelist(str(path), n=50), layer)

    directed = nw.followers(40, 4.0, 2.0, rng(4))
    dpath = tmp_path / "directed.csv"
    np.savetxt(dpath, np.column_stack([sources(directed), directed.indices]), fmt="%d", delimiter=",")
    assert edge_set(nw.from_edgelist(dpath, n=40, directed=True)) == edge_set(directed)


def test_from_edgelist_labels_padding_and_errors(tmp_path):
    path = tmp_path / "names.txt"
    path.write_text("bob alice\nalice carol 3\n\n# done\n")
    layer, labels = nw.from_edgelist(path, return_labels=True)
    assert labels.tolist() == ["alice", "bob", "carol"]  # sorted labels -> ids 0, 1, 2
    assert edge_set(layer) == {(0, 1), (1, 0), (0, 2), (2, 0)}

    padded = nw.from_edgelist(path, n=5)
    assert padded.n == 5 and np.array_equal(padded.out_degree(), [2, 1, 1, 0, 0])
    with pytest.raises(ValueError, match="names.txt"):
        nw.from_edgelist(path, n=2)

    numeric = tmp_path / "sparse_ids.txt"
    numeric.write_text("10 2\n2 300\n")
    assert edge_set(nw.from_edgelist(numeric)) == {(0, 1), (1, 0), (0, 2), (2, 0)}  # 2, 10, 300 numerically

    missing = tmp_path / "nope.txt"
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        nw.from_edgelist(missing)
    bad = tmp_path / "bad.txt"
    bad.write_text("0 1\n2\n")
    with pytest.raises(ValueError, match="bad.txt"):
        nw.from_edgelist(bad)

    binary = tmp_path / "binary.bin"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(ValueError, match="binary.bin"):
        nw.from_edgelist(binary)

    empty = tmp_path / "empty.txt"
    empty.write_text("# nothing\n")
    assert nw.from_edgelist(empty).n == 0
    assert nw.from_edgelist(empty, n=3).nnz == 0


# ------------------------------------------------------------------------------- groups


def check_groups(groups: nw.Groups) -> None:
    n_slots = len(groups.members)
    assert groups.members.dtype == np.int32 and groups.slot_group.dtype == np.int32
    assert groups.agent_slots.dtype == np.int64 and groups.agent_ptr.dtype == np.int64
    assert np.array_equal(groups.slot_group, np.repeat(np.arange(groups.n_groups), groups.group_sizes()))
    assert np.array_equal(np.sort(groups.agent_slots), np.arange(n_slots))  # every slot once
    agent_of_slot = np.repeat(np.arange(groups.n), np.diff(groups.agent_ptr))
    assert np.array_equal(groups.members[groups.agent_slots], agent_of_slot)
    assert np.array_equal(groups.is_member(), np.bincount(groups.members, minlength=groups.n) > 0)
    key = groups.slot_group.astype(np.int64) * groups.n + groups.members
    assert np.all(np.diff(key) > 0), "members sorted and distinct within each group"


def test_boards():
    n, membership, size = 10_000, 0.3, 70
    groups = nw.boards(n, membership, size, rng(2))
    check_groups(groups)
    counts = np.bincount(groups.members, minlength=n)
    assert counts.max() == 1 and counts.sum() == round(membership * n)  # each member exactly once
    sizes = groups.group_sizes()
    assert groups.n_groups == math.ceil(3000 / size)
    assert sizes.max() <= size and sizes.max() - sizes.min() <= 1

    chosen = np.array([5, 1, 99, 42, 7])
    given = nw.boards(100, 0.9, 2, rng(), members=chosen)
    check_groups(given)
    assert sorted(given.members.tolist()) == sorted(chosen.tolist())
    assert given.n_groups == 3
    assert nw.boards(100, 0.0, 10, rng()).n_groups == 0


def test_chat_groups():
    n, size, per_agent = 5_000, 30, 3
    groups = nw.chat_groups(n, size, per_agent, rng(3))
    check_groups(groups)
    assert groups.n_groups == per_agent * math.ceil(n / size)
    assert np.all(np.diff(groups.agent_ptr) == per_agent)
    agent_groups = groups.slot_group[groups.agent_slots].reshape(n, per_agent)
    assert np.all(np.diff(agent_groups, axis=1) > 0)  # distinct groups per agent
    assert groups.group_sizes().max() <= size


def test_groups_subset():
    groups = nw.chat_groups(500, 10, 2, rng(4))
    nodes = rng(5).choice(500, size=80, replace=False)
    sub, slot_map = groups.subset(nodes, return_slot_map=True)
    check_groups(sub)
    assert sub.n == 80 and sub.n_groups == groups.n_groups
    assert np.array_equal(nodes[sub.members], groups.members[slot_map])
    assert np.array_equal(sub.slot_group, groups.slot_group[slot_map])
    expected = np.isin(groups.members, nodes).sum()
    assert len(sub.members) == expected

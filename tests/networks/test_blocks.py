"""Graph builds in blocks and positional tie ids (issue 16): the same graphs and draws as in one piece."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from sim.networks import core
from sim.networks.bernoulli import _bernoulli_blocks, _bernoulli_positions
from sim.networks.core import from_pairs
from sim.networks.csr import tie_dtype
from sim.networks.erdos_renyi import erdos_renyi
from sim.networks.followers import followers
from sim.networks.small_world import small_world


@pytest.mark.parametrize(("n_items", "p", "block"), [(10_000, 0.01, 7), (5_000, 0.3, 64), (1_000_000, 1e-4, 1)])
def test_bernoulli_blocks_give_the_positions_and_the_generator_state_of_one_draw(n_items, p, block):
    whole_rng, block_rng = np.random.default_rng(11), np.random.default_rng(11)
    whole = _bernoulli_positions(n_items, p, whole_rng)
    blocks = list(_bernoulli_blocks(n_items, p, block_rng, block))
    assert all(len(b) <= block for b in blocks)
    assert np.array_equal(np.concatenate(blocks), whole)
    assert whole_rng.integers(1 << 62) == block_rng.integers(1 << 62)


@pytest.mark.parametrize("build", ["erdos_renyi", "small_world", "followers"])
def test_small_build_blocks_build_the_same_graph(monkeypatch, build):
    make = {
        "erdos_renyi": lambda r: erdos_renyi(3_000, 6, r),
        "small_world": lambda r: small_world(3_000, 6, 0.2, r),
        "followers": lambda r: followers(3_000, 8, 2.2, r),
    }[build]
    whole = make(np.random.default_rng(5))
    for name in ("csr", "erdos_renyi", "followers"):  # 97 entries: dozens of blocks at this size
        monkeypatch.setattr(importlib.import_module(f"sim.networks.{name}"), "BUILD_BLOCK", 97)
    blocked = make(np.random.default_rng(5))
    for name in ("indptr", "indices", "tie"):
        assert np.array_equal(getattr(whole, name), getattr(blocked, name)), name


def test_directed_tie_ids_are_positions_and_out_ties_match_the_stored_form():
    layer = followers(2_000, 10, 2.5, np.random.default_rng(3))
    assert layer.tie_ids is None and np.array_equal(layer.tie, np.arange(layer.nnz))
    rows = np.array([5, 0, 1999, 17, 17, 3], dtype=np.int64)
    targets, ties = layer.out_ties(rows, with_ties=True)
    expected = np.concatenate([np.arange(layer.indptr[r], layer.indptr[r + 1]) for r in rows])
    assert np.array_equal(ties, expected) and ties.dtype == tie_dtype(layer.n_ties)
    assert np.array_equal(targets, layer.indices[expected])
    assert np.array_equal(layer.out_ties(rows)[0], targets)
    inc = layer.in_neighbours_csr()  # the transposed view keeps the original (positional) ids
    assert np.array_equal(layer.indices[inc.tie], np.repeat(np.arange(layer.n), inc.out_degree()))


@pytest.mark.parametrize(
    "make",
    [
        lambda r: erdos_renyi(3_000, 6, r),
        lambda r: small_world(3_000, 6, 0.2, r),
        lambda r: from_pairs(500, r.integers(0, 500, 3_000), r.integers(0, 500, 3_000), directed=False),
    ],
)
def test_undirected_tie_ids_are_derived_on_first_use_in_endpoint_pair_order(make):
    """Undirected layers leave their tie ids out until read; the derived ids number the edges in the order
    of their (larger, smaller) endpoint pairs, each shared by its two entries."""
    layer = make(np.random.default_rng(11))
    assert layer.tie_ids is None and "_derived_ties" not in layer.__dict__
    tie = layer.tie
    assert tie.dtype == tie_dtype(layer.n_ties) and not tie.flags.writeable
    src = np.repeat(np.arange(layer.n), layer.out_degree())
    big, small = np.maximum(src, layer.indices), np.minimum(src, layer.indices)
    order = np.lexsort((small, big))  # entries sorted by (larger, smaller) endpoint: each edge twice in a row
    assert np.array_equal(tie[order], np.repeat(np.arange(layer.n_ties), 2))
    targets, ties = layer.out_ties(np.array([7, 0, 7]), with_ties=True)
    assert np.array_equal(ties, np.concatenate([tie[layer.indptr[r] : layer.indptr[r + 1]] for r in (7, 0, 7)]))
    assert np.array_equal(layer.ties_at(np.array([3, 1])), tie[[3, 1]])


def test_left_out_tie_ids_need_a_tie_count_that_matches():
    ptr, idx = np.array([0, 1, 2, 2]), np.array([1, 0], dtype=np.int32)
    with pytest.raises(ValueError, match="derived tie ids"):
        core.EdgeLayer(3, ptr, idx, None, 2, directed=False)  # one undirected edge: n_ties = 1
    with pytest.raises(ValueError, match="derived tie ids"):
        core.EdgeLayer(3, ptr, idx, None, 1, directed=True)  # two directed ties: n_ties = 2
    assert np.array_equal(core.EdgeLayer(3, ptr, idx, None, 1, directed=False).tie, [0, 0])


def test_builders_refuse_a_seed_in_place_of_a_generator():
    with pytest.raises(TypeError, match="Generator"):
        erdos_renyi(10, 2, 42)

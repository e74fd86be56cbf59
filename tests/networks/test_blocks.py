"""Graph builds in blocks and positional tie ids (issue 16): the same graphs and draws as in one piece."""

from __future__ import annotations

import importlib

import numpy as np
import pytest

from sim import networks as nw
from sim.networks import core
from sim.networks.bernoulli import _bernoulli_blocks, _bernoulli_positions


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
        "erdos_renyi": lambda r: nw.erdos_renyi(3_000, 6, r),
        "small_world": lambda r: nw.small_world(3_000, 6, 0.2, r),
        "followers": lambda r: nw.followers(3_000, 8, 2.2, r),
    }[build]
    whole = make(np.random.default_rng(5))
    for name in ("core", "erdos_renyi", "followers"):  # 97 entries: dozens of blocks at this size
        monkeypatch.setattr(importlib.import_module(f"sim.networks.{name}"), "BUILD_BLOCK", 97)
    blocked = make(np.random.default_rng(5))
    for name in ("indptr", "indices", "tie"):
        assert np.array_equal(getattr(whole, name), getattr(blocked, name)), name


def test_directed_tie_ids_are_positions_and_out_ties_match_the_stored_form():
    layer = nw.followers(2_000, 10, 2.5, np.random.default_rng(3))
    assert layer.tie_ids is None and np.array_equal(layer.tie, np.arange(layer.nnz))
    rows = np.array([5, 0, 1999, 17, 17, 3], dtype=np.int64)
    targets, ties = layer.out_ties(rows, with_ties=True)
    expected = np.concatenate([np.arange(layer.indptr[r], layer.indptr[r + 1]) for r in rows])
    assert np.array_equal(ties, expected) and ties.dtype == core.tie_dtype(layer.n_ties)
    assert np.array_equal(targets, layer.indices[expected])
    assert np.array_equal(layer.out_ties(rows)[0], targets)
    inc = layer.in_neighbours_csr()  # the transposed view keeps the original (positional) ids
    assert np.array_equal(layer.indices[inc.tie], np.repeat(np.arange(layer.n), inc.out_degree()))


def test_tie_ids_may_be_left_out_only_for_directed_layers():
    with pytest.raises(ValueError, match="only for directed"):
        core.EdgeLayer(3, np.array([0, 1, 2, 2]), np.array([1, 0], dtype=np.int32), None, 2, directed=False)

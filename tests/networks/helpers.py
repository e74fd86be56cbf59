"""Shared checks of the network tests: structural invariants of layers and groups."""

from __future__ import annotations

import networkx as nx
import numpy as np

from sim.networks.core import EdgeLayer
from sim.networks.csr import tie_dtype
from sim.networks.groups import Groups


def rng(seed: int = 0) -> np.random.Generator:
    return np.random.default_rng(seed)


def sources(layer: EdgeLayer) -> np.ndarray:
    return np.repeat(np.arange(layer.n), layer.out_degree())


def check_layer(layer: EdgeLayer) -> None:
    """Structural invariants every generated layer must satisfy."""
    assert layer.indptr.dtype == np.int64 and layer.indptr.shape == (layer.n + 1,)
    assert layer.indices.dtype == np.int32 and layer.tie.dtype == tie_dtype(layer.n_ties)
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


def layer_arrays(layer: EdgeLayer):
    return layer.indptr, layer.indices, layer.tie


def same_layer(a: EdgeLayer, b: EdgeLayer) -> bool:
    return (a.n, a.n_ties, a.directed) == (b.n, b.n_ties, b.directed) and all(
        np.array_equal(x, y) for x, y in zip(layer_arrays(a), layer_arrays(b))
    )


def edge_set(layer: EdgeLayer) -> set[tuple[int, int]]:
    return set(zip(sources(layer).tolist(), layer.indices.tolist()))


def clustering(layer: EdgeLayer) -> float:
    return nx.average_clustering(layer.to_networkx())


def check_groups(groups: Groups) -> None:
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

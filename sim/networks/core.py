"""The common form of pairwise ties (offline friends, followers): the CSR `EdgeLayer` and its builders.

Populations reach 10^6 agents, where a networkx graph costs more than a gigabyte and
tens of seconds to build; the CSR arrays here cost O(E) memory and every generator is
vectorised.  Every generator takes a ``numpy.random.Generator`` and is exactly
reproducible from its state.

Group memberships (forum boards, chat groups) have their own form, `sim.networks.groups.Groups`; the
CSR helpers both use are in `sim.networks.csr`. Each network kind is one module of `sim.networks`
built on these (see `sim.networks.OFFLINE_KINDS`).
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from sim.networks.csr import (
    _MAX_NODES,
    _as_node_ids,
    _check_n,
    _check_node_subset,
    _frozen_array,
    _row_blocks,
    _sorted_csr,
    _structure,
    _structure_transpose,
    _transpose,
    entry_positions,
    ranges,
    tie_dtype,
    undirected_tie_ids,
    unique_inverse,
)


@dataclass(frozen=True, eq=False, repr=False)
class EdgeLayer:
    """A layer of pairwise ties as CSR arrays: messages from node j reach nodes indices[indptr[j]:indptr[j+1]].

    Rows are sorted by target and contain no duplicates or self loops (for layers built
    here).  The arrays are made read-only so that cached derived data stays valid.
    """

    n: int  # number of nodes, ids 0..n-1
    indptr: np.ndarray  # int64, shape (n+1,)
    indices: np.ndarray  # int32, targets, shape (nnz,)
    # (nnz,): id of the tie (relationship) each CSR entry belongs to, int32 while n_ties fits
    # (int64 beyond: `tie_dtype`).  Undirected: both directions of one edge share the tie id.
    # None: derived from the CSR, not stored until asked for (4-8 bytes per tie end saved where nothing
    # reads them, such as layers whose ties never grow). Directed: each entry's tie id is its position
    # (tie == arange(nnz)); the transposed view from in_neighbours_csr() keeps the original ids.
    # Undirected: ties are numbered in the order of their (larger, smaller) endpoint pairs
    # (`undirected_tie_ids`, computed once on first use). Read them through `tie` either way.
    tie_ids: np.ndarray | None
    n_ties: int  # number of distinct tie ids (0..n_ties-1)
    directed: bool

    def __post_init__(self) -> None:
        n = _check_n(self.n)
        indptr = _frozen_array(self.indptr, np.int64, "indptr")
        indices = _frozen_array(self.indices, np.int32, "indices")
        if indptr.shape != (n + 1,):
            raise ValueError(f"indptr must have shape ({n + 1},), got {indptr.shape}")
        if indptr[0] != 0 or indptr[-1] != len(indices) or np.any(np.diff(indptr) < 0):
            raise ValueError("indptr must start at 0, be non-decreasing and end at len(indices)")
        if len(indices) and (indices.min() < 0 or indices.max() >= n):
            raise ValueError(f"indices must lie in [0, {n})")
        if self.tie_ids is None:
            derived = len(indices) if self.directed else len(indices) // 2
            if self.n_ties != derived or (not self.directed and len(indices) % 2):
                raise ValueError("derived tie ids need n_ties = nnz (directed) or nnz / 2 (undirected)")
            tie = None
        else:
            tie = _frozen_array(self.tie_ids, tie_dtype(self.n_ties), "tie")
            if tie.shape != indices.shape:
                raise ValueError("tie and indices must have the same shape")
            if len(tie) and (tie.min() < 0 or tie.max() >= self.n_ties):
                raise ValueError(f"tie ids must lie in [0, n_ties={self.n_ties})")
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "indptr", indptr)
        object.__setattr__(self, "indices", indices)
        object.__setattr__(self, "tie_ids", tie)
        object.__setattr__(self, "n_ties", int(self.n_ties))
        object.__setattr__(self, "directed", bool(self.directed))

    @property
    def tie(self) -> np.ndarray:
        """Tie id of each CSR entry (read-only); made on each call when the ids are the positions (directed),
        derived once and kept when they are left out of an undirected layer."""
        if self.tie_ids is not None:
            return self.tie_ids
        if not self.directed:
            return self._derived_ties
        tie = np.arange(self.nnz, dtype=tie_dtype(self.n_ties))
        tie.flags.writeable = False
        return tie

    @functools.cached_property
    def _derived_ties(self) -> np.ndarray:
        tie = undirected_tie_ids(self.indptr, self.indices)
        tie.flags.writeable = False
        return tie

    def prepare_ties(self) -> None:
        """Derive left-out undirected tie ids now, for a reader that will need them: during a build their
        transients meet less memory in use than in a later step."""
        if not self.positional_ties:
            _ = self.tie

    @property
    def positional_ties(self) -> bool:
        """Whether each entry's tie id is its position (directed layers whose ids are left out)."""
        return self.tie_ids is None and self.directed

    def __repr__(self) -> str:
        kind = "directed" if self.directed else "undirected"
        return f"EdgeLayer(n={self.n}, nnz={self.nnz}, n_ties={self.n_ties}, {kind})"

    @property
    def nnz(self) -> int:
        """Number of CSR entries (2 per undirected edge, 1 per directed edge)."""
        return len(self.indices)

    def out_degree(self) -> np.ndarray:
        """Number of nodes each node's messages reach (int64, shape (n,))."""
        return np.diff(self.indptr)

    def in_degree(self) -> np.ndarray:
        """Number of nodes each node hears from (int64, shape (n,)); equals out_degree if undirected."""
        if not self.directed:
            return self.out_degree()
        return np.bincount(self.indices, minlength=self.n).astype(np.int64, copy=False)

    def neighbours(self, j: int) -> np.ndarray:
        """Targets of node j (read-only view, sorted)."""
        return self.indices[self.indptr[j] : self.indptr[j + 1]]

    def entries(self, rows: np.ndarray) -> np.ndarray:
        """CSR positions of all out-ties of `rows`, row after row (in the tie id type when it holds them):
        filter these first, then read only the targets (`indices[pos]`) and tie ids (`ties_at`) kept."""
        return entry_positions(self.indptr, rows, tie_dtype(self.nnz))

    def ties_at(self, positions: np.ndarray) -> np.ndarray:
        """Tie ids of the CSR entries at `positions` (the positions themselves when they are the ids)."""
        return positions if self.positional_ties else self.tie[positions]

    def out_ties(self, rows: np.ndarray, with_ties: bool = False) -> tuple[np.ndarray, np.ndarray | None]:
        """Targets of all out-ties of `rows`, row after row, and their tie ids if asked.

        Done by scipy's compiled CSR row indexing on a view of the layer (built once), which copies
        each row's slice directly: a few times faster than gathering through a per-entry position
        array at 10^6 entries (the frontier step of every edge channel). When the tie ids are the
        positions (directed layers), those positions are the ids asked for, so the targets are gathered
        through them (in the tie id type: a chunk of contacts keeps 4 bytes per tie end).
        """
        if with_ties and self.positional_ties:
            ties = entry_positions(self.indptr, rows, tie_dtype(self.n_ties))
            return self.indices[ties], ties
        sub = (self._rows_and_ties if with_ties else self._rows)[rows]
        return sub.indices, (sub.data if with_ties else None)

    @functools.cached_property
    def _rows(self) -> sp.csr_array:
        return self._matrix(np.zeros(self.nnz, dtype=bool))

    @functools.cached_property
    def _rows_and_ties(self) -> sp.csr_array:
        return self._matrix(self.tie)  # int32 ids (while they fit) are shared with the layer, not copied

    def _matrix(self, data: np.ndarray) -> sp.csr_array:
        """The layer as a scipy CSR array with `data` per entry (32-bit index arrays when they fit: no copy of indices)."""
        idx = np.int32 if self.nnz <= _MAX_NODES else np.int64
        return sp.csr_array(
            (data, self.indices.astype(idx, copy=False), self.indptr.astype(idx)), shape=(self.n, self.n)
        )

    def with_ties(self, pairs: np.ndarray) -> EdgeLayer:
        """This undirected layer with the new ties `pairs` (shape (k, 2): two distinct people not yet tied,
        each pair once) added: both entries of pair r get tie id n_ties + r, and every existing entry keeps
        its tie id (so strengths and keyed draws indexed by tie stay where they were). O(nnz + k log k): the
        new entries are inserted into their rows, which stay sorted."""
        if self.directed:
            raise ValueError("ties are added to undirected layers only")
        pairs = np.asarray(pairs, dtype=np.int64).reshape(-1, 2)
        k = len(pairs)
        if k == 0:
            return self
        if np.any(pairs[:, 0] == pairs[:, 1]) or pairs.min() < 0 or pairs.max() >= self.n:
            raise ValueError(f"new ties join two distinct people in [0, {self.n})")
        ids = np.arange(self.n_ties, self.n_ties + k, dtype=np.int64)
        rows = np.concatenate([pairs[:, 0], pairs[:, 1]])
        cols = np.concatenate([pairs[:, 1], pairs[:, 0]])
        new_ties = np.concatenate([ids, ids])
        order = np.lexsort((cols, rows))
        rows, cols, new_ties = rows[order], cols[order], new_ties[order]
        # where each new entry goes: after the entries of its row smaller than it. Keys row * n + target grow
        # along the CSR, so one search over the affected rows' entries places them all.
        keys_new = rows * self.n + cols
        if np.any(np.diff(keys_new) == 0):
            raise ValueError("each new tie must be given once")
        keys, j = self._row_keys(rows, keys_new)
        if len(keys) and np.any(keys[np.minimum(j, len(keys) - 1)] == keys_new):
            raise ValueError("a new tie joins two people already tied")
        at = self.indptr[rows] + (j - np.searchsorted(keys, rows * self.n))
        n_ties = self.n_ties + k
        dtype = tie_dtype(n_ties)
        indices = np.insert(self.indices, at, cols.astype(np.int32))
        tie = np.insert(self.tie.astype(dtype), at, new_ties.astype(dtype))
        indptr = self.indptr + np.concatenate([[0], np.cumsum(np.bincount(rows, minlength=self.n))])
        return EdgeLayer(self.n, indptr, indices, tie, n_ties, directed=False)

    def tied(self, a: np.ndarray, b: np.ndarray) -> np.ndarray:
        """Whether a tie runs from each of `a` to the matching one of `b` (one search over a's rows)."""
        a, b = np.asarray(a, dtype=np.int64), np.asarray(b, dtype=np.int64)
        if len(a) == 0:
            return np.zeros(0, dtype=bool)
        order = np.argsort(a * self.n + b, kind="stable")
        keys, j = self._row_keys(a[order], (a * self.n + b)[order])
        found = np.zeros(len(a), dtype=bool)
        if len(keys):
            found[order] = keys[np.minimum(j, len(keys) - 1)] == (a * self.n + b)[order]
        return found

    def _row_keys(self, rows: np.ndarray, sorted_keys: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The keys row * n + target of every entry of the distinct `rows` (ascending along the CSR), and where
        each of `sorted_keys` (ascending) falls among them."""
        touched = np.unique(rows)
        pos = entry_positions(self.indptr, touched)
        keys = np.repeat(touched, np.diff(self.indptr)[touched]) * self.n + self.indices[pos]
        return keys, np.searchsorted(keys, sorted_keys)

    def in_neighbours_csr(self) -> EdgeLayer:
        """Transposed layer: row i lists the sources whose messages reach i, with their tie ids.

        Used by receiver-centric steps.  Undirected layers are symmetric, so this is the
        layer itself.  For directed layers it is built once (O(nnz) time and memory, a
        scipy counting transpose) and cached on the instance.
        """
        return self._transposed

    @functools.cached_property
    def _transposed(self) -> EdgeLayer:
        if not self.directed:
            return self
        t_ptr, t_idx, perm = _transpose(self.n, self.n, self.indptr, self.indices)
        return EdgeLayer(self.n, t_ptr, t_idx, perm if self.positional_ties else self.tie[perm], self.n_ties, True)

    def to_networkx(self):
        """networkx Graph/DiGraph with the same nodes and edges (edge attribute ``tie``); interop only."""
        import networkx as nx

        graph = nx.DiGraph() if self.directed else nx.Graph()
        graph.add_nodes_from(range(self.n))
        src = np.repeat(np.arange(self.n, dtype=np.int64), self.out_degree())
        keep = slice(None) if self.directed else src < self.indices
        graph.add_edges_from(
            (int(u), int(v), {"tie": int(t)}) for u, v, t in zip(src[keep], self.indices[keep], self.tie[keep])
        )
        return graph

    def subgraph(self, nodes: np.ndarray, *, return_tie_map: bool = False):
        """Induced subgraph on ``nodes`` (distinct ids), node ``nodes[k]`` relabelled k (for visualising a sample).

        Tie ids are renumbered 0..n_ties'-1; with ``return_tie_map=True`` also returns
        ``tie_map`` such that ``tie_map[new_tie]`` is the tie id in this layer.
        """
        nodes = _check_node_subset(nodes, self.n)
        k = len(nodes)
        new_id = np.full(self.n, -1, dtype=np.int64)
        new_id[nodes] = np.arange(k)
        lens = self.indptr[nodes + 1] - self.indptr[nodes]
        entries = ranges(self.indptr[nodes], lens)
        dst = new_id[self.indices[entries]]
        keep = dst >= 0
        rows = np.repeat(np.arange(k, dtype=np.int64), lens)[keep]
        indptr, indices, entries = _sorted_csr(k, k, rows, dst[keep], entries[keep])
        old_tie = self.tie[entries]
        if self.directed:
            tie_map, tie = old_tie, None
        else:
            tie_map, tie = unique_inverse(old_tie)
        layer = EdgeLayer(k, indptr, indices, tie, len(tie_map), self.directed)
        return (layer, tie_map) if return_tie_map else layer


def from_pairs(n: int, src, dst, directed: bool) -> EdgeLayer:
    """Build a layer from edge arrays ``src[e] -> dst[e]``, dropping self loops and duplicates.

    Undirected layers store both directions of each edge with a shared tie id; tie ids
    follow the order of the (larger, smaller) endpoint pairs.  Directed: tie == arange(nnz).
    """
    n = _check_n(n)
    src = _as_node_ids(src, n, "src")
    dst = _as_node_ids(dst, n, "dst")
    if src.shape != dst.shape:
        raise ValueError(f"src and dst must have the same length, got {len(src)} and {len(dst)}")
    return _directed(n, src, dst) if directed else _undirected(n, src, dst)


def _empty_layer(n: int, directed: bool) -> EdgeLayer:
    return EdgeLayer(
        n, np.zeros(n + 1, np.int64), np.empty(0, np.int32), None if directed else np.empty(0, np.int32), 0, directed
    )


def _symmetrize(n: int, low_ptr: np.ndarray, parts: list[np.ndarray]) -> EdgeLayer:
    """Undirected layer from a strictly-lower-triangular CSR (row i: sorted neighbours < i, no duplicates)
    whose targets come in `parts`, in CSR order; the list is emptied (the caller keeps no other reference,
    so each part is freed once copied).

    Tie ids are left out (derived on first use by `undirected_tie_ids`: edge id = its entry index in the
    lower CSR). The lower targets are parked in the second half of the layer's own target array, the
    transpose carries no payload, and rows are moved into place in blocks of rows (`BUILD_BLOCK`
    entries), front to back: row i's place ends at indptr[i + 1] = low_ptr[i + 1] + up_ptr[i + 1], at or
    before its later rows' parked targets (from m + low_ptr[i + 1], as up_ptr never exceeds m), so nothing
    is overwritten before it is moved. The build's peak is the layer's targets plus the upper half:
    12 bytes per edge (int32 ends), against 16 with a separate copy of the lower half.
    """
    m = sum(len(part) for part in parts)
    indices = np.empty(2 * m, dtype=np.int32)
    done = m
    while parts:
        part = parts.pop(0)
        indices[done : done + len(part)] = part
        done += len(part)
        del part
    up_ptr, up_idx = _structure_transpose(n, low_ptr, indices[m:])  # row j: neighbours > j
    indptr = low_ptr + up_ptr
    for r0, r1 in _row_blocks(n, 2 * m):
        # row i of the result = lower part of row i, then its upper part
        a, b = int(low_ptr[r0]), int(low_ptr[r1])
        pos = np.arange(a, b, dtype=np.int64)
        pos += np.repeat(up_ptr[r0:r1], np.diff(low_ptr[r0 : r1 + 1]))
        indices[pos] = indices[m + a : m + b].copy()  # the block's parked targets, read before any write
        a, b = int(up_ptr[r0]), int(up_ptr[r1])
        pos = np.arange(a, b, dtype=np.int64)
        pos += np.repeat(low_ptr[r0 + 1 : r1 + 1], np.diff(up_ptr[r0 : r1 + 1]))
        indices[pos] = up_idx[a:b]
    return EdgeLayer(n, indptr, indices, None, m, directed=False)


def _undirected(n: int, a: np.ndarray, b: np.ndarray) -> EdgeLayer:
    keep = a != b
    if not keep.all():  # copies only when there are self loops to drop
        a, b = a[keep], b[keep]
    del keep
    low_ptr, low_idx = _structure(n, n, np.maximum(a, b), np.minimum(a, b))
    parts = [low_idx]
    del low_idx  # _symmetrize frees it once parked in the layer
    return _symmetrize(n, low_ptr, parts)


def _directed(n: int, src: np.ndarray, dst: np.ndarray) -> EdgeLayer:
    keep = src != dst
    indptr, indices = _structure(n, n, src[keep], dst[keep])
    nnz = len(indices)
    return EdgeLayer(n, indptr, indices, None, nnz, directed=True)

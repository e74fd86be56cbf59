"""CSR array helpers shared by the network forms and the kinds: checks, sorting, transposing, ranges.

Sorting and transposing CSR structures is delegated to ``scipy.sparse`` (O(nnz) counting
conversions in C++), which is several times faster than ``numpy.argsort`` at 10^7 entries. Graph
builds work in blocks of `BUILD_BLOCK` entries so that their temporaries stay small next to the layer.
"""

from __future__ import annotations

import numpy as np
import scipy.sparse as sp

_MAX_NODES = np.iinfo(np.int32).max  # node ids are stored as int32

#: Entries (tie ends or pair draws) per block of a graph build's loops: 2^22, so each block's int64
#: temporaries are 32 MB at most, below glibc's largest mmap threshold (reused, not remapped).
BUILD_BLOCK = 1 << 22


def tie_dtype(n_ties: int) -> type:
    """The narrowest integer type of tie ids 0..n_ties-1 that scipy indexes without a copy: int32 below 2^31
    ties (4 bytes per stored tie end instead of 8), int64 beyond."""
    return np.int32 if n_ties <= _MAX_NODES else np.int64


def _check_rng(rng) -> None:
    if not isinstance(rng, np.random.Generator):
        raise TypeError(f"rng must be a numpy.random.Generator (np.random.default_rng(seed)), got {type(rng).__name__}")


def _check_n(n) -> int:
    if isinstance(n, (bool, np.bool_)) or int(n) != n or not 0 <= n <= _MAX_NODES:
        raise ValueError(f"n must be an integer in [0, {_MAX_NODES}], got {n!r}")
    return int(n)


def _frozen_array(x, dtype, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim != 1:
        raise ValueError(f"{name} must be one-dimensional")
    if arr.dtype != dtype:
        if len(arr) and not np.issubdtype(arr.dtype, np.integer):
            raise ValueError(f"{name} must be an integer array, got dtype {arr.dtype}")
        arr = arr.astype(dtype)
    arr.flags.writeable = False
    return arr


def _as_node_ids(x, n: int, name: str) -> np.ndarray:
    arr = np.asarray(x)
    if arr.ndim != 1 or (arr.size and not np.issubdtype(arr.dtype, np.integer)):
        raise ValueError(f"{name} must be a one-dimensional integer array")
    arr = arr.astype(np.int64, copy=False)
    if arr.size and (arr.min() < 0 or arr.max() >= n):
        raise ValueError(f"{name} contains node ids outside [0, {n})")
    return arr


def _check_node_subset(nodes, n: int) -> np.ndarray:
    nodes = _as_node_ids(nodes, n, "nodes")
    sorted_nodes = np.sort(nodes)
    if np.any(sorted_nodes[1:] == sorted_nodes[:-1]):
        raise ValueError("nodes must be distinct")
    return nodes


def _ptr_from_counts(counts: np.ndarray) -> np.ndarray:
    ptr = np.zeros(len(counts) + 1, dtype=np.int64)
    np.cumsum(counts, out=ptr[1:])
    return ptr


def ranges(starts: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """Concatenation of arange(s, s+l) for each (s, l), vectorised."""
    lengths = np.asarray(lengths, dtype=np.int64)
    ends = np.cumsum(lengths)
    out = np.arange(ends[-1] if len(ends) else 0, dtype=np.int64)
    out += np.repeat(np.asarray(starts, dtype=np.int64) - (ends - lengths), lengths)
    return out


def entry_positions(indptr: np.ndarray, rows: np.ndarray, dtype: type = np.int64) -> np.ndarray:
    """CSR positions of all entries of `rows`, row after row, in `dtype` (which must hold indptr[-1])."""
    starts = indptr[rows]
    lengths = indptr[rows + 1] - starts
    ends = np.cumsum(lengths)
    out = np.arange(ends[-1] if len(ends) else 0, dtype=dtype)
    starts -= ends
    starts += lengths  # row start minus its offset in the output
    out += np.repeat(starts.astype(dtype, copy=False), lengths)
    return out


def unique_inverse(x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sorted unique values and the inverse index (sort-based; np.unique is slow at 10^7 here)."""
    order = np.argsort(x, kind="stable")
    sx = x[order]
    new = np.ones(len(sx), dtype=bool)
    new[1:] = sx[1:] != sx[:-1]
    inverse = np.empty(len(x), dtype=np.int64)
    inverse[order] = np.cumsum(new) - 1
    return sx[new], inverse


def _near_equal_chunks(size: int, n_chunks: int) -> np.ndarray:
    """Chunk id of each of ``size`` consecutive positions cut into n_chunks near-equal chunks."""
    if n_chunks == 0:
        return np.empty(0, dtype=np.int64)
    base, extra = divmod(size, n_chunks)
    lengths = np.full(n_chunks, base, dtype=np.int64)
    lengths[:extra] += 1
    return np.repeat(np.arange(n_chunks, dtype=np.int64), lengths)


def _structure(n_rows: int, n_cols: int, rows: np.ndarray, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """CSR (indptr int64, indices int32) of the distinct (row, col) pairs, rows sorted."""
    mat = sp.coo_array((np.ones(len(rows), dtype=bool), (rows, cols)), shape=(n_rows, n_cols)).tocsr()
    mat.sum_duplicates()  # no-op if tocsr already produced canonical (sorted, unique) format
    return mat.indptr.astype(np.int64), mat.indices.astype(np.int32, copy=False)


def _sorted_csr(n_rows: int, n_cols: int, rows, cols, payload) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """CSR of *distinct* (row, col) pairs with rows sorted, plus ``payload`` permuted alike."""
    data = np.asarray(payload, dtype=np.int64) + 1  # +1: keep payload 0 away from sparse-zero handling
    mat = sp.coo_array((data, (rows, cols)), shape=(n_rows, n_cols)).tocsr()
    mat.sort_indices()
    if mat.nnz != len(data):
        raise AssertionError("_sorted_csr needs distinct (row, col) pairs")
    return mat.indptr.astype(np.int64), mat.indices.astype(np.int32, copy=False), mat.data - 1


def _transpose(
    n_rows: int, n_cols: int, indptr, indices, perm_dtype: type = np.int64
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Transpose a CSR structure: (indptr, indices) of the transpose (rows sorted) and
    ``perm`` (of `perm_dtype`, which must hold len(indices)) such that transposed entry e is original entry perm[e].

    Index arrays go to scipy as 32-bit when the entries fit, so it does not copy them to 64 bits."""
    data = np.arange(1, len(indices) + 1, dtype=perm_dtype)  # +1: keep entry 0 away from sparse-zero handling
    idx = np.int32 if len(indices) < _MAX_NODES else np.int64
    csc = sp.csr_array((data, indices.astype(idx, copy=False), indptr.astype(idx)), shape=(n_rows, n_cols)).tocsc()
    del data
    perm = csc.data
    perm -= 1
    return csc.indptr.astype(np.int64), csc.indices.astype(np.int32, copy=False), perm


def _row_blocks(n: int, nnz: int) -> list[tuple[int, int]]:
    """Row ranges [r0, r1) of an n-row CSR with nnz entries holding about `BUILD_BLOCK` entries each (on
    average), so that a build's per-block temporaries stay small next to the layer."""
    rows = max(1, int(BUILD_BLOCK * n // max(nnz, 1)))
    return [(r0, min(n, r0 + rows)) for r0 in range(0, n, rows)]


def _structure_transpose(n: int, indptr: np.ndarray, indices: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(indptr int64, indices int32) of the transpose of an n x n CSR structure, rows sorted (no payload)."""
    idx = np.int32 if len(indices) < _MAX_NODES else np.int64
    data = np.ones(len(indices), dtype=bool)
    csc = sp.csr_array((data, indices.astype(idx, copy=False), indptr.astype(idx)), shape=(n, n)).tocsc()
    return csc.indptr.astype(np.int64), csc.indices.astype(np.int32, copy=False)


def undirected_tie_ids(indptr: np.ndarray, indices: np.ndarray) -> np.ndarray:
    """Tie ids of a symmetric CSR with sorted rows and no self loops: edge {i, j} (i > j) gets its index in
    the strictly-lower CSR (the order of the (larger, smaller) endpoint pairs); both entries share it.

    Row i holds its lower part (neighbours < i) first, so those entries take the ids in CSR order; its
    upper part, sorted, is row i of the lower CSR's transpose, whose payload is the ids.
    """
    n, nnz = len(indptr) - 1, len(indices)
    m = nnz // 2
    ties = tie_dtype(m)
    lower = np.empty(nnz, dtype=bool)
    low_count = np.zeros(n, dtype=np.int64)
    degree = np.diff(indptr)
    for r0, r1 in _row_blocks(n, nnz):
        a, b = int(indptr[r0]), int(indptr[r1])
        owner = np.repeat(np.arange(r0, r1, dtype=np.int32), degree[r0:r1])
        np.less(indices[a:b], owner, out=lower[a:b])
        low_count[r0:r1] = np.bincount(owner[lower[a:b]] - r0, minlength=r1 - r0)
    _, _, up_tie = _transpose(n, n, _ptr_from_counts(low_count), indices[lower], ties)
    tie = np.empty(nnz, dtype=ties)
    tie[lower] = np.arange(m, dtype=ties)
    np.logical_not(lower, out=lower)
    tie[lower] = up_tie
    return tie

"""Bernoulli processes over pair indices: the exact, O(hits) draws behind the random-graph kinds."""

from __future__ import annotations

import math

import numpy as np


def _bernoulli_positions(n_items: int, p: float, rng: np.random.Generator) -> np.ndarray:
    """Sorted indices in [0, n_items) of a Bernoulli(p) process: geometric gaps, O(hits), no duplicates."""
    blocks = list(_bernoulli_blocks(n_items, p, rng))
    return np.concatenate(blocks) if blocks else np.empty(0, dtype=np.int64)


def _bernoulli_blocks(n_items: int, p: float, rng: np.random.Generator, block: int | None = None):
    """The positions of `_bernoulli_positions` as consecutive sorted int64 blocks of at most `block` draws.

    The geometric gaps are drawn in rounds of ``expected + 6 sd + 16`` values until the last position
    passes n_items, every round in full; a round drawn in pieces gives the same values in the same
    order (each gap takes its own uniforms), so the blocks concatenate to the one-array result and
    leave the generator in the same state, while no temporary is larger than a block.
    """
    if n_items <= 0 or p <= 0:
        return
    expected = n_items * p
    chunk = int(expected + 6 * math.sqrt(expected) + 16)
    block = chunk if block is None else max(1, int(block))
    last = -1
    while last < n_items:
        for start in range(0, chunk, block):
            pos = rng.geometric(p, size=min(block, chunk - start))
            np.cumsum(pos, out=pos)
            pos += last
            last = int(pos[-1])
            if pos[0] < n_items:
                yield pos[: np.searchsorted(pos, n_items)]


def _lower_pair(pos: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Pair index k -> (u int64, v int32) with v < u and k = u(u-1)/2 + v (row-major lower triangle)."""
    u = ((1.0 + np.sqrt(1.0 + 8.0 * pos)) / 2.0).astype(np.int64)
    u -= u * (u - 1) // 2 > pos  # fix float rounding (at most one step either way)
    u += (u + 1) * u // 2 <= pos
    return u, (pos - u * (u - 1) // 2).astype(np.int32)

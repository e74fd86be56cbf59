"""Forum boards: a share of the population split at random into boards of near-equal size."""

from __future__ import annotations

import numpy as np

from sim.networks.csr import _check_n, _check_node_subset, _check_rng, _near_equal_chunks, _sorted_csr
from sim.networks.groups import Groups, _groups_from_csr


def boards(
    n: int, membership: float, board_size: int, rng: np.random.Generator, members: np.ndarray | None = None
) -> Groups:
    """A forum: round(membership*n) uniformly random members (or exactly ``members`` if given,
    ignoring ``membership``), split at random into ceil(M/board_size) boards of near-equal
    size; every member is in exactly one board and non-members in none.
    """
    _check_rng(rng)
    n = _check_n(n)
    board_size = int(board_size)
    if board_size < 1:
        raise ValueError(f"board_size must be >= 1, got {board_size}")
    if members is None:
        if not 0.0 <= membership <= 1.0:
            raise ValueError(f"membership must be in [0, 1], got {membership}")
        pool = rng.permutation(n)[: round(membership * n)]
    else:
        pool = rng.permutation(_check_node_subset(members, n))
    n_boards = -(-len(pool) // board_size)
    board = _near_equal_chunks(len(pool), n_boards)
    group_ptr, member_ids, _ = _sorted_csr(n_boards, n, board, pool, np.zeros(len(pool), dtype=np.int64))
    return _groups_from_csr(n, n_boards, group_ptr, member_ids)

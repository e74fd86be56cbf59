"""Chat groups: close circles (WeChat groups), each person in a few of them."""

from __future__ import annotations

import numpy as np

from sim.networks.csr import _check_n, _check_rng, _near_equal_chunks, _sorted_csr
from sim.networks.groups import Groups, _groups_from_csr


def chat_groups(n: int, group_size: int, groups_per_person: int, rng: np.random.Generator) -> Groups:
    """Close chat circles like WeChat groups: each agent joins ``groups_per_person`` distinct groups.

    In each of groups_per_person rounds the agents are randomly permuted and cut into
    ceil(n/group_size) consecutive groups of near-equal size (<= group_size), giving about
    n*groups_per_person/group_size groups.  Each group is a clique of the agents' contact
    graph, which is where the clustering comes from; rounds are independent.
    """
    _check_rng(rng)
    n = _check_n(n)
    group_size, groups_per_person = int(group_size), int(groups_per_person)
    if group_size < 1:
        raise ValueError(f"group_size must be >= 1, got {group_size}")
    if groups_per_person < 0:
        raise ValueError(f"groups_per_person must be >= 0, got {groups_per_person}")
    per_round = -(-n // group_size)
    group_of_position = _near_equal_chunks(n, per_round)
    agents, groups = [], []
    for r in range(groups_per_person):
        agents.append(rng.permutation(n))
        groups.append(group_of_position + r * per_round)
    n_groups = per_round * groups_per_person
    agents = np.concatenate(agents) if agents else np.empty(0, dtype=np.int64)
    groups = np.concatenate(groups) if groups else np.empty(0, dtype=np.int64)
    group_ptr, member_ids, _ = _sorted_csr(n_groups, n, groups, agents, np.zeros(len(agents), dtype=np.int64))
    return _groups_from_csr(n, n_groups, group_ptr, member_ids)

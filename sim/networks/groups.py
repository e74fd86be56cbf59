"""The common form of group memberships (forum boards, chat groups): `Groups`, where a post in a group
is visible to all its members."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.networks.csr import _check_n, _check_node_subset, _frozen_array, _sorted_csr, _transpose


@dataclass(frozen=True, eq=False, repr=False)
class Groups:
    """Membership of agents in groups (forum boards, chat groups): a post in a group is visible to all its members.

    A slot is one (group, member) pair, identified by its index into ``members``; members
    of each group are sorted and each agent's slots are ordered by group id.
    """

    n: int  # agents
    n_groups: int
    group_ptr: np.ndarray  # int64 (n_groups+1,): members of g are members[group_ptr[g]:group_ptr[g+1]]
    members: np.ndarray  # int32 agent ids
    agent_ptr: np.ndarray  # int64 (n+1,): slots of agent i are agent_slots[agent_ptr[i]:agent_ptr[i+1]]
    agent_slots: np.ndarray  # int64: index into `members` (membership slot id)
    slot_group: np.ndarray  # int32 (len(members),): group of each slot

    def __post_init__(self) -> None:
        n = _check_n(self.n)
        n_groups = int(self.n_groups)
        arrays = {
            "group_ptr": _frozen_array(self.group_ptr, np.int64, "group_ptr"),
            "members": _frozen_array(self.members, np.int32, "members"),
            "agent_ptr": _frozen_array(self.agent_ptr, np.int64, "agent_ptr"),
            "agent_slots": _frozen_array(self.agent_slots, np.int64, "agent_slots"),
            "slot_group": _frozen_array(self.slot_group, np.int32, "slot_group"),
        }
        n_slots = len(arrays["members"])
        if arrays["group_ptr"].shape != (n_groups + 1,) or arrays["agent_ptr"].shape != (n + 1,):
            raise ValueError("group_ptr must have shape (n_groups+1,) and agent_ptr shape (n+1,)")
        for name in ("group_ptr", "agent_ptr"):
            ptr = arrays[name]
            if ptr[0] != 0 or ptr[-1] != n_slots or np.any(np.diff(ptr) < 0):
                raise ValueError(f"{name} must start at 0, be non-decreasing and end at len(members)")
        if len(arrays["agent_slots"]) != n_slots or len(arrays["slot_group"]) != n_slots:
            raise ValueError("agent_slots and slot_group must have one entry per membership slot")
        if n_slots and (arrays["members"].min() < 0 or arrays["members"].max() >= n):
            raise ValueError(f"members must lie in [0, {n})")
        object.__setattr__(self, "n", n)
        object.__setattr__(self, "n_groups", n_groups)
        for name, arr in arrays.items():
            object.__setattr__(self, name, arr)

    def __repr__(self) -> str:
        return f"Groups(n={self.n}, n_groups={self.n_groups}, slots={len(self.members)})"

    def group_sizes(self) -> np.ndarray:
        """Number of members of each group (int64, shape (n_groups,))."""
        return np.diff(self.group_ptr)

    def is_member(self) -> np.ndarray:
        """True for agents that belong to at least one group (bool, shape (n,))."""
        return np.diff(self.agent_ptr) > 0

    def subset(self, nodes: np.ndarray, *, return_slot_map: bool = False):
        """Memberships restricted to ``nodes`` (distinct ids), agent ``nodes[k]`` relabelled k.

        Group ids are kept (groups may become empty).  With ``return_slot_map=True`` also
        returns ``slot_map`` such that ``slot_map[new_slot]`` is the slot id in ``self``.
        """
        nodes = _check_node_subset(nodes, self.n)
        new_id = np.full(self.n, -1, dtype=np.int64)
        new_id[nodes] = np.arange(len(nodes))
        kept = np.flatnonzero(new_id[self.members] >= 0)
        group_ptr, members, slot_map = _sorted_csr(
            self.n_groups, len(nodes), self.slot_group[kept], new_id[self.members[kept]], kept
        )
        groups = _groups_from_csr(len(nodes), self.n_groups, group_ptr, members)
        return (groups, slot_map) if return_slot_map else groups


def _groups_from_csr(n: int, n_groups: int, group_ptr: np.ndarray, members: np.ndarray) -> Groups:
    agent_ptr, _, agent_slots = _transpose(n_groups, n, group_ptr, members)
    slot_group = np.repeat(np.arange(n_groups, dtype=np.int32), np.diff(group_ptr))
    return Groups(n, n_groups, group_ptr, members, agent_ptr, agent_slots, slot_group)

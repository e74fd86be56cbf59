"""sim.networks.groups: the membership form of the group kinds (forum boards, chat groups)."""

from __future__ import annotations

import numpy as np

from sim.networks.chat_groups import chat_groups
from tests.networks.helpers import check_groups, rng


def test_groups_subset():
    groups = chat_groups(500, 10, 2, rng(4))
    nodes = rng(5).choice(500, size=80, replace=False)
    sub, slot_map = groups.subset(nodes, return_slot_map=True)
    check_groups(sub)
    assert sub.n == 80 and sub.n_groups == groups.n_groups
    assert np.array_equal(nodes[sub.members], groups.members[slot_map])
    assert np.array_equal(sub.slot_group, groups.slot_group[slot_map])
    expected = np.isin(groups.members, nodes).sum()
    assert len(sub.members) == expected

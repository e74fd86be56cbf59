"""sim.networks.chat_groups: chat groups."""

from __future__ import annotations

import math

import numpy as np

from sim.networks.chat_groups import chat_groups
from tests.networks.helpers import (
    check_groups,
    rng,
)


def test_chat_groups():
    n, size, per_agent = 5_000, 30, 3
    groups = chat_groups(n, size, per_agent, rng(3))
    check_groups(groups)
    assert groups.n_groups == per_agent * math.ceil(n / size)
    assert np.all(np.diff(groups.agent_ptr) == per_agent)
    agent_groups = groups.slot_group[groups.agent_slots].reshape(n, per_agent)
    assert np.all(np.diff(agent_groups, axis=1) > 0)  # distinct groups per agent
    assert groups.group_sizes().max() <= size

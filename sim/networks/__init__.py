"""Social networks: one module per kind of graph or group structure, in one common form.

`sim.networks.core` holds the form every kind produces (CSR `EdgeLayer` for pairwise ties, `Groups`
for memberships) and the helpers they share; each kind is one module with its generator and, for the
offline network, a `from_config(network_section, n, rng)` builder registered in `OFFLINE_KINDS`
under its `network.kind` name. ("well_mixed" has no graph: the model uses a mean field instead.)
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.networks import community_blocks as _community_blocks
from sim.networks import edgelist as _edgelist
from sim.networks import erdos_renyi as _erdos_renyi
from sim.networks import small_world as _small_world
from sim.networks.boards import boards
from sim.networks.chat_groups import chat_groups
from sim.networks.community_blocks import community_blocks
from sim.networks.core import EdgeLayer, Groups, from_pairs, ranges, unique_inverse
from sim.networks.edgelist import from_edgelist
from sim.networks.erdos_renyi import erdos_renyi
from sim.networks.followers import followers
from sim.networks.small_world import even_degree, small_world

#: Builder of the offline network for each `network.kind` with a graph: (network section, n, rng) -> layer.
OFFLINE_KINDS: dict[str, Callable[..., EdgeLayer]] = {
    "small_world": _small_world.from_config,
    "erdos_renyi": _erdos_renyi.from_config,
    "community_blocks": _community_blocks.from_config,
    "edgelist": _edgelist.from_config,
}


def offline_network(net, n: int, rng: np.random.Generator) -> EdgeLayer:
    """The offline network a scenario's `network` section describes (not for kind "well_mixed")."""
    return OFFLINE_KINDS[net.kind](net, n, rng)


__all__ = [
    "OFFLINE_KINDS",
    "EdgeLayer",
    "Groups",
    "boards",
    "chat_groups",
    "community_blocks",
    "erdos_renyi",
    "even_degree",
    "followers",
    "from_edgelist",
    "from_pairs",
    "offline_network",
    "ranges",
    "small_world",
    "unique_inverse",
]

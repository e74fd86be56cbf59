"""Social networks: one module per kind of graph or group structure, in one common form.

Every kind produces the form of `sim.networks.core` (the CSR `EdgeLayer` for pairwise ties) or of
`sim.networks.groups` (`Groups` for memberships), built with the helpers of `sim.networks.csr`; each
kind is one module with its generator and, for the offline network, a `from_config(network_section, n,
rng)` builder registered in `OFFLINE_KINDS` under its `network.kind` name. ("well_mixed" has no graph:
the model uses a mean field instead.) Each name is imported from the module that defines it.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.config.graphs import GRAPH_KINDS
from sim.networks import community_blocks as _community_blocks
from sim.networks import edgelist as _edgelist
from sim.networks import erdos_renyi as _erdos_renyi
from sim.networks import real as _real
from sim.networks import small_world as _small_world
from sim.networks.core import EdgeLayer

#: Builder of the offline network for each `network.kind` with a graph: (network section, n, rng) -> layer.
OFFLINE_KINDS: dict[str, Callable[..., EdgeLayer]] = {
    "small_world": _small_world.from_config,
    "erdos_renyi": _erdos_renyi.from_config,
    "community_blocks": _community_blocks.from_config,
    "edgelist": _edgelist.from_config,
    **dict.fromkeys(GRAPH_KINDS, _real.from_config),
}


def offline_network(net, n: int, rng: np.random.Generator) -> EdgeLayer:
    """The offline network a scenario's `network` section describes (not for kind "well_mixed")."""
    return OFFLINE_KINDS[net.kind](net, n, rng)

"""Real graphs as the offline network: networkx's bundled social graphs (`network.kind = "karate"`,
`"davis"`, `"florentine"`, `"les_miserables"`) and graph files (`"graph_file"`: GraphML, GML, Pajek).

The graph is read by `sim.config.graphs` (which also sized the population from it when the scenario was
loaded); here person i is the graph's i-th node and each tie of the graph one undirected offline tie.
"""

from __future__ import annotations

import numpy as np

from sim.config.graphs import COMMUNITY_ATTRIBUTE, scenario_graph
from sim.networks.core import EdgeLayer, from_pairs


def graph_pairs(graph) -> tuple[int, np.ndarray, np.ndarray]:
    """(nodes, sources, targets) of a networkx graph, nodes numbered in the graph's node order."""
    index = {node: i for i, node in enumerate(graph.nodes())}
    pairs = np.array([(index[u], index[v]) for u, v in graph.edges()], dtype=np.int64).reshape(-1, 2)
    return len(index), pairs[:, 0], pairs[:, 1]


def communities(graph) -> np.ndarray | None:
    """Each person's community label (the node attribute `community`), or None if no node has one."""
    labels = [data.get(COMMUNITY_ATTRIBUTE) for _, data in graph.nodes(data=True)]
    if all(label is None for label in labels):
        return None
    return np.array(["" if label is None else str(label) for label in labels])


def from_config(net, n: int, rng: np.random.Generator) -> EdgeLayer:
    """The offline layer of a real graph (no random draw: the graph is given). Its node count must be the
    population's (a scenario loaded from a file was sized from it; a Scenario built in Python may not be)."""
    nodes, src, dst = graph_pairs(scenario_graph(net.kind, net.path))
    if nodes != n:
        where = net.path if net.kind == "graph_file" else f"network.kind = '{net.kind}'"
        raise ValueError(
            f"{where}: the graph has {nodes} nodes but population.size is {n}; leave population.size out of the "
            f"scenario file to take it from the graph, or set it to {nodes}"
        )
    if len(src) == 0:
        raise ValueError(f"{net.path}: no ties: the graph has nodes but no edges")
    return from_pairs(n, src, dst, directed=False)

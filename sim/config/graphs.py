"""The real graphs a scenario may name as its offline network: networkx's bundled social graphs
(`network.kind = "karate"`, `"davis"`, `"florentine"`, `"les_miserables"`) and users' graph files
(`network.kind = "graph_file"`: GraphML, GML or Pajek, read by networkx's readers).

They are read here, in the configuration layer, because the graph fixes the population: loading a
scenario takes `population.size` from its graph when the file leaves it out, and refuses a size that
differs (`sized_by_graph`). `sim.networks.real` turns the same graph into the offline layer.

What the model takes from a graph: its nodes, in the graph's own node order (person i is the i-th node),
and its ties, undirected (offline talk goes both ways), without weights, self loops or repeated ties;
the node attribute `community` (karate: the club each member joined after the split, "Mr. Hi" or
"Officer") where the graph has one. Davis's southern women are the women's graph: two women are tied
when they attended an event together (the projection of the women-events graph).
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

from sim.config.errors import ScenarioError

if TYPE_CHECKING:
    import networkx as nx

#: networkx's bundled social graphs by `network.kind`: (what it is, its loader's name in networkx).
BUNDLED_GRAPHS: dict[str, str] = {
    "karate": "Zachary's karate club (34 members, 78 ties; two factions after the club split)",
    "davis": "Davis's southern women (18 women, tied when they attended an event together)",
    "florentine": "Padgett's Florentine families (15 families, marriage ties)",
    "les_miserables": "Les Miserables (77 characters, tied when they appear in a chapter together)",
}
#: Graph file formats by suffix (`network.kind = "graph_file"`).
GRAPH_FILE_SUFFIXES = {".graphml": "GraphML", ".gml": "GML", ".net": "Pajek", ".paj": "Pajek", ".pajek": "Pajek"}
#: The kinds whose graph fixes the population.
GRAPH_KINDS = (*BUNDLED_GRAPHS, "graph_file")
#: Largest graph file read (bytes): networkx holds the whole graph as Python objects (about 1 KB a tie);
#: larger graphs go through an edge list (.csv or .parquet, `network.kind = "edgelist"`).
MAX_GRAPH_FILE_BYTES = 100 * 2**20
#: Graphs kept in memory once read (one scenario's graph is read by the loader, the layer and the seeding).
GRAPHS_KEPT = 4
#: The node attribute naming each person's community, where a graph has one.
COMMUNITY_ATTRIBUTE = "community"


def bundled_graph(kind: str) -> nx.Graph:
    """The bundled graph of `kind` (see BUNDLED_GRAPHS), with `community` node attributes where known."""
    import networkx as nx

    loaders: dict[str, Callable[[], nx.Graph]] = {
        "karate": _karate,
        "davis": _davis_women,
        "florentine": nx.florentine_families_graph,
        "les_miserables": nx.les_miserables_graph,
    }
    return loaders[kind]()


def _karate() -> nx.Graph:
    import networkx as nx

    graph = nx.karate_club_graph()
    nx.set_node_attributes(graph, {v: club for v, club in graph.nodes(data="club")}, COMMUNITY_ATTRIBUTE)
    return graph


def _davis_women() -> nx.Graph:
    import networkx as nx
    from networkx.algorithms import bipartite

    graph = nx.davis_southern_women_graph()
    return nx.Graph(bipartite.projected_graph(graph, graph.graph["top"]))


def read_graph_file(path: str | Path) -> nx.Graph:
    """A GraphML, GML or Pajek file as an undirected simple graph; ValueError naming the file otherwise."""
    import networkx as nx

    path = Path(path)
    fmt = GRAPH_FILE_SUFFIXES.get(path.suffix.lower())
    if fmt is None:
        allowed = ", ".join(GRAPH_FILE_SUFFIXES)
        raise ValueError(
            f"{path}: unknown graph file type '{path.suffix}'; allowed: {allowed} (edge lists: kind 'edgelist')"
        )
    size = path.stat().st_size
    if size > MAX_GRAPH_FILE_BYTES:
        raise ValueError(
            f"{path}: {size / 2**20:.0f} MB is more than the {MAX_GRAPH_FILE_BYTES // 2**20} MB a graph file may have; "
            "write larger graphs as an edge list (.csv or .parquet) and use network.kind = 'edgelist'"
        )
    readers: dict[str, Callable[[Path], Any]] = {
        "GraphML": nx.read_graphml,
        "GML": lambda p: nx.read_gml(p, label=None),
        "Pajek": nx.read_pajek,
    }
    try:
        graph = readers[fmt](path)
    except Exception as exc:  # networkx's readers raise many kinds (XML, parse, key and type errors)
        raise ValueError(f"{path}: not a readable {fmt} file ({type(exc).__name__}: {exc})") from None
    simple = nx.Graph()
    simple.add_nodes_from(graph.nodes(data=True))
    simple.add_edges_from((u, v) for u, v in graph.edges() if u != v)
    return simple


def scenario_graph(kind: str, path: str | Path | None) -> nx.Graph:
    """The graph a scenario's network section names (kind in GRAPH_KINDS), read once per file version
    (loading the scenario, building the layer and choosing seed users share it: never modify it)."""
    if kind != "graph_file":
        return _read(kind, None, 0, 0)
    stat = Path(path).stat()
    return _read(kind, str(path), stat.st_mtime_ns, stat.st_size)


@functools.lru_cache(maxsize=GRAPHS_KEPT)
def _read(kind: str, path: str | None, mtime_ns: int, size: int) -> nx.Graph:
    """The graph of `kind` (a graph file: the version with this modification time and size)."""
    return read_graph_file(path) if kind == "graph_file" else bundled_graph(kind)


def sized_by_graph(data: dict[str, Any], source: str, base_dir: Path) -> dict[str, Any]:
    """The scenario table with `population.size` taken from its graph, for a graph kind of network.

    A size the table gives must equal the graph's number of nodes: a mismatch is a ScenarioError naming
    both. A missing graph file is left to the scenario's file check (`network.path`); an unreadable one is
    a ScenarioError on `network.path`.
    """
    net = data.get("network")
    if not isinstance(net, dict) or net.get("kind") not in GRAPH_KINDS or net.get("enabled") is False:
        return data
    kind, path = net["kind"], net.get("path")
    if kind == "graph_file":
        if not isinstance(path, str) or not path:
            return data  # the schema names the missing path
        path = Path(path) if Path(path).is_absolute() else base_dir / path
        if not path.is_file():
            return data  # the file check names it
    try:
        nodes = scenario_graph(kind, path).number_of_nodes()
    except (OSError, ValueError) as exc:
        raise ScenarioError(f"{source}: invalid scenario\n  network.path: {exc}") from None
    population = data.setdefault("population", {})
    if not isinstance(population, dict):
        return data  # the schema names it
    size = population.setdefault("size", nodes)
    if size != nodes:
        raise ScenarioError(
            f"{source}: invalid scenario\n  population.size: {size!r} people, but the graph of network.kind = "
            f"'{kind}' has {nodes} nodes; leave population.size out to take it from the graph, or set it to {nodes}"
        )
    return data

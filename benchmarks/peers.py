"""Peer implementations of the independent cascade, run the way their users would run them.

Each peer gets the *same* graph as the project and the reference kernel (the project's
``sim.networks.erdos_renyi`` graph for the workload's seed, converted to a networkx ``Graph``;
the conversion counts as the peer's build time, as a networkx graph is what these libraries
need) and 10 random seed nodes, and is configured so that one run is an independent cascade
with transmission probability T: every newly infected node tries each susceptible neighbour
once with probability T, then is removed.

* **Mesa** ``mesa.examples.basic.virus_on_network`` (``VirusOnNetwork``): virus_spread_chance=T,
  virus_check_frequency=1, recovery_chance=1, gain_resistance_chance=1, so an infected agent
  infects its neighbours and becomes resistant in the same step.  The example calls
  ``nx.erdos_renyi_graph`` (an O(N^2) loop over all node pairs: hours at N = 10^5), so it is
  handed the shared graph instead.  Pitfall: in Mesa 3.5 the spring layout is *not* only in the
  visualisation: ``mesa.discrete_space.Network`` defaults to ``layout=nx.spring_layout`` and the
  example's model constructs its ``Network`` with that default, so building the model runs
  Fruchterman-Reingold on the whole graph (15 s at N = 1000, hopeless at 10^5).  The benchmark
  builds the grid with ``layout=None`` (a purely topological network, which is all the model
  uses).  Its step is per agent and asynchronous
  (``shuffle_do``): a node infected earlier in the same step may already spread, so it needs
  fewer steps than the synchronous cascade, with the same final-size distribution.  Its
  DataCollector (five passes over all agents) is part of its step.
* **NDlib** ``SIRModel`` with beta=T, gamma=1 (synchronous: susceptibility is read from the
  state at the start of the iteration): exactly the IC.  ``IndependentCascadesModel`` ("ndlib-ic")
  needs a per-edge threshold dictionary (T on every edge), built in the build phase.
* **EoN** ``basic_discrete_SIR(G, p=T)``: a synchronous frontier loop in pure Python.

Every runner returns a :class:`PeerRun`; timings exclude imports.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from benchmarks.timing import now

#: Peers this module can run, by command-line name.
PEERS = ("mesa", "ndlib", "ndlib-ic", "eon")
#: Python package each peer needs.
PEER_PACKAGES = {"mesa": "mesa", "ndlib": "ndlib", "ndlib-ic": "ndlib", "eon": "EoN"}
#: Safety cap on steps for peers that loop step by step.
MAX_STEPS = 10_000


@dataclass
class PeerRun:
    """Timing and outcome of one peer cascade."""

    build_seconds: float  # networkx graph + model set-up
    run_seconds: float  # simulation loop (steps with activity only)
    steps: int  # steps that started with at least one infected node
    ever_infected: int  # seeds included


def networkx_graph(layer):
    """networkx Graph of an undirected ``sim.networks.core.EdgeLayer`` (each edge once, no attributes)."""
    import networkx as nx

    src = np.repeat(np.arange(layer.n, dtype=np.int64), np.diff(layer.indptr))
    dst = layer.indices.astype(np.int64)
    lower = src < dst
    graph = nx.Graph()
    graph.add_nodes_from(range(layer.n))
    graph.add_edges_from(zip(src[lower].tolist(), dst[lower].tolist()))
    return graph


def run_peer(name: str, layer, transmission: float, seeds: np.ndarray, seed: int) -> PeerRun:
    """Run peer ``name`` on ``layer`` from ``seeds`` (node ids) with RNG seed ``seed``."""
    runners = {"mesa": run_mesa, "ndlib": run_ndlib_sir, "ndlib-ic": run_ndlib_ic, "eon": run_eon}
    if name not in runners:
        raise ValueError(f"unknown peer {name!r}; choose from {', '.join(PEERS)}")
    t0 = now()
    graph = networkx_graph(layer)
    graph_seconds = now() - t0
    run = runners[name](graph, transmission, [int(s) for s in seeds], seed)
    run.build_seconds += graph_seconds
    return run


def run_mesa(graph, transmission: float, seeds: list[int], seed: int) -> PeerRun:
    """Mesa's virus_on_network example as an independent cascade (see the module docstring)."""
    import functools
    from unittest import mock

    from mesa.examples.basic.virus_on_network import model as virus
    from mesa.examples.basic.virus_on_network.agents import State

    t0 = now()
    # The example builds its own G(n, p) with an O(N^2) pair loop: give it the shared graph;
    # and its Network grid would run a spring layout of the whole graph: no layout.
    with (
        mock.patch.object(virus.nx, "erdos_renyi_graph", lambda n, p, *a, **k: graph),
        mock.patch.object(virus, "Network", functools.partial(virus.Network, layout=None)),
    ):
        model = virus.VirusOnNetwork(
            num_nodes=graph.number_of_nodes(),
            avg_node_degree=1,
            initial_outbreak_size=0,
            virus_spread_chance=transmission,
            virus_check_frequency=1.0,
            recovery_chance=1.0,
            gain_resistance_chance=1.0,
            rng=seed,
        )
    # Infect exactly the shared seed nodes (the example would pick its own random ones).
    seed_set = set(seeds)
    for cell in model.grid.all_cells:
        if cell.coordinate in seed_set:
            for agent in cell.agents:
                agent.state = State.INFECTED
    model.datacollector.collect(model)
    build = now() - t0
    infected = model.datacollector.model_vars["Infected"]
    steps = 0
    t0 = now()
    while infected[-1] > 0 and steps < MAX_STEPS:
        model.step()
        steps += 1
    run = now() - t0
    resistant = model.datacollector.model_vars["Resistant"][-1]
    return PeerRun(build, run, steps, int(resistant + infected[-1]))


def _ndlib_run(model, steps_cap: int = MAX_STEPS) -> tuple[float, int, int]:
    """Iterate an NDlib SIR-like model until no node is infected: (seconds, steps, ever infected)."""
    t0 = now()
    steps = 0
    counts = {1: 1}
    while counts.get(1, 0) > 0 and steps < steps_cap:
        counts = model.iteration(node_status=False)["node_count"]
        steps += 1
    return now() - t0, steps, int(counts.get(1, 0) + counts.get(2, 0))


def _ndlib_model(model_class, graph, seeds: list[int], seed: int, model_params: dict, edge_threshold=None):
    import ndlib.models.ModelConfig as mc

    model = model_class(graph, seed=seed)
    config = mc.Configuration()
    for key, value in model_params.items():
        config.add_model_parameter(key, value)
    config.add_model_initial_configuration("Infected", seeds)
    if edge_threshold is not None:
        for edge in graph.edges():
            config.add_edge_configuration("threshold", edge, edge_threshold)
    model.set_initial_status(config)
    model.iteration(node_status=False)  # iteration 0 only reports the initial status: set-up
    return model


def run_ndlib_sir(graph, transmission: float, seeds: list[int], seed: int) -> PeerRun:
    """NDlib SIRModel with beta = T and gamma = 1 (an exact synchronous independent cascade)."""
    from ndlib.models.epidemics import SIRModel

    t0 = now()
    model = _ndlib_model(SIRModel, graph, seeds, seed, {"beta": transmission, "gamma": 1.0})
    build = now() - t0
    run, steps, ever = _ndlib_run(model)
    return PeerRun(build, run, steps, ever)


def run_ndlib_ic(graph, transmission: float, seeds: list[int], seed: int) -> PeerRun:
    """NDlib IndependentCascadesModel with threshold T on every edge."""
    from ndlib.models.epidemics import IndependentCascadesModel

    t0 = now()
    model = _ndlib_model(IndependentCascadesModel, graph, seeds, seed, {}, edge_threshold=transmission)
    build = now() - t0
    run, steps, ever = _ndlib_run(model)
    return PeerRun(build, run, steps, ever)


def run_eon(graph, transmission: float, seeds: list[int], seed: int) -> PeerRun:
    """EoN basic_discrete_SIR with p = T: one call; its time series has one entry per step."""
    import EoN

    rng = np.random.default_rng(seed)
    t0 = now()
    t, _s, i, r = EoN.basic_discrete_SIR(graph, transmission, initial_infecteds=seeds, rng=rng)
    run = now() - t0
    return PeerRun(0.0, run, len(t) - 1, int(r[-1] + i[-1]))

"""sim.networks.real and sim.config.graphs: networkx's bundled social graphs and graph files as the offline
network, the population sized by its graph, and hostile graph files."""

from __future__ import annotations

import networkx as nx
import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from sim.config import graphs
from sim.config.channels import NetworkConfig
from sim.config.errors import ScenarioError
from sim.config.graphs import BUNDLED_GRAPHS, bundled_graph, read_graph_file
from sim.config.scenario import load_scenario
from sim.networks.real import communities, from_config
from tests.networks.helpers import check_layer, edge_set, rng

#: (nodes, ties) of each bundled graph, from the published descriptions (Zachary 1977: 34 members, 78 ties;
#: Padgett's marriage network: 15 families, 20 ties; Knuth's Les Miserables: 77 characters, 254 ties).
PUBLISHED = {"karate": (34, 78), "florentine": (15, 20), "les_miserables": (77, 254)}


@pytest.mark.parametrize("kind", list(BUNDLED_GRAPHS))
def test_a_bundled_graph_is_the_offline_layer_tie_for_tie(kind):
    graph = bundled_graph(kind)
    layer = from_config(NetworkConfig(kind=kind), graph.number_of_nodes(), rng())
    check_layer(layer)
    index = {v: i for i, v in enumerate(graph.nodes())}
    expected = {(index[u], index[v]) for u, v in graph.edges()} | {(index[v], index[u]) for u, v in graph.edges()}
    assert edge_set(layer) == expected
    if kind in PUBLISHED:
        assert (layer.n, layer.n_ties) == PUBLISHED[kind]


def test_davis_is_the_womens_graph_of_shared_events():
    women = nx.davis_southern_women_graph()
    graph = bundled_graph("davis")
    assert set(graph.nodes()) == set(women.graph["top"]) and graph.number_of_nodes() == 18
    evelyn, laura = "Evelyn Jefferson", "Laura Mandeville"
    assert graph.has_edge(evelyn, laura) == bool(set(women[evelyn]) & set(women[laura]))


def test_karate_carries_its_two_factions_as_communities():
    labels = communities(bundled_graph("karate"))
    assert labels is not None and set(labels) == {"Mr. Hi", "Officer"}
    assert (labels[0], labels[33]) == ("Mr. Hi", "Officer")  # the instructor and the administrator
    assert communities(bundled_graph("florentine")) is None


@pytest.mark.parametrize("suffix", [".graphml", ".gml", ".net"])
def test_graph_files_in_each_format_give_the_same_layer(tmp_path, suffix):
    graph = nx.karate_club_graph()
    path = tmp_path / f"club{suffix}"
    {".graphml": nx.write_graphml, ".gml": nx.write_gml, ".net": nx.write_pajek}[suffix](graph, path)
    layer = from_config(NetworkConfig(kind="graph_file", path=str(path)), 34, rng())
    assert edge_set(layer) == edge_set(from_config(NetworkConfig(kind="karate"), 34, rng()))


def test_a_directed_graph_file_with_loops_and_repeats_becomes_simple_undirected_ties(tmp_path):
    graph = nx.MultiDiGraph([(0, 1), (1, 0), (0, 1), (2, 2), (2, 0)])
    path = tmp_path / "g.graphml"
    nx.write_graphml(graph, path)
    assert sorted(read_graph_file(path).edges()) == [("0", "1"), ("0", "2")]  # GraphML ids are strings
    layer = from_config(NetworkConfig(kind="graph_file", path=str(path)), 3, rng())
    assert edge_set(layer) == {(0, 1), (1, 0), (0, 2), (2, 0)}


def test_bad_graph_files_are_one_error_naming_the_file(tmp_path, monkeypatch):
    (tmp_path / "g.txt").write_text("0 1\n")
    with pytest.raises(ValueError, match=r"g\.txt: unknown graph file type '.txt'; allowed: .graphml"):
        read_graph_file(tmp_path / "g.txt")
    (tmp_path / "broken.gml").write_text("graph [ node [ id 0 ")
    with pytest.raises(ValueError, match=r"broken\.gml: not a readable GML file"):
        read_graph_file(tmp_path / "broken.gml")
    monkeypatch.setattr(graphs, "MAX_GRAPH_FILE_BYTES", 10)
    with pytest.raises(
        ValueError, match="more than the 0 MB a graph file may have; write larger graphs as an edge list"
    ):
        read_graph_file(tmp_path / "broken.gml")


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(content=st.binary(max_size=400), suffix=st.sampled_from(list(graphs.GRAPH_FILE_SUFFIXES)))
def test_any_bytes_as_a_graph_file_load_or_give_one_error_naming_the_file(tmp_path, content, suffix):
    path = tmp_path / f"random{suffix}"
    path.write_bytes(content)
    try:
        read_graph_file(path)
    except ValueError as exc:
        assert str(exc).startswith(str(path)) and "\n" not in str(exc)


# --- the population is the graph's ---------------------------------------------------------------------
def _scenario(folder, body: str):
    path = folder / "s.toml"
    path.write_text('name = "s"\n[seed_users]\ncount = 2\n' + body)
    return path


def test_the_population_is_taken_from_the_graph_or_must_match_it(tmp_path):
    assert load_scenario(_scenario(tmp_path, '[network]\nkind = "karate"\n')).population.size == 34
    assert (
        load_scenario(_scenario(tmp_path, '[network]\nkind = "karate"\n'), ["population.size=34"]).population.size == 34
    )
    with pytest.raises(
        ScenarioError, match="population.size: 40 people, but the graph of network.kind = 'karate' has 34"
    ):
        load_scenario(_scenario(tmp_path, '[network]\nkind = "karate"\n'), ["population.size=40"])
    nx.write_gml(nx.florentine_families_graph(), tmp_path / "families.gml")
    sc = load_scenario(_scenario(tmp_path, '[network]\nkind = "graph_file"\npath = "families.gml"\n'))
    assert sc.population.size == 15 and sc.network.path == str((tmp_path / "families.gml").resolve())
    off = load_scenario(_scenario(tmp_path, '[network]\nkind = "karate"\nenabled = false\n'))
    assert off.population.size == load_scenario(None).population.size  # no graph, no sizing


def test_a_missing_or_unreadable_graph_file_names_network_path(tmp_path):
    with pytest.raises(ScenarioError, match="network.path: graph file not found"):
        load_scenario(_scenario(tmp_path, '[network]\nkind = "graph_file"\npath = "none.graphml"\n'))
    with pytest.raises(ScenarioError, match="network.path is required when network.kind = 'graph_file'"):
        load_scenario(_scenario(tmp_path, '[network]\nkind = "graph_file"\n'))
    (tmp_path / "bad.graphml").write_text("<graphml")
    with pytest.raises(ScenarioError, match=r"network.path: .*bad\.graphml: not a readable GraphML file"):
        load_scenario(_scenario(tmp_path, '[network]\nkind = "graph_file"\npath = "bad.graphml"\n'))


def test_a_scenario_built_in_python_with_another_size_is_refused_when_the_model_is_built():
    from sim.config.schema import Scenario
    from sim.model.model import WomModel

    sc = Scenario.model_validate({"network": {"kind": "karate"}, "seed_users": {"count": 2}})
    with pytest.raises(ScenarioError, match="population.size: network.kind = 'karate': the graph has 34 nodes"):
        WomModel(sc, np.random.SeedSequence(1))


def test_a_run_on_the_karate_club_spreads_along_its_ties(tmp_path):
    from sim.model.streams import replicate_seed
    from sim.run.runner import run_replicate

    sc = load_scenario(_scenario(tmp_path, '[network]\nkind = "karate"\n[run]\ndays = 60\n'))
    ts = run_replicate(sc, replicate_seed(3, 0), 0)
    assert ts["adopted_total"].iloc[-1] >= 2 and ts["adopted_total"].max() <= 34


# --- seed users chosen in one of the graph's communities ----------------------------------------------
@pytest.mark.parametrize("faction", ["Mr. Hi", "Officer"])
def test_seed_users_may_be_chosen_in_one_faction_of_the_karate_club(tmp_path, faction):
    from sim.model.model import WomModel
    from sim.model.state import SEED_USER

    body = f'choice = "graph_community"\ngraph_community = "{faction}"\n[network]\nkind = "karate"\n'
    sc = load_scenario(_scenario(tmp_path, body))
    labels = communities(bundled_graph("karate"))
    for seed in range(5):
        chosen = np.flatnonzero(WomModel(sc, seed).people.kind == SEED_USER)
        assert len(chosen) == 2 and set(labels[chosen]) == {faction}


def test_a_graph_community_that_does_not_exist_is_named_with_the_graphs_own(tmp_path):
    from sim.model.model import WomModel

    sc = load_scenario(
        _scenario(tmp_path, 'choice = "graph_community"\ngraph_community = "Mr Hi"\n[network]\nkind = "karate"\n')
    )
    with pytest.raises(ScenarioError, match="'Mr Hi' is not a community of the graph; it has 'Mr. Hi', 'Officer'"):
        WomModel(sc, 0)
    sc = load_scenario(
        _scenario(tmp_path, 'choice = "graph_community"\ngraph_community = "x"\n[network]\nkind = "florentine"\n')
    )
    with pytest.raises(ScenarioError, match="has no node attribute 'community'"):
        WomModel(sc, 0)


@pytest.mark.parametrize(
    "body, message",
    [
        ('choice = "graph_community"\ngraph_community = "a"\n', "needs a real graph as the offline network"),
        ('choice = "graph_community"\n[network]\nkind = "karate"\n', "seed_users.graph_community: seed_users.choice"),
    ],
)
def test_graph_community_seeding_needs_a_real_graph_and_a_name(tmp_path, body, message):
    with pytest.raises(ScenarioError, match=message):
        load_scenario(_scenario(tmp_path, body))


# --- seed users by betweenness ----------------------------------------------------------------------
def test_betweenness_seeds_the_bridges_and_hubs_the_most_connected(tmp_path):
    """Les Miserables: Valjean leads both rankings; the bishop Myriel bridges his own circle (degree 10,
    second by betweenness), while Gavroche is second by degree (22)."""
    from sim.model.model import WomModel
    from sim.model.state import SEED_USER

    names = list(bundled_graph("les_miserables").nodes())
    chosen = {}
    for choice in ("betweenness", "hubs"):
        sc = load_scenario(_scenario(tmp_path, f'choice = "{choice}"\n[network]\nkind = "les_miserables"\n'))
        people = np.flatnonzero(WomModel(sc, 0).people.kind == SEED_USER)
        chosen[choice] = {names[i] for i in people}
    assert chosen == {"betweenness": {"Valjean", "Myriel"}, "hubs": {"Valjean", "Gavroche"}}


def test_betweenness_on_a_larger_graph_is_estimated_the_same_way_for_the_same_seed():
    from sim.model.model import WomModel
    from sim.model.state import SEED_USER

    sets = [
        "population.size=2500",
        "seed_users.count=5",
        'seed_users.choice="betweenness"',
        "channels.forum.enabled=false",
    ]
    sc = load_scenario(None, sets)
    runs = [np.flatnonzero(WomModel(sc, seed).people.kind == SEED_USER) for seed in (4, 4, 5)]
    assert np.array_equal(runs[0], runs[1]) and len(runs[0]) == 5


@pytest.mark.parametrize(
    "sets, message",
    [
        (['seed_users.choice="betweenness"', 'network.kind="well_mixed"'], "'betweenness' needs network.enabled"),
        (['seed_users.choice="betweenness"', "population.size=20001"], "at most 20,000 people"),
    ],
)
def test_betweenness_needs_an_offline_network_of_bounded_size(sets, message):
    with pytest.raises(ScenarioError, match=message):
        load_scenario(None, sets)

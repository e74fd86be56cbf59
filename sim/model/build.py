"""Building a model's world: the channels people talk on, contacts per person, and the seed users.

Used once, by `WomModel.__init__`. The channels are the accelerator's layers (`sim.model.channels`)
over the graphs of `sim.networks`: the offline layer (a generated or loaded graph, unless the
population is well-mixed), forum boards, Weibo followers and WeChat groups. Seed users are chosen
at random, as the best-connected people ("hubs"), or inside one community.
"""

from __future__ import annotations

import numpy as np

from sim import networks as network
from sim.config.channels import FILE_KINDS
from sim.config.errors import ScenarioError
from sim.config.graphs import COMMUNITY_ATTRIBUTE, GRAPH_KINDS, scenario_graph
from sim.config.population import BETWEENNESS_EXACT, BETWEENNESS_SOURCES, SeedUsersConfig
from sim.config.schema import Scenario
from sim.model.channels import Channel, degree
from sim.model.edge_channel import EdgeChannel
from sim.model.group_channel import GroupChannel
from sim.model.streams import Purpose, StepDraws
from sim.networks import real
from sim.networks.boards import boards
from sim.networks.chat_groups import chat_groups
from sim.networks.followers import followers as follower_layer
from sim.playbook.base import HookView

#: Slots of the placement draws (`Purpose.PLACEMENT`): the employees' order, the seed users' candidates'
#: order, the tie-break among equal scores, and the seed of sampled betweenness.
EMPLOYEE_ORDER, SEED_ORDER, SEED_TIEBREAK, BETWEENNESS_SEED = 0, 1, 2, 3


def build_channels(cfg: Scenario, rng: np.random.Generator, draws: StepDraws) -> dict[str, Channel]:
    """The enabled channels by name, in a fixed order (offline, forum, weibo, wechat): each draws its graph
    from `rng` in that order, so the same seed gives the same graphs; Weibo's official followers come from
    `draws` (one number per person, `Purpose.OFFICIAL_FOLLOW`)."""
    n, dt, wom, rel = cfg.population.size, cfg.run.dt, cfg.wom, cfg.relationship
    net = cfg.network
    channels: dict[str, Channel] = {}
    if net.enabled and net.kind != "well_mixed":
        try:
            layer = network.offline_network(net, n, rng)  # the builder registered for network.kind
        except (OSError, ValueError) as exc:
            if net.kind not in (*FILE_KINDS, *GRAPH_KINDS):
                raise
            key = "network.path" if net.kind in FILE_KINDS else "population.size"  # a file, or a graph's size
            raise ScenarioError(f"{key}: {exc}") from None
        channels["offline"] = EdgeChannel("offline", layer, net, wom, rel, n, dt)
    ch = cfg.channels
    if ch.forum.enabled:
        groups = boards(n, ch.forum.membership, ch.forum.board_size, rng)
        channels["forum"] = GroupChannel("forum", groups, ch.forum, wom, rel, n, dt, official_audience="members")
    if ch.weibo.enabled:
        layer = follower_layer(n, ch.weibo.follows_mean, ch.weibo.popularity_exponent, rng)
        followers = np.flatnonzero(draws.uniform(Purpose.OFFICIAL_FOLLOW, np.arange(n)) < ch.weibo.official_followers)
        channels["weibo"] = EdgeChannel("weibo", layer, ch.weibo, wom, rel, n, dt, official_followers=followers)
    if ch.wechat.enabled:
        groups = chat_groups(n, ch.wechat.group_size, ch.wechat.groups_per_person, rng)
        channels["wechat"] = GroupChannel("wechat", groups, ch.wechat, wom, rel, n, dt, official_audience="adopters")
    return channels


def hook_view(model) -> HookView:
    """The one view the playbook's hooks receive (`sim.playbook.base.HookView`): the model's parts, its
    step draws and the model steps a mechanism may take; the backend's draws are looked up at each
    call (the backend is built after the initial users are placed)."""
    return HookView(
        people=model.people,
        product=model.product,
        ledger=model.ledger,
        channels=model.channels,
        playbook=model.playbook,
        draws=model.draws,
        dt=model.dt,
        experience=model.experience,
        start_talking=model.start_talking,
        renew_talk=model.renew_talk,
        stop_talking=model.stop_talking,
        participation_draws=lambda *args: model.backend.participation_draws(*args),
        users=model.people.adopter_indices,
    )


def betweenness(layer, draws: StepDraws) -> np.ndarray:
    """Betweenness centrality of each person on the offline layer (Brandes 2001, networkx): exact up to
    BETWEENNESS_EXACT people, above that estimated from BETWEENNESS_SOURCES source people drawn from `rng`
    (Brandes and Pich 2007). The population is bounded by MAX_BETWEENNESS_PEOPLE (sim.config.population)."""
    import networkx as nx

    graph = nx.Graph()
    graph.add_nodes_from(range(layer.n))
    sources = np.repeat(np.arange(layer.n), layer.out_degree())
    graph.add_edges_from(zip(sources.tolist(), layer.indices.tolist()))
    if layer.n <= BETWEENNESS_EXACT:
        scores = nx.betweenness_centrality(graph)
    else:  # networkx draws the source people with its own generator, seeded from ours
        seed = draws.integer(Purpose.PLACEMENT, 0, 2**31, slot=BETWEENNESS_SEED)
        scores = nx.betweenness_centrality(graph, k=BETWEENNESS_SOURCES, seed=seed)
    return np.array([scores[i] for i in range(layer.n)])


def choose_initial_users(
    cfg: Scenario, channels: dict[str, Channel], draws: StepDraws
) -> tuple[np.ndarray, np.ndarray]:
    """The employees (`population.employees` people at random) and the seed users among the others, as
    (employees, seed users); drawn from `draws` in that order."""
    n = cfg.population.size
    order = draws.order(Purpose.PLACEMENT, np.arange(n), slot=EMPLOYEE_ORDER)
    employees = order[: cfg.population.employees]
    free = np.ones(n, dtype=bool)
    free[employees] = False
    if cfg.seed_users.choice == "graph_community":
        free &= graph_community_members(cfg)
    return employees, choose_seed_users(cfg.seed_users, channels, free, draws)


def graph_community_members(cfg: Scenario) -> np.ndarray:
    """Mask of the people in the real graph's community `seed_users.graph_community` (a ScenarioError
    naming the graph's communities when it has no such one, or none at all)."""
    net, wanted = cfg.network, cfg.seed_users.graph_community
    labels = real.communities(scenario_graph(net.kind, net.path))
    if labels is None:
        raise ScenarioError(
            f"seed_users.graph_community: the graph of network.kind = '{net.kind}' has no node attribute "
            f"'{COMMUNITY_ATTRIBUTE}'"
        )
    if wanted not in set(labels):
        known = ", ".join(repr(str(c)) for c in sorted(set(labels)))
        raise ScenarioError(f"seed_users.graph_community: {wanted!r} is not a community of the graph; it has {known}")
    return labels == wanted


def shuffled(draws: StepDraws, ids: np.ndarray) -> np.ndarray:
    """`ids` in a random order (the seed users' candidates)."""
    return ids[draws.order(Purpose.PLACEMENT, ids, slot=SEED_ORDER)]


def choose_seed_users(
    cfg: SeedUsersConfig, channels: dict[str, Channel], free: np.ndarray, draws: StepDraws
) -> np.ndarray:
    """`cfg.count` seed users among the `free` people (a mask), sorted by index; with choice
    'graph_community' the caller has already narrowed `free` to that community."""
    if cfg.choice in ("random", "graph_community"):
        candidates = shuffled(draws, np.flatnonzero(free))
    elif cfg.choice in ("hubs", "betweenness"):
        candidates = np.flatnonzero(free)
        tiebreak = draws.uniform(Purpose.PLACEMENT, candidates, slot=SEED_TIEBREAK)
        if cfg.choice == "hubs":
            score = degree(channels, len(free))
        else:  # an offline network: checked when the scenario was built
            score = betweenness(channels["offline"].layer, draws)
        candidates = candidates[np.lexsort((tiebreak, -score[candidates]))]
    else:
        ch = channels[cfg.community]  # enabled: checked when the scenario was built (sim.config.schema)
        candidates = shuffled(draws, np.flatnonzero(free & ch.member))
    if len(candidates) < cfg.count:
        raise ScenarioError(
            f"seed_users.count = {cfg.count} but only {len(candidates)} people can be chosen "
            f"with seed_users.choice = '{cfg.choice}'"
        )
    return np.sort(candidates[: cfg.count]).astype(np.int64)

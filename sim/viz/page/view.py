"""The page's network view: a sample of people, the ties of each layer among them, and who convinced whom.

A population of up to a million cannot be drawn; the view is a sample of at most NETWORK_SAMPLE
people grown breadth-first from a few seed users over every layer, so it shows word of mouth moving
through their neighbourhoods. It is laid out once per model (a seeded spring layout), so dots keep
their place as they change colour.

Ties per layer: pairwise layers (offline, Weibo follows) are the ties among the sampled people;
group layers (forum boards, WeChat groups) are drawn as a chain through the sampled members of each
group (a clique would hide everything else).

Who convinced whom is not recorded by the model; the page derives it from what is: each adopter's
channel and day of adoption (`adopt_channel`, `adopt_day`). An adopter persuaded through a layer is
linked to the sampled person who can reach them on that layer (a tie or a shared group) and adopted
most recently before them, the one most likely still talking. This is a likely path, not a record.
"""

from __future__ import annotations

from dataclasses import dataclass

import networkx as nx
import numpy as np

from sim.model.channels import csr_ranges
from sim.model.edge_channel import EdgeChannel
from sim.model.group_channel import GroupChannel
from sim.model.model import WomModel
from sim.model.state import CHANNEL, SEED_USER

#: At most this many people are drawn; a larger population is shown by a sample.
NETWORK_SAMPLE = 400
#: The sample grows breadth-first from this many seed users, so it shows their neighbourhoods.
SAMPLE_START_PEOPLE = 8
#: Fixed seed of the sample and its layout, so they do not jump between resets.
LAYOUT_SEED = 7
LAYOUT_ITERATIONS = 50
#: Layers the view can show, in this order; "all" shows every layer present.
LAYERS = ("offline", "forum", "weibo", "wechat")
ALL_LAYERS = "all"


@dataclass(frozen=True)
class NetworkView:
    """People drawn (ids into the model's arrays), their positions, and per layer the ties among them."""

    people: np.ndarray  # (k,) person ids
    pos: np.ndarray  # (k, 2) layout positions
    ties: dict[str, np.ndarray]  # layer -> (m, 2) pairs of indices into `people` (drawn)
    reach: dict[str, np.ndarray]  # layer -> (r, 2) who can reach whom (sender, receiver), indices into `people`

    @property
    def layers(self) -> list[str]:
        """The layers present in the model, in LAYERS order."""
        return [name for name in LAYERS if name in self.ties]


def sample_people(neighbours, n: int, start: np.ndarray, size: int, rng: np.random.Generator) -> np.ndarray:
    """Up to `size` people: breadth-first from `start` over `neighbours(ids) -> ids`, topped up at random.

    The last ring reached is cut at random so the neighbourhoods stay about equally large.
    """
    if n <= size:
        return np.arange(n)
    chosen = np.zeros(n, dtype=bool)
    frontier = np.unique(start)[:size]
    chosen[frontier] = True
    total = len(frontier)
    while total < size and len(frontier) and neighbours is not None:
        ring = np.unique(neighbours(frontier))
        ring = rng.permutation(ring[~chosen[ring]])[: size - total]
        chosen[ring] = True
        total += len(ring)
        frontier = ring
    if total < size:
        rest = np.flatnonzero(~chosen)
        chosen[rng.choice(rest, size - total, replace=False)] = True
    return np.flatnonzero(chosen)


def _neighbours(model: WomModel, ids: np.ndarray) -> np.ndarray:
    """Everyone the people `ids` reach on any layer (ties, followers, fellow group members)."""
    found = [np.empty(0, dtype=np.int64)]
    for ch in model.channels.values():
        if isinstance(ch, EdgeChannel):
            found.append(ch.layer.indices[csr_ranges(ch.layer.indptr, ids)[0]].astype(np.int64))
        elif isinstance(ch, GroupChannel):
            g = ch.groups
            groups = g.slot_group[g.agent_slots[csr_ranges(g.agent_ptr, ids)[0]]]
            found.append(g.members[csr_ranges(g.group_ptr, np.unique(groups))[0]].astype(np.int64))
    return np.concatenate(found)


def _edge_ties(ch: EdgeChannel, people: np.ndarray) -> np.ndarray:
    """(sender, receiver) pairs of a pairwise layer among `people` (indices into `people`)."""
    sub = ch.layer.subgraph(people)
    src = np.repeat(np.arange(sub.n), np.diff(sub.indptr))
    return np.column_stack([src, sub.indices.astype(np.int64)])


def _group_pairs(ch: GroupChannel, people: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Chains through each group's sampled members (drawn) and all pairs of co-members (who reaches whom)."""
    g = ch.groups
    slots, person = csr_ranges(g.agent_ptr, people)
    groups = g.slot_group[g.agent_slots[slots]].astype(np.int64)
    who = np.searchsorted(people, person)  # `people` is sorted
    order = np.lexsort((who, groups))
    groups, who = groups[order], who[order]
    same = groups[1:] == groups[:-1]
    chain = np.column_stack([who[:-1][same], who[1:][same]])
    pairs = [np.empty((0, 2), dtype=np.int64)]
    for group in np.unique(groups):
        members = who[groups == group]
        if len(members) > 1:
            a, b = np.meshgrid(members, members)
            mask = a != b
            pairs.append(np.column_stack([a[mask], b[mask]]))
    return chain, np.unique(np.concatenate(pairs), axis=0)


def network_view(model: WomModel, size: int = NETWORK_SAMPLE) -> NetworkView:
    """Sample up to `size` people around seed users over every layer and lay them out (seeded)."""
    rng = np.random.default_rng(LAYOUT_SEED)
    seeds = np.flatnonzero(model.people.kind == SEED_USER)
    if len(seeds) == 0:
        seeds = np.arange(model.n)
    start = rng.permutation(seeds)[:SAMPLE_START_PEOPLE]
    people = sample_people(lambda ids: _neighbours(model, ids), model.n, start, size, rng)
    ties, reach = {}, {}
    for name in LAYERS:
        ch = model.channels.get(name)
        if isinstance(ch, EdgeChannel):
            reach[name] = _edge_ties(ch, people)
            pairs = np.sort(reach[name], axis=1)
            ties[name] = np.unique(pairs, axis=0) if len(pairs) else pairs
        elif isinstance(ch, GroupChannel):
            ties[name], reach[name] = _group_pairs(ch, people)
    graph = nx.Graph()
    graph.add_nodes_from(range(len(people)))
    for pairs in ties.values():
        graph.add_edges_from(map(tuple, pairs.tolist()))
    layout = nx.spring_layout(graph, seed=LAYOUT_SEED, iterations=LAYOUT_ITERATIONS)
    pos = np.array([layout[i] for i in range(len(people))]).reshape(-1, 2)
    return NetworkView(people, pos, ties, reach)


def adoption_paths(model: WomModel, view: NetworkView, layers: list[str]) -> np.ndarray:
    """Likely (convincer, adopter) pairs among the sampled people (indices into `view.people`), on `layers`.

    For each sampled adopter persuaded through one of `layers`: the sampled person who reaches them
    on that layer and adopted most recently before them (see the module docstring).
    """
    day = model.people.adopt_day[view.people]
    channel = model.people.adopt_channel[view.people]
    found = [np.empty((0, 3))]
    for name in layers:
        pairs = view.reach.get(name)
        if pairs is None or not len(pairs):
            continue
        sender, receiver = pairs[:, 0], pairs[:, 1]
        ok = (channel[receiver] == CHANNEL[name]) & (day[sender] < day[receiver])
        found.append(np.column_stack([sender[ok], receiver[ok], day[sender[ok]]]))
    cand = np.concatenate(found)
    if not len(cand):
        return np.empty((0, 2), dtype=np.int64)
    cand = cand[np.lexsort((-cand[:, 2], cand[:, 1]))]  # by adopter, latest convincer first
    first = np.r_[True, cand[1:, 1] != cand[:-1, 1]]
    return cand[first, :2].astype(np.int64)

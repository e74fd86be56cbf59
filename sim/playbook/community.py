"""Fan economy versus community economy: fans drawing each other in, the brand stepping back, and a
community that closes the sale (trust), makes friends of its members and splits when it grows too large."""

from __future__ import annotations

import numpy as np

from sim.config.schema import Scenario
from sim.model import rules
from sim.model.channels import csr_ranges
from sim.model.people import State
from sim.model.state import Funnel
from sim.model.streams import Purpose
from sim.model.ties import UsedTies
from sim.networks.core import EdgeLayer
from sim.playbook.base import RAISES, Effect, HookView, Mechanism, Source

#: Part of a split community a member belongs to (-1: none drawn yet); kept only with community.split_size.
COMMUNITY_PART = State("community_part", np.int32, -1)
#: The part of a member who has not been drawn into one.
NO_PART = -1
#: New ties each person has made in the community; kept only with community.new_ties > 0.
NEW_TIES_MADE = State("community_ties_made", np.int16, 0)
#: Slots of a member's two draws of `Purpose.COMMUNITY_FRIEND`: whether they befriend someone, and whom.
BEFRIEND_SLOT, PARTNER_SLOT = 0, 1
#: The time-series column of the community's new ties so far (only with community.new_ties > 0).
NEW_TIES_COLUMN = "community_new_ties"


class Community(Mechanism):
    """Horizontal interaction (fan <-> fan) at peer_rate * horizontal * share of fans, the share taken over
    the whole pool (peer_reach = 'population') or over each person's offline contacts ('ties'); the
    brand's own interaction stops on brand_steps_back_day (`brand_active`).

    Its members are its fans. With trust > 0 it closes sales: a persuaded person decides against an
    expectation lowered by `rules.trust_discount` (trust * horizontal * share of members among their offline
    contacts). With befriend, members who take part in the same step use the offline ties between them once
    more (they grow as friends' ties do); with new_ties, each of them befriends another of them not yet a
    contact with that chance (`new_friends`: a new offline tie); past split_size members the community splits
    into parts, each member drawn into one (`Purpose.COMMUNITY_PART`), and friends are made only within a part. With
    intimacy_size, trust and the peer rate are multiplied by `rules.intimacy` (members per part past it fade
    both), so splitting restores them."""

    section = "community"
    turn = 4
    example_settings = ("community.horizontal=1",)
    factor = "relationship_chain"
    effect = Effect("participations", RAISES, "fans interacting with each other add participation")
    builds_brand_ties = True

    def __init__(self, scenario: Scenario, n: int):
        super().__init__(scenario, n)
        #: Parts the community is split into (1 = whole).
        self.parts = 1
        #: (day, members mask) of the last trust computation: fans do not change while people decide.
        self._members: tuple[float, np.ndarray] | None = None
        #: New offline ties made so far (community.new_ties).
        self.new_ties = 0

    def states(self) -> tuple[State, ...]:
        """With community.split_size: each member's part (-1 = none); with new_ties: the ties each has made."""
        parts = (COMMUNITY_PART,) if self.cfg.split_size is not None else ()
        return parts + ((NEW_TIES_MADE,) if self.cfg.new_ties > 0 else ())

    def series_columns(self) -> tuple[str, ...]:
        return (NEW_TIES_COLUMN,) if self.cfg.new_ties > 0 else ()

    def series(self, view: HookView) -> dict[str, int | float]:
        return {NEW_TIES_COLUMN: self.new_ties}

    def brand_active(self, day: float) -> bool:
        return day < self.cfg.brand_steps_back_day

    def participation_sources(self, view: HookView, pool: np.ndarray, day: float, dt: float) -> list[Source]:
        c = self.cfg
        if c.horizontal <= 0:
            return []
        if c.peer_reach == "ties":
            fan_share = _fans_among_contacts(view, pool)
        else:
            fan_share = view.people.counts[Funnel.FAN] / len(pool)
        return [Source("peers", rules.peer_rate(c.peer_rate, c.horizontal, fan_share) * self.intimacy(view))]

    def expectation_discount(self, view: HookView, people: np.ndarray, day: float) -> np.ndarray | float:
        """Trust closes the sale: `rules.trust_discount` of each persuaded person, from the share of members
        (fans) among their offline contacts at the start of the step (0.0 with trust = 0)."""
        c = self.cfg
        if c.trust <= 0 or c.horizontal <= 0:
            return 0.0
        if self._members is None or self._members[0] != day:
            self._members = (day, view.people.state == Funnel.FAN)
        layer = view.channels["offline"].incoming()
        share = rules.contacts_fan_share(self._members[1], layer.indptr, layer.indices, people)
        return rules.trust_discount(c.trust, c.horizontal, share) * self.intimacy(view)

    def intimacy(self, view: HookView) -> float:
        """`rules.intimacy` of the community (its members, the fans, in as many parts as split_size makes)."""
        c = self.cfg
        if c.intimacy_size is None:
            return 1.0
        members = int(view.people.counts[Funnel.FAN])
        return rules.intimacy(members, rules.community_parts(members, c.split_size), c.intimacy_size)

    def after_participation(self, view: HookView, participants: np.ndarray, feedback: float, day: float) -> None:
        """The members (fans) among this step's participants become friends, within their part: with befriend
        the ties between them are used once more; with new_ties some of them make new ties (`new_friends`)."""
        c = self.cfg
        if not (c.befriend or c.new_ties > 0) or len(participants) == 0:
            return
        members = np.flatnonzero(view.people.state == Funnel.FAN)
        part = self._assign_parts(view, members) if c.split_size is not None else None
        together = np.zeros(view.people.n, dtype=bool)
        together[participants] = True
        together &= view.people.state == Funnel.FAN
        offline = view.channels["offline"]
        if c.befriend:
            ties = friend_ties(offline.layer, np.flatnonzero(together), together, part)
            if len(ties):
                offline.strengthen(UsedTies(ties), day)
        if c.new_ties > 0:
            pairs = new_friends(view, np.flatnonzero(together), part, c.new_ties, c.max_new_ties, offline.layer)
            if len(pairs):
                offline.add_ties(pairs, view.people.state <= Funnel.AWARE)
                np.add.at(view.people.community_ties_made, pairs.reshape(-1), 1)
                self.new_ties += len(pairs)

    def _assign_parts(self, view: HookView, members: np.ndarray) -> np.ndarray:
        """Each member's part: all members drawn anew when the number of parts changes, else only members
        without one; returns the per-person part array."""
        part = view.people.community_part
        parts = rules.community_parts(len(members), self.cfg.split_size)
        if parts != self.parts:
            part[:] = NO_PART
            self.parts = parts
        new = members[part[members] == NO_PART]
        if parts > 1 and len(new):
            u = view.draws.uniform(Purpose.COMMUNITY_PART, new)
            part[new] = np.minimum((u * parts).astype(np.int32), parts - 1)
        elif len(new):
            part[new] = 0
        return part


def friend_ties(layer: EdgeLayer, people: np.ndarray, together: np.ndarray, part: np.ndarray | None) -> np.ndarray:
    """Ids (sorted, each once) of the ties of `layer` between two of `people` (`together` marks them, one
    bool per person) in the same part (`part`, one per person; None = one community)."""
    pos, rows = csr_ranges(layer.indptr, people)
    other = layer.indices[pos]
    keep = together[other]
    if part is not None:
        keep &= part[other] == part[rows]
    return np.unique(layer.tie[pos[keep]])


def new_friends(
    view: HookView, together: np.ndarray, part: np.ndarray | None, chance: float, most: int, layer: EdgeLayer
) -> np.ndarray:
    """The step's new friendships (shape (k, 2)) among the members taking part together (`together`, sorted
    ids): each befriends someone with `chance` (`Purpose.COMMUNITY_FRIEND`, slot BEFRIEND_SLOT) and picks
    one of the others taking part in their part uniformly (slot PARTNER_SLOT). Kept are pairs not yet tied
    whose two people have made fewer than `most` new ties; a person in several of the step's pairs keeps
    only the first (by the befriender's id), so nobody makes more than one new friend a step."""
    if len(together) < 2:
        return np.empty((0, 2), dtype=np.int64)
    group = part[together] if part is not None else np.zeros(len(together), dtype=np.int64)
    order = np.lexsort((together, group))
    people, group = together[order], group[order]
    starts = np.searchsorted(group, group, side="left")
    sizes = np.searchsorted(group, group, side="right") - starts
    u = view.draws.uniform(Purpose.COMMUNITY_FRIEND, people, BEFRIEND_SLOT)
    asks = (u < chance) & (sizes > 1)
    if not asks.any():
        return np.empty((0, 2), dtype=np.int64)
    who, start, size = people[asks], starts[asks], sizes[asks]
    me = np.flatnonzero(asks) - start  # my place in my part
    k = np.minimum(
        (view.draws.uniform(Purpose.COMMUNITY_FRIEND, who, PARTNER_SLOT) * (size - 1)).astype(np.int64), size - 2
    )
    partner = people[start + k + (k >= me)]  # anyone in my part but me
    made = view.people.community_ties_made
    keep = (made[who] < most) & (made[partner] < most) & ~layer.tied(who, partner)
    pairs = np.column_stack([who, partner])[keep]
    pairs = pairs[np.argsort(pairs[:, 0], kind="stable")]  # by befriender: the first pair of a person wins
    flat = pairs.reshape(-1)
    _, first = np.unique(flat, return_index=True)
    once = np.zeros(len(flat), dtype=bool)
    once[first] = True
    return pairs[once[0::2] & once[1::2]]


def _fans_among_contacts(view: HookView, pool: np.ndarray) -> np.ndarray:
    """Share of fans among the offline contacts of each pool member (community.peer_reach = 'ties')."""
    # the offline layer exists: checked when the scenario was built (sim.config.schema)
    layer = view.channels["offline"].incoming()  # who each person hears from: their contacts
    return rules.contacts_fan_share(view.people.state == Funnel.FAN, layer.indptr, layer.indices, pool)

"""A group channel: a post is shown to every member of the poster's groups (forum boards, WeChat groups), each
member with a tie to each of their groups (`sim.model.channels` has what every channel shares).

In a market of brands (`GroupChannel.carry_brands`) a group's live posts are counted per brand (the poster's owned
brand) and valence, and a member meets each brand's posts apart: toward that brand with the channel's
transmission, toward the other brands with the cross transmission (`brand_read_chances`)."""

from __future__ import annotations

import numpy as np

from sim.config.brands import MAX_BRANDS
from sim.model import rules
from sim.model.channels import Channel, csr_ranges
from sim.model.funnel import Contacts
from sim.model.live import LiveGroups
from sim.model.people import People
from sim.model.state import NEGATIVE, Funnel
from sim.model.streams import Purpose, StepDraws
from sim.model.ties import TieStrengths, UsedTies
from sim.networks.csr import ranges
from sim.networks.groups import Groups

#: Slots of a group's reads in a market of brands (`Purpose.READ`): after the one-brand reads' slots
#: (2 x code + negative, below BRAND_READ_BASE), one per channel code, valence and brand (MAX_BRANDS each).
BRAND_READ_BASE = 16


def brand_read_slot(code: int, negative: bool, brand: int) -> int:
    """The `Purpose.READ` slot of a membership's reads of one brand's posts with one valence on channel `code`."""
    return BRAND_READ_BASE + (2 * code + int(negative)) * MAX_BRANDS + brand


def brand_read_chances(read_p: float, p, p_cross, k, u) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """What a member meets in k live posts of one brand, each read with chance `read_p` and, read, persuading
    toward the brand with chance `p` or else toward the other brands with chance `p_cross` (category talk), as
    one message on an edge channel does (`EdgeChannel.contacts`), the k posts independently: with one uniform
    `u`, (seen any, persuaded toward the brand by any, persuaded across by any). The uniform's interval is cut
    so each event has its exact chance and the two persuasions their exact joint chance: both on [0, D), toward
    the brand only on [D, A), across only on [A, A + C - D), where A = 1 - (1 - read_p p)^k, C = 1 - (1 - read_p
    p_cross)^k, D = A + C - (1 - (1 - read_p (p + p_cross))^k); every persuasion lies inside `seen` (u below
    1 - (1 - read_p)^k) as p + p_cross <= 1. With one brand (no cross talk) it is the one-brand group read."""
    a = rules.at_least_one(read_p * p, k)
    c = rules.at_least_one(read_p * p_cross, k)
    d = a + c - rules.at_least_one(read_p * (p + p_cross), k)
    seen = u < rules.at_least_one(read_p, k)
    within = u < a
    cross = (u < d) | ((u >= a) & (u < a + c - d))
    return seen, within, cross


class GroupChannel(Channel):
    """A post is shown to every member of the poster's groups (forum boards, chat groups)."""

    def __init__(self, name, groups: Groups, cfg, wom, rel, n, dt, official_audience: str):
        super().__init__(name, cfg, wom, rel, n, dt)
        self.groups = groups
        self.member = groups.is_member()
        self._members = np.flatnonzero(self.member)  # membership is fixed: the "members" audience, found once
        self.ties = TieStrengths(len(groups.members), cfg.tie_strength, rel)  # member-group ties
        self.audience_kind = official_audience  # "members" (forum) or "adopters" (service account)
        self.n_pos = np.zeros(groups.n_groups, dtype=np.int64)
        self.n_neg = np.zeros(groups.n_groups, dtype=np.int64)
        self.fan_share = np.zeros(groups.n_groups)  # share of fans among each group's members (fans answering)
        #: Groups none of whose members a contact can move (found while reading; closed is for good, so a dead
        #: group stays dead and posts only it would show are not drawn: `readable`).
        self._dead = np.zeros(groups.n_groups, dtype=bool)
        #: In a market of brands (`carry_brands`): everyone's owned brand, the number of brands, the live posts
        #: per brand and group (positive, negative: (brands, groups)) and the cross-brand transmission.
        self.owned_brand: np.ndarray | None = None
        self.n_pos_brand = self.n_neg_brand = np.zeros((0, groups.n_groups), dtype=np.int32)

    def carry_brands(self, owned_brand: np.ndarray, brands: int, cross_transmission: float) -> None:
        """Count posts per brand (a market of brands, `sim.model.brands`): a post carries its poster's owned brand
        (`owned_brand`, everyone's, -1 for none: such a post persuades toward no brand and is not counted), and
        the contacts are one block per brand and valence (`Block.brand`), positive ones persuading across with
        `cross_transmission` (wom.transmission_cross x the channel's factor) as well."""
        self.owned_brand = owned_brand
        self.n_pos_brand = np.zeros((brands, self.groups.n_groups), dtype=np.int32)
        self.n_neg_brand = np.zeros((brands, self.groups.n_groups), dtype=np.int32)
        self.cross_transmission = cross_transmission

    def contacts_per_person(self, n: int) -> np.ndarray:
        """Each person's fellow members, summed over their groups."""
        per_slot = self.groups.group_sizes()[self.groups.slot_group] - 1
        return np.bincount(self.groups.members, weights=per_slot, minlength=n).astype(np.int64)

    def can_post(self, people: np.ndarray) -> np.ndarray:
        return self.member[people]

    def prepare(self, step: int) -> None:
        """Count live positive and negative posts per group: what every member sees this step."""
        super().prepare(step)
        if self.answering():
            members = self.groups.members.astype(np.intp)
            self.fan_share = rules.fan_share(
                self.state[members] == Funnel.FAN, self.groups.slot_group, self.groups.n_groups
            )
        live = self.live
        self.n_pos[:] = 0
        self.n_neg[:] = 0
        if self.owned_brand is not None:
            self._count_per_brand(live)
            return
        if len(live) == 0:
            return
        slots, who = csr_ranges(self.groups.agent_ptr, live)
        groups = self.groups.slot_group[self.groups.agent_slots[slots]]
        negative = self.visible_valence[who] == NEGATIVE
        self.n_pos += np.bincount(groups[~negative], minlength=self.groups.n_groups)
        self.n_neg += np.bincount(groups[negative], minlength=self.groups.n_groups)

    def _count_per_brand(self, live: np.ndarray) -> None:
        """Live posts per brand (of their posters' owned brand) and group, positive and negative; the totals over
        brands in `n_pos`, `n_neg` (which groups are active). Posts of people who own no brand are not counted."""
        self.n_pos_brand[:] = 0
        self.n_neg_brand[:] = 0
        live = np.compress(self.owned_brand[live] >= 0, live)
        if len(live) == 0:
            return
        slots, who = csr_ranges(self.groups.agent_ptr, live)
        groups = self.groups.slot_group[self.groups.agent_slots[slots]]
        negative = self.visible_valence[who] == NEGATIVE
        index = self.owned_brand[who].astype(np.int64) * self.groups.n_groups + groups
        size, shape = self.n_pos_brand.size, self.n_pos_brand.shape
        self.n_pos_brand[:] = np.bincount(index[~negative], minlength=size).reshape(shape)
        self.n_neg_brand[:] = np.bincount(index[negative], minlength=size).reshape(shape)
        self.n_pos += self.n_pos_brand.sum(axis=0)
        self.n_neg += self.n_neg_brand.sum(axis=0)

    def _slot_chances(self, slots: np.ndarray, step: int, day: float):
        """For the members in `slots` (one membership each), the chances to see and to be persuaded by the
        other members' live posts, positive then negative: (who, strength, [(negative, seen, persuaded)])."""
        g = self.groups.slot_group[slots]
        who = self.groups.members[slots].astype(np.int64)
        own_live = self.visible_until[who] > step
        own_neg = own_live & (self.visible_valence[who] == NEGATIVE)
        k_pos = self.n_pos[g] - (own_live & ~own_neg)
        k_neg = self.n_neg[g] - own_neg
        strength = self.ties.now(slots, day)
        chances = []
        for negative, k, read_p, transmission in (
            (False, k_pos, self.read_pos, self.transmission_pos),
            (True, k_neg, self.read_neg, self.transmission_neg),
        ):
            p = rules.persuasion_probability(transmission, strength)
            if negative and self.answering():
                p = rules.answered_persuasion(p, self.answer_back, self.fan_share[g])
            chances.append((negative, rules.at_least_one(read_p, k), rules.at_least_one(read_p * p, k)))
        return who, strength, chances

    def contacts(
        self,
        step: int,
        day: float,
        draws: StepDraws,
        out: Contacts,
        open_mask: np.ndarray | None = None,
        receivers: range | None = None,
    ) -> UsedTies:
        """Members of groups with live posts meet those posts (one uniform per membership and valence: all
        positive ones, then all negative ones; keyed by the membership slot). Returns the membership slots used.

        With `open_mask`, closed members are skipped: what they read could only strengthen
        their own tie to the group, which only their own (closed) decisions read. With `receivers` (a range of
        person ids), only those members read."""
        active = np.flatnonzero((self.n_pos + self.n_neg) > 0)
        if len(active) == 0:
            return UsedTies(np.empty(0, dtype=np.int64))
        slots, _ = csr_ranges(self.groups.group_ptr, active)
        if open_mask is not None:
            member_open = open_mask[self.groups.members[slots]]
            self._note_dead(active, slots, member_open)
            slots = np.compress(member_open, slots)
        if receivers is not None:
            who = self.groups.members[slots]
            slots = np.compress((who >= receivers.start) & (who < receivers.stop), slots)
        if self.owned_brand is not None:
            return self._brand_contacts(slots, step, day, draws, out)
        who, strength, chances = self._slot_chances(slots, step, day)
        used = np.zeros(len(slots), dtype=bool)
        for negative, p_seen, p_persuaded in chances:
            u = draws.uniform(Purpose.READ, slots, 2 * self.code + negative)
            seen = u < p_seen
            tie = None
            if self.assurance and not negative:
                tie = np.compress(seen, np.broadcast_to(strength, slots.shape))
            out.add(np.compress(seen, who), self.code, negative, np.compress(seen, u < p_persuaded), tie)
            used |= seen
        return UsedTies(np.compress(used, slots))

    def _brand_contacts(self, slots: np.ndarray, step: int, day: float, draws: StepDraws, out: Contacts) -> UsedTies:
        """`contacts` in a market of brands: each membership meets its group's live posts of each brand apart (the
        other members' posts: `brand_read_chances`), with one uniform per membership, brand and valence
        (`Purpose.READ`, slot `brand_read_slot`); one block per brand and valence."""
        g = self.groups.slot_group[slots]
        who = self.groups.members[slots].astype(np.int64)
        own_live = self.visible_until[who] > step
        own_brand = np.where(own_live, self.owned_brand[who], -1)
        own_neg = self.visible_valence[who] == NEGATIVE
        strength = self.ties.now(slots, day)
        used = np.zeros(len(slots), dtype=bool)
        for negative, counts in ((False, self.n_pos_brand), (True, self.n_neg_brand)):
            read_p = self.read_neg if negative else self.read_pos
            p = rules.persuasion_probability(self.transmission_neg if negative else self.transmission_pos, strength)
            p = np.broadcast_to(p, slots.shape)
            if negative and self.answering():
                p = rules.answered_persuasion(p, self.answer_back, self.fan_share[g])
            p_cross = 0.0 if negative else rules.persuasion_probability(self.cross_transmission, strength)
            p_cross = np.broadcast_to(np.minimum(p + p_cross, 1.0) - p, slots.shape)
            for b in range(len(counts)):
                k = counts[b][g] - ((own_brand == b) & (own_neg == negative))
                at = np.flatnonzero(k > 0)
                if len(at) == 0:
                    continue
                u = draws.uniform(Purpose.READ, slots[at], brand_read_slot(self.code, negative, b))
                seen, within, cross = brand_read_chances(read_p, p[at], p_cross[at], k[at], u)
                tie = None
                if self.assurance and not negative:
                    tie = np.compress(seen, np.broadcast_to(strength, slots.shape)[at])
                cross = None if negative else np.compress(seen, cross)
                out.add(np.compress(seen, who[at]), self.code, negative, np.compress(seen, within), tie, None, cross, b)
                used[at] |= seen
        return UsedTies(np.compress(used, slots))

    def _note_dead(self, active: np.ndarray, slots: np.ndarray, member_open: np.ndarray) -> None:
        """Mark the `active` groups (their memberships: `slots`) none of whose members is open."""
        alive = np.zeros(self.groups.n_groups, dtype=bool)
        alive[self.groups.slot_group[np.compress(member_open, slots)]] = True
        self._dead[np.compress(~alive[active], active)] = True

    def _groups_of(self, people: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The group of each membership of `people`, and the position in `people` of the member holding it."""
        ptr = self.groups.agent_ptr
        starts = ptr[people]
        counts = ptr[people + 1] - starts
        slots = self.groups.agent_slots[ranges(starts, counts)]
        return self.groups.slot_group[slots], np.repeat(np.arange(len(people)), counts)

    def reopen(self, people: np.ndarray) -> None:
        """The groups of any of `people` are not dead any more."""
        if len(people) and self._dead.any():
            self._dead[self._groups_of(np.asarray(people, dtype=np.int64))[0]] = False

    def readable(self, people: np.ndarray) -> np.ndarray:
        """Whether each of `people` is in a group that is not dead (someone there can still be moved)."""
        groups, owner = self._groups_of(people)
        return np.bincount(np.compress(~self._dead[groups], owner), minlength=len(people)) > 0

    def contacts_of(self, i: int, step: int, day: float, draws: StepDraws) -> tuple[list, list]:
        """Per-agent rule: person i reads the live posts of each of its groups, group after group (two
        uniforms per group: positive posts, then negative ones)."""
        live: LiveGroups = self.for_step(step, day)
        if not live.reach[i]:  # no live post in any of i's groups
            return [], []
        lo, hi = self.groups.agent_ptr[i], self.groups.agent_ptr[i + 1]
        slots = self.groups.agent_slots[lo:hi]
        slots = np.compress(live.active[slots], slots)
        # the vector backend's numbers: membership slot, positive then negative
        u = np.stack([draws.uniform(Purpose.READ, slots, 2 * self.code + neg) for neg in (0, 1)], axis=1)
        seen = (u < live.seen[:, slots].T).tolist()
        persuaded = (u < live.persuaded[:, slots].T).tolist()
        strength = live.strength[slots].tolist() if live.strength is not None else [live.base] * len(slots)
        found, used = [], []
        for k, slot in enumerate(slots.tolist()):
            for negative in (False, True):
                if seen[k][negative]:
                    found.append((self.code, negative, persuaded[k][negative], strength[k]))
                    used.append(slot)
        return found, used

    def _find_for_step(self, step: int, day: float) -> LiveGroups:
        """The chances of every membership of a group with a live post (as counted by `prepare`)."""
        n_slots = len(self.groups.members)
        active = (self.n_pos + self.n_neg)[self.groups.slot_group] > 0
        slots = active.nonzero()[0]
        reach = np.zeros(len(self.member), dtype=bool)
        reach[self.groups.members[slots]] = True
        _, strength, chances = self._slot_chances(slots, step, day)
        seen, persuaded = np.zeros((2, n_slots)), np.zeros((2, n_slots))
        for negative, p_seen, p_persuaded in chances:
            seen[int(negative), slots] = p_seen
            persuaded[int(negative), slots] = p_persuaded
        if not isinstance(strength, np.ndarray):  # one strength for every tie
            return LiveGroups(reach, active, seen, persuaded, None, float(strength))
        full = np.zeros(n_slots)
        full[slots] = strength
        return LiveGroups(reach, active, seen, persuaded, full, 0.0)

    def official_audience(self, people: People) -> np.ndarray:
        if self.audience_kind == "members":
            return self._members
        return people.adopter_indices()

    def in_official_audience(self, people: People, i: int) -> bool:
        if self.audience_kind == "members":
            return bool(self.member[i])
        return bool(people.is_adopter(i))

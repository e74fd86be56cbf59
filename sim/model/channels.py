"""The accelerator at run time: each channel's live posts, tie strengths and who it reaches.

A channel turns this step's posts into contacts (someone saw a message; maybe it persuaded them).
`EdgeChannel` carries messages along pairwise ties (offline talk, Weibo followers); `GroupChannel`
shows a post to every member of the poster's groups (forum boards, WeChat groups). Each offers the
same contact rule twice: `contacts` for the whole population at once (vector backend) and
`contacts_of` for one person (per-agent backend); both draw from identical probabilities. The strength
of ties and the ties a step used live in `sim.model.ties`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np

from sim.config.behaviour import RelationshipConfig, WomConfig
from sim.config.channels import LayerConfig
from sim.model import rules
from sim.model.funnel import Contacts, WorkBuffers
from sim.model.live import LiveGroups, LiveIncoming
from sim.model.people import People
from sim.model.state import CHANNEL, NEGATIVE, Funnel
from sim.model.streams import Purpose, StepDraws
from sim.model.ties import TieStrengths, UsedTieChunks, UsedTies
from sim.networks.core import EdgeLayer
from sim.networks.csr import ranges
from sim.networks.groups import Groups

#: visible_until value of someone with no live post.
NO_POST = 0
#: Channels where a complaint is public and fans who read it can answer back (relationship.answer_back):
#: forum boards, WeChat groups, the poster's Weibo followers. Offline talk is private.
ANSWERED_CHANNELS = ("forum", "wechat", "weibo")
#: Out-ties an edge channel handles at once (2^20: its work arrays are about 8 MB, kept between steps).
CHUNK_CONTACTS = 1 << 20


def read_id(tie: np.ndarray, sender: np.ndarray, target) -> np.ndarray:
    """The keyed id of a message read along a tie (`Purpose.READ`): twice the tie id, plus 1 when the sender's
    id is the larger, so the two directions of an undirected tie read with their own numbers."""
    return 2 * np.asarray(tie, dtype=np.int64) + (np.asarray(sender) > target)


def csr_ranges(indptr: np.ndarray, rows: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Positions of all CSR entries of `rows`, and the row each position belongs to (no Python loop)."""
    starts = indptr[rows]
    counts = indptr[rows + 1] - starts
    return ranges(starts, counts), np.repeat(rows, counts)


class Brand(Protocol):
    """What a channel reads of the brand for its official posts (the playbook, `sim.playbook.playbook.Playbook`):
    the content's effects, and where readers of interactive posts are noted. Channels get it, not the model."""

    def content_effects(self) -> tuple[np.ndarray, np.ndarray, float]: ...

    def note_interactive_readers(self, readers: np.ndarray) -> None: ...


class Channel:
    """What every layer shares: opening days, post lifetime, read and persuasion probabilities, live posts."""

    def __init__(self, name: str, cfg: LayerConfig, wom: WomConfig, rel: RelationshipConfig, n: int, dt: float):
        self.name = name
        self.code = CHANNEL[name]
        self.cfg = cfg
        self.rel = rel
        self.dt = dt
        self.life = rules.post_life_steps(cfg.persistence, dt)
        self.read_pos = rules.read_probability_per_step(cfg.reach, self.life)
        self.read_neg = rules.read_probability_per_step(min(1.0, cfg.reach * wom.negative_reach_factor), self.life)
        self.transmission_pos = wom.transmission * cfg.transmission_factor
        self.transmission_neg = self.transmission_pos * wom.negative_transmission_factor
        self.visible_until = np.full(n, NO_POST, dtype=np.int32)  # steps (run.n_steps fits int32)
        self.visible_valence = np.zeros(n, dtype=np.int8)
        self.live = np.empty(0, dtype=np.int64)  # people whose post is still visible
        self._pruned = -1  # the step `live` was last pruned for
        self.official_posts: list[tuple[int, np.ndarray]] = []  # (visible until step, posts per content kind)
        #: Strong ties in the decision: contacts report the strength of their tie (relationship.tie_assurance).
        self.assurance = rel.tie_assurance > 0
        #: Fans who answer back here: the share of a complaint's persuasion their replies take away at most.
        self.answer_back = rel.answer_back if name in ANSWERED_CHANNELS else 0.0
        #: People's funnel states (the model's array), set by the model when fans answer back.
        self.state: np.ndarray | None = None
        #: What the per-agent rule reads in one step, found once for it: (step, `_find_for_step`'s value);
        #: None after any change (a post, pruning, closing, ties strengthened).
        self._per_step: tuple[int, object] | None = None

    def answering(self) -> bool:
        """Whether fans answer complaints on this channel (their replies weaken negative persuasion)."""
        return self.answer_back > 0 and self.state is not None

    def for_step(self, step: int, day: float):
        """What the per-agent rule reads in `step` (day `day`), found for everyone once per step (and again
        after any change), so that each person only draws and decides: see `_find_for_step`."""
        if self._per_step is None or self._per_step[0] != step:
            self._per_step = (step, self._find_for_step(step, day))
        return self._per_step[1]

    def _find_for_step(self, step: int, day: float):
        """The per-agent rule's givens of one step (overridden per channel)."""
        raise NotImplementedError

    def strengthen(self, used: UsedTies | UsedTieChunks, day: float) -> None:
        """Ties used this step grow toward full strength (`ties`: the subclass's `TieStrengths`)."""
        self._per_step = None
        self.ties.strengthen(used, day)

    def is_open(self, day: float) -> bool:
        """Whether the channel runs on this day (channel sequencing)."""
        return self.cfg.is_open(day)

    def can_post(self, people: np.ndarray) -> np.ndarray:
        """Mask of people who are on this channel (everyone, unless it has members)."""
        return np.ones(len(people), dtype=bool)

    def reaches_open(self, people: np.ndarray) -> np.ndarray:
        """Mask of `people` whose post here could still reach someone a contact can move (keyed draws)."""
        return np.ones(len(people), dtype=bool)

    def post(self, people: np.ndarray, valence: np.ndarray, step: int) -> None:
        """People post now; their post stays visible for `life` steps (a new post extends a live one)."""
        self._drop_expired(step)  # first, so that a person who posts again is listed once
        self._per_step = None
        fresh = np.compress(self.visible_until[people] <= step, people)  # not live yet: join the live list once
        self.visible_until[people] = step + self.life
        self.visible_valence[people] = valence
        self.live = np.concatenate([self.live, fresh])

    def _drop_expired(self, step: int) -> None:
        """Remove posts no longer visible in `step` from `live` (once per step)."""
        if self._pruned != step:
            self._pruned = step
            self.live = np.compress(self.visible_until[self.live] > step, self.live)

    def prepare(self, step: int) -> None:
        """After this step's posts: drop expired ones, so `live` holds the posts people can see now."""
        self._drop_expired(step)
        self._per_step = None
        self.official_posts = [(until, k) for until, k in self.official_posts if until > step]

    def close(self) -> None:
        """Remove all live posts (the channel has stopped)."""
        self.visible_until[self.live] = NO_POST
        self._per_step = None
        self.live = np.empty(0, dtype=np.int64)
        self.official_posts = []

    def post_official(self, counts: np.ndarray, step: int) -> None:
        """The brand's official account posts on this channel (counts per content kind)."""
        if np.sum(counts) > 0:
            self.official_posts.append((step + self.life, np.asarray(counts)))

    def n_official_live(self) -> np.ndarray:
        """Official posts currently visible, per content kind (useful, emotional, interactive)."""
        return sum((k for _, k in self.official_posts), np.zeros(3, dtype=np.int64))

    def official_probabilities(self, brand: Brand, brand_tie: np.ndarray):
        """Chances that a reader with brand tie `brand_tie` sees an official post, is persuaded by one,
        and sees an interactive one, given the live posts and the content's effects."""
        n_live = self.n_official_live()
        reach, persuasion, attention = brand.content_effects()
        miss = np.ones(len(brand_tie))
        unpersuaded = np.ones(len(brand_tie))
        for k in range(len(n_live)):
            if n_live[k] == 0:
                continue
            r = rules.read_probability_per_step(min(1.0, self.cfg.reach * reach[k]), self.life) * attention
            miss *= (1.0 - r) ** n_live[k]
            p = r * rules.persuasion_probability(self.transmission_pos * persuasion[k], brand_tie)
            unpersuaded *= (1.0 - p) ** n_live[k]
        r_i = rules.read_probability_per_step(min(1.0, self.cfg.reach * reach[2]), self.life) * attention
        return 1.0 - miss, 1.0 - unpersuaded, rules.at_least_one(r_i, n_live[2])

    def official_audience(self, people: People) -> np.ndarray:
        """Who sees the official account's posts on this channel (overridden per channel)."""
        return np.empty(0, dtype=np.int64)

    def official_contacts(self, people: People, brand: Brand, draws: StepDraws, out: Contacts, day: float) -> None:
        """Official posts reach their audience; persuasion is weighted by each reader's tie to the brand on `day`."""
        if not self.official_posts:
            return
        audience = self.official_audience(people)
        if len(audience) == 0:
            return
        p_read, p_pers, p_inter = self.official_probabilities(brand, people.brand_tie_now(audience, day))
        u = draws.uniform(Purpose.OFFICIAL_READ, audience, self.code)
        seen = u < p_read
        tie = np.compress(seen, people.brand_tie_now(audience, day)) if self.assurance else None
        out.add(np.compress(seen, audience), CHANNEL["official"], False, np.compress(seen, u < p_pers), tie)
        brand.note_interactive_readers(audience[draws.uniform(Purpose.INTERACT, audience, self.code) < p_inter])

    def official_contact_of(
        self, people: People, brand: Brand, i: int, draws: StepDraws, day: float
    ) -> list[tuple[int, bool, bool, float]]:
        """The same official-post rule for one person i: (channel, negative, persuaded, tie strength)."""
        if not self.official_posts or not self.in_official_audience(people, i):
            return []
        brand_tie = people.brand_tie_now(np.array([i]), day)
        p_read, p_pers, p_inter = self.official_probabilities(brand, brand_tie)
        u = draws.uniform_one(Purpose.OFFICIAL_READ, i, self.code)
        if draws.uniform_one(Purpose.INTERACT, i, self.code) < p_inter:
            brand.note_interactive_readers(np.array([i]))
        return [(CHANNEL["official"], False, bool(u < p_pers[0]), float(brand_tie[0]))] if u < p_read[0] else []

    def in_official_audience(self, people: People, i: int) -> bool:
        return False


class EdgeChannel(Channel):
    """Messages travel along pairwise ties; each tie has a strength that grows with use and relaxes back."""

    def __init__(self, name, layer: EdgeLayer, cfg, wom, rel, n, dt, official_followers=None):
        super().__init__(name, cfg, wom, rel, n, dt)
        self.layer = layer
        if TieStrengths.grow(rel):  # contacts read tie ids from the first step: derived before the strengths
            layer.prepare_ties()  # are stored, so the derivation's temporaries meet less memory in use
        self.ties = TieStrengths(layer.n_ties, cfg.tie_strength, rel)
        self.official_followers = (
            np.empty(0, dtype=np.int64)
            if official_followers is None
            else np.asarray(official_followers, dtype=np.int64)
        )
        self._follower_mask = np.zeros(n, dtype=bool)
        self._follower_mask[self.official_followers] = True
        self._incoming: EdgeLayer | None = None
        #: Keyed draws: closed people none of whose readers is open (found while reading; closed is for good,
        #: so a spent sender stays spent and its posts are not visited again).
        self._spent = np.zeros(n, dtype=bool)
        self.keep_sources = False  # report the sender of each contact (the dose-response rule asks for it)
        self._work = WorkBuffers()

    def contacts(
        self, step: int, day: float, draws: StepDraws, out: Contacts, open_mask: np.ndarray | None = None
    ) -> UsedTies | UsedTieChunks:
        """Frontier step: only out-ties of people with a live post are visited. Returns the ties used.

        With keyed draws and `open_mask` (per person: whether a contact can still move them in the funnel),
        reads between two people who are both closed are skipped (`_keyed_reads`).

        Senders are taken in chunks of about CHUNK_CONTACTS out-ties: one uniform per tie, drawn into a
        buffer reused between chunks and steps (sequential draws: the same stream as one draw for all ties,
        since each float64 takes one value of the generator; keyed draws: each tie's own number, `read_ids`),
        so the work arrays stay a few MB whatever the population.
        """
        ties_used, strength_used = [], []
        live = self.live
        negative_post = self.visible_valence[live] == NEGATIVE
        any_negative = bool(negative_post.any())
        growing = self.ties.at_epoch is not None
        for negative in (False, True):
            if negative and not any_negative:
                break
            senders = np.compress(negative_post == negative, live) if any_negative else live
            if draws.keyed and open_mask is not None:
                senders = np.compress(~self._spent[senders], senders)
            read_p = self.read_neg if negative else self.read_pos
            transmission = self.transmission_neg if negative else self.transmission_pos
            answered = negative and self.answering()
            indptr = self.layer.indptr
            for chunk in self._chunks(senders):
                source = np.repeat(chunk, indptr[chunk + 1] - indptr[chunk]) if self.keep_sources else None
                if draws.keyed:
                    targets, ties, u, share, source = self._keyed_reads(chunk, read_p, answered, open_mask, draws)
                    ties = ties if growing else None
                elif read_p < 1.0:  # filter the positions, then read targets and tie ids of the seen ones only
                    pos = self.layer.entries(chunk)
                    share = self._audience_fan_share(chunk, self.layer.indices[pos]) if answered else None
                    u, seen = self._work.take(len(pos))
                    draws.uniform(Purpose.READ, pos, 2 * self.code, out=u)
                    np.less(u, read_p, out=seen)
                    pos, u = np.compress(seen, pos), np.compress(seen, u)
                    targets = self.layer.indices[pos]
                    ties = self.layer.ties_at(pos) if growing else None
                    share = None if share is None else np.compress(seen, share)
                    source = None if source is None else np.compress(seen, source)
                else:  # everyone reads: scipy's row copy of targets (and ids) is the fastest
                    targets, ties = self.layer.out_ties(chunk, with_ties=growing)
                    share = self._audience_fan_share(chunk, targets) if answered else None
                    u, _ = self._work.take(len(targets))
                    draws.uniform(Purpose.READ, targets, 2 * self.code, out=u)
                strength = self.ties.now(ties, day)
                p = rules.persuasion_probability(transmission, strength)
                if answered:
                    p = rules.answered_persuasion(p, self.answer_back, share)
                persuaded = u < read_p * p
                assured = strength if self.assurance and not negative else None
                out.add(targets, self.code, negative, persuaded, assured, source)
                if growing:
                    ties_used.append(ties)
                    strength_used.append(strength)
        if not ties_used:
            return UsedTies(np.empty(0, dtype=np.int64))
        return UsedTieChunks([UsedTies(t, s, day) for t, s in zip(ties_used, strength_used)])

    def _keyed_reads(
        self, chunk: np.ndarray, read_p: float, answered: bool, open_mask: np.ndarray | None, draws: StepDraws
    ) -> tuple:
        """The out-ties of `chunk` (senders with a live post) that are read this step, with keyed draws: each
        read's uniform is keyed by its tie and direction (`read_id`), so the numbers do not depend on chunks,
        on order or on the reads skipped. Work follows change: with `open_mask`, a read between two people
        who are both closed (neither can be moved in the funnel again: state beyond aware) is skipped before
        drawing; it could only have strengthened a tie between them, which no later decision reads.
        Returns (targets, tie ids, uniforms, the sender's audience fan share if `answered`, senders if kept)."""
        indptr, layer = self.layer.indptr, self.layer
        pos = layer.entries(chunk)
        sender = np.repeat(chunk, indptr[chunk + 1] - indptr[chunk])
        targets = layer.indices[pos]
        share = self._audience_fan_share(chunk, targets) if answered else None
        if open_mask is not None:
            keep = open_mask[targets] | open_mask[sender]
            self._note_spent(chunk, keep, open_mask)
            pos, sender, targets = np.compress(keep, pos), np.compress(keep, sender), np.compress(keep, targets)
            share = None if share is None else np.compress(keep, share)
        ties = layer.ties_at(pos)
        u = draws.uniform(Purpose.READ, read_id(ties, sender, targets), 2 * self.code)
        if read_p < 1.0:
            seen = u < read_p
            targets, ties, u, sender = (np.compress(seen, a) for a in (targets, ties, u, sender))
            share = None if share is None else np.compress(seen, share)
        return targets, ties, u, share, (sender if self.keep_sources else None)

    def reaches_open(self, people: np.ndarray) -> np.ndarray:
        """Not spent: a spent person's post would be read by nobody who can still be moved."""
        return ~self._spent[people]

    def _note_spent(self, chunk: np.ndarray, keep: np.ndarray, open_mask: np.ndarray) -> None:
        """Mark the closed senders of `chunk` whose out-ties (row after row in `keep`) reach no open reader."""
        indptr = self.layer.indptr
        ends = np.cumsum(indptr[chunk + 1] - indptr[chunk])
        kept = np.concatenate([[0], np.cumsum(keep)])
        none_open = kept[ends] - kept[ends - (indptr[chunk + 1] - indptr[chunk])] == 0
        self._spent[np.compress(none_open & ~open_mask[chunk], chunk)] = True

    def _audience_fan_share(self, senders: np.ndarray, targets: np.ndarray) -> np.ndarray:
        """For each out-tie of `senders` (`targets`, row after row), the share of fans among its sender's audience."""
        counts = self.layer.indptr[senders + 1] - self.layer.indptr[senders]
        owner = np.repeat(np.arange(len(senders)), counts)
        return rules.fan_share(self.state[targets] == Funnel.FAN, owner, len(senders))[owner]

    def _chunks(self, senders: np.ndarray) -> list[np.ndarray]:
        """`senders` cut, in order, into runs of at most about CHUNK_CONTACTS out-ties each (a sender with
        more ties is a run of its own)."""
        if len(senders) == 0:
            return []
        indptr = self.layer.indptr
        reach = np.cumsum(indptr[senders + 1] - indptr[senders])
        if reach[-1] <= CHUNK_CONTACTS:
            return [senders]
        cuts = np.unique(np.searchsorted(reach, np.arange(CHUNK_CONTACTS, reach[-1], CHUNK_CONTACTS), side="right"))
        return [c for c in np.split(senders, cuts) if len(c)]

    def incoming(self) -> EdgeLayer:
        """Receiver-centric view (who can reach each person), built once for the per-agent backend."""
        if self._incoming is None:
            self._incoming = self.layer if not self.layer.directed else self.layer.in_neighbours_csr()
        return self._incoming

    def contacts_of(
        self, i: int, step: int, day: float, draws: StepDraws, senders: list | None = None
    ) -> tuple[list, list]:
        """Per-agent rule: person i looks at each in-neighbour with a live post, one after another (one uniform
        each, drawn together: the same numbers in the same order). Returns (contacts, ties used); the sender
        of each contact goes into `senders` if given."""
        live: LiveIncoming = self.for_step(step, day)
        lo, hi = live.start[i], live.start[i + 1]
        if lo == hi:
            return [], []
        ids = read_id(live.tie[lo:hi], live.sender[lo:hi], i) if draws.keyed else live.tie[lo:hi]
        u = draws.uniform(Purpose.READ, ids, 2 * self.code)
        seen = (u < live.read_p[lo:hi]).nonzero()[0]
        if len(seen) == 0:
            return [], []
        at = seen + lo
        js, negative, p = live.sender[at], live.negative[at], live.persuasion[at]
        if self.answering():
            for k in negative.nonzero()[0]:
                j = js[k]
                audience = self.layer.indices[self.layer.indptr[j] : self.layer.indptr[j + 1]]
                share = rules.fan_share(self.state[audience] == Funnel.FAN, np.zeros(len(audience), np.intp), 1)
                p[k] = rules.answered_persuasion(p[k], self.answer_back, share[0])
        persuaded = (u[seen] < live.read_p[at] * p).tolist()
        strengths = live.strength[at].tolist() if live.strength is not None else [live.base] * len(at)
        code = self.code
        found = [(code, neg, pers, st) for neg, pers, st in zip(negative.tolist(), persuaded, strengths, strict=True)]
        if senders is not None:
            senders.extend(js.tolist())
        return found, live.tie[at].tolist()

    def _find_for_step(self, step: int, day: float) -> LiveIncoming:
        """Each person's in-neighbours with a post visible in `step`, with what reading them takes."""
        inc = self.incoming()
        is_live = self.visible_until[inc.indices] > step
        at = is_live.nonzero()[0]
        sender = inc.indices[at].astype(np.int64)
        tie = inc.tie[at].astype(np.int64)
        negative = self.visible_valence[sender] == NEGATIVE
        strength = self.ties.now(tie, day)  # one for all when ties never change
        transmission = np.where(negative, self.transmission_neg, self.transmission_pos)
        growing = isinstance(strength, np.ndarray)
        return LiveIncoming(
            start=np.concatenate([[0], np.cumsum(is_live)])[inc.indptr].tolist(),
            sender=sender,
            tie=tie,
            negative=negative,
            read_p=np.where(negative, self.read_neg, self.read_pos),
            persuasion=np.asarray(rules.persuasion_probability(transmission, strength), dtype=float),
            strength=strength if growing else None,
            base=0.0 if growing else float(strength),
        )

    def official_audience(self, people: People) -> np.ndarray:
        return self.official_followers

    def in_official_audience(self, people: People, i: int) -> bool:
        return bool(self._follower_mask[i])

    def follow(self, people: np.ndarray) -> None:
        """People start following the official account."""
        self._follower_mask[people] = True
        self.official_followers = np.flatnonzero(self._follower_mask)

    def unfollow(self, people: np.ndarray) -> None:
        """People stop following the official account (information overload)."""
        if len(people):
            self._follower_mask[people] = False
            self.official_followers = np.flatnonzero(self._follower_mask)


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
        if len(live) == 0:
            return
        slots, who = csr_ranges(self.groups.agent_ptr, live)
        groups = self.groups.slot_group[self.groups.agent_slots[slots]]
        negative = self.visible_valence[who] == NEGATIVE
        self.n_pos += np.bincount(groups[~negative], minlength=self.groups.n_groups)
        self.n_neg += np.bincount(groups[negative], minlength=self.groups.n_groups)

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
        self, step: int, day: float, draws: StepDraws, out: Contacts, open_mask: np.ndarray | None = None
    ) -> UsedTies:
        """Members of groups with live posts meet those posts (one uniform per membership and valence: all
        positive ones, then all negative ones; keyed by the membership slot). Returns the membership slots used.

        With keyed draws and `open_mask`, closed members are skipped: what they read could only strengthen
        their own tie to the group, which only their own (closed) decisions read."""
        active = np.flatnonzero((self.n_pos + self.n_neg) > 0)
        if len(active) == 0:
            return UsedTies(np.empty(0, dtype=np.int64))
        slots, _ = csr_ranges(self.groups.group_ptr, active)
        if draws.keyed and open_mask is not None:
            slots = np.compress(open_mask[self.groups.members[slots]], slots)
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

    def contacts_of(self, i: int, step: int, day: float, draws: StepDraws) -> tuple[list, list]:
        """Per-agent rule: person i reads the live posts of each of its groups, group after group (two
        uniforms per group: positive posts, then negative ones)."""
        live: LiveGroups = self.for_step(step, day)
        if not live.reach[i]:  # no live post in any of i's groups
            return [], []
        lo, hi = self.groups.agent_ptr[i], self.groups.agent_ptr[i + 1]
        slots = self.groups.agent_slots[lo:hi]
        slots = np.compress(live.active[slots], slots)
        if draws.keyed:  # the vector backend's numbers: membership slot, positive then negative
            u = np.stack([draws.uniform(Purpose.READ, slots, 2 * self.code + neg) for neg in (0, 1)], axis=1)
        else:
            u = draws.uniform(Purpose.READ, np.empty(2 * len(slots)), 2 * self.code).reshape(len(slots), 2)
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


def degree(channels: Mapping[str, Channel], n: int) -> np.ndarray:
    """Contacts per person over all layers (followers count on Weibo, fellow members in groups): the one
    measure of a hub, for seed users (`seed_users.choice = "hubs"`) and super users
    (`fan_building.super_user_choice = "hubs"`)."""
    deg = np.zeros(n, dtype=np.int64)
    for ch in channels.values():
        if isinstance(ch, EdgeChannel):
            deg += ch.layer.out_degree()
        else:
            sizes = ch.groups.group_sizes()
            per_slot = sizes[ch.groups.slot_group] - 1
            deg += np.bincount(ch.groups.members, weights=per_slot, minlength=n).astype(np.int64)
    return deg

"""An edge channel: messages travel along pairwise ties (offline talk, Weibo followers), each tie with a
strength that grows with use and relaxes back (`sim.model.channels` has what every channel shares)."""

from __future__ import annotations

import numpy as np

from sim.model import rules
from sim.model.channels import Channel, csr_ranges
from sim.model.funnel import Contacts
from sim.model.live import LiveIncoming
from sim.model.people import People
from sim.model.state import NEGATIVE, Funnel
from sim.model.streams import Purpose, StepDraws
from sim.model.ties import TieStrengths, UsedTieChunks, UsedTies
from sim.networks.core import EdgeLayer

#: Out-ties an edge channel handles at once (2^20: its work arrays are about 8 MB, kept between steps).
CHUNK_CONTACTS = 1 << 20


def read_id(tie: np.ndarray, sender: np.ndarray, target) -> np.ndarray:
    """The keyed id of a message read along a tie (`Purpose.READ`): twice the tie id, plus 1 when the sender's
    id is the larger, so the two directions of an undirected tie read with their own numbers."""
    return 2 * np.asarray(tie, dtype=np.int64) + (np.asarray(sender) > target)


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
        #: Closed people none of whose readers is open (found while reading; closed is for good,
        #: so a spent sender stays spent and its posts are not visited again).
        self._spent = np.zeros(n, dtype=bool)
        self.keep_sources = False  # report the sender of each contact (the dose-response rule asks for it)
        #: Cross-brand (category) transmission of positive messages in a market of brands (`sim.model.brands`
        #: sets it from wom.transmission_cross): contacts then report whether each persuaded toward the other
        #: brands; None (one brand): nothing of it is computed.
        self.cross_transmission: float | None = None

    def contacts(
        self,
        step: int,
        day: float,
        draws: StepDraws,
        out: Contacts,
        open_mask: np.ndarray | None = None,
        receivers: range | None = None,
    ) -> UsedTies | UsedTieChunks:
        """Frontier step: only out-ties of people with a live post are visited. Returns the ties used.

        With `open_mask` (per person: whether a contact can still move them in the funnel), reads between two
        people who are both closed are skipped (`_reads`). With `receivers` (a range of person ids), only the
        reads by those receivers are made: the population's receivers read in parts give the reads of one pass.

        Senders are taken in chunks of about CHUNK_CONTACTS out-ties, so the work arrays stay a few MB whatever
        the population; each read draws its tie's own number (`read_id`), so chunks change no result.
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
            if open_mask is not None:
                senders = np.compress(~self._spent[senders], senders)
            read_p = self.read_neg if negative else self.read_pos
            transmission = self.transmission_neg if negative else self.transmission_pos
            answered = negative and self.answering()
            for chunk in self._chunks(senders):
                targets, ties, u, share, source = self._reads(chunk, read_p, answered, open_mask, draws, receivers)
                ties = ties if growing else None
                strength = self.ties.now(ties, day)
                p = rules.persuasion_probability(transmission, strength)
                if answered:
                    p = rules.answered_persuasion(p, self.answer_back, share)
                persuaded = u < read_p * p
                assured = strength if self.assurance and not negative else None
                cross = None
                if self.cross_transmission is not None and not negative:  # the same uniform, the next interval
                    p_cross = rules.persuasion_probability(self.cross_transmission, strength)
                    cross = ~persuaded & (u < read_p * np.minimum(p + p_cross, 1.0))
                out.add(targets, self.code, negative, persuaded, assured, source, cross)
                if growing:
                    ties_used.append(ties)
                    strength_used.append(strength)
        if not ties_used:
            return UsedTies(np.empty(0, dtype=np.int64))
        return UsedTieChunks([UsedTies(t, s, day) for t, s in zip(ties_used, strength_used)])

    def _reads(
        self,
        chunk: np.ndarray,
        read_p: float,
        answered: bool,
        open_mask: np.ndarray | None,
        draws: StepDraws,
        receivers: range | None = None,
    ) -> tuple:
        """The out-ties of `chunk` (senders with a live post) that are read this step: each read's uniform is
        keyed by its tie and direction (`read_id`), so the numbers do not depend on chunks, on order or on the
        reads skipped. Work follows change: with `open_mask`, a read between two people
        who are both closed (neither can be moved in the funnel again: state beyond aware) is skipped before
        drawing; it could only have strengthened a tie between them, which no later decision reads.
        With `receivers`, reads by other people are dropped after the spent senders are noted (a sender is spent
        by all its readers, whichever part they are in).
        Returns (targets, tie ids, uniforms, the sender's audience fan share if `answered`, senders if kept)."""
        indptr, layer = self.layer.indptr, self.layer
        pos = layer.entries(chunk)
        sender = np.repeat(chunk, indptr[chunk + 1] - indptr[chunk])
        targets = layer.indices[pos]
        share = self._audience_fan_share(chunk, targets) if answered else None
        keep = None
        if open_mask is not None:
            keep = open_mask[targets] | open_mask[sender]
            self._note_spent(chunk, keep, open_mask)
        if receivers is not None:
            inside = (targets >= receivers.start) & (targets < receivers.stop)
            keep = inside if keep is None else keep & inside
        if keep is not None:
            pos, sender, targets = np.compress(keep, pos), np.compress(keep, sender), np.compress(keep, targets)
            share = None if share is None else np.compress(keep, share)
        ties = layer.ties_at(pos)
        u = draws.uniform(Purpose.READ, read_id(ties, sender, targets), 2 * self.code)
        if read_p < 1.0:
            seen = u < read_p
            targets, ties, u, sender = (np.compress(seen, a) for a in (targets, ties, u, sender))
            share = None if share is None else np.compress(seen, share)
        return targets, ties, u, share, (sender if self.keep_sources else None)

    def contacts_per_person(self, n: int) -> np.ndarray:
        """Each person's out-ties (followers, on Weibo)."""
        return self.layer.out_degree()

    def readable(self, people: np.ndarray) -> np.ndarray:
        """Not spent: a spent person's post here is read by nobody a contact can move (`_note_spent`)."""
        return ~self._spent[people]

    def reopen(self, people: np.ndarray) -> None:
        """The senders who reach any of `people` (their in-neighbours) are not spent any more."""
        if len(people) and self._spent.any():
            layer = self.incoming()
            pos, _ = csr_ranges(layer.indptr, np.asarray(people, dtype=np.int64))
            self._spent[layer.indices[pos]] = False

    def add_ties(self, pairs: np.ndarray, open_mask: np.ndarray) -> None:
        """New undirected ties `pairs` (shape (k, 2), people not yet tied; `EdgeLayer.with_ties`), at the
        channel's base strength; `open_mask` says who a contact can still move: a spent person with a new open
        neighbour is not spent any more."""
        if len(pairs) == 0:
            return
        self.layer = self.layer.with_ties(pairs)
        self.ties.add(len(pairs))
        self._incoming = None
        self._per_step = None  # what the per-agent rule reads changed
        a, b = pairs[:, 0], pairs[:, 1]
        self._spent[a[open_mask[b]]] = False
        self._spent[b[open_mask[a]]] = False

    def _note_spent(self, chunk: np.ndarray, keep: np.ndarray, open_mask: np.ndarray) -> None:
        """Mark the closed senders of `chunk` whose out-ties (row after row in `keep`) reach no open reader."""
        indptr = self.layer.indptr
        counts = indptr[chunk + 1] - indptr[chunk]
        ends = np.cumsum(counts)
        kept = np.concatenate([[0], np.cumsum(keep)])
        none_open = kept[ends] - kept[ends - counts] == 0
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
        ids = read_id(live.tie[lo:hi], live.sender[lo:hi], i)
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

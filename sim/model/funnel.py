"""One step's contacts and the funnel moves they cause, for the whole population at once (vector backend).

Channels report their contacts in blocks (`Contacts`): people who met a message on one channel with
one valence, and whether it persuaded each of them. `resolve` turns them into funnel moves with the
same rule as the per-agent backend (`rules.contact_outcome` on each contacted person), in two tiers:
most contacts only make an unaware person aware, so only people with a persuasive contact go through
the full rule; everyone else who was unaware becomes aware in one assignment. Awareness and adoption
are credited to the channel of one qualifying contact chosen uniformly at random.

Work is proportional to the contacts, not to the population (`Scratch` keeps per-person work arrays
between steps, and nothing is sorted); when contacts are more than a `1 / DENSE_FACTOR` share of the
population, one pass over the population is cheaper than stamping them one by one, and is used instead.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from sim.model import rules
from sim.model.state import NO_CHANNEL, Funnel
from sim.model.streams import CREDIT_AWARE, CREDIT_BUY, Purpose, StepDraws

#: Use a pass over the population when contacts * DENSE_FACTOR >= population (measured at 10^6 people:
#: the pass costs about as much as handling N / 16 contacts one by one).
DENSE_FACTOR = 16


@dataclass
class Block:
    """Contacts on one channel with one valence: who met the message, and whether it persuaded each."""

    target: np.ndarray  # people reached, repeats allowed (any integer dtype)
    channel: int
    negative: bool
    persuaded: np.ndarray  # bool per contact
    #: strength (0-1) of the tie each contact came along, for strong ties in the decision; None: not used
    strength: np.ndarray | None = None
    source: np.ndarray | None = None  # the sender of each contact, when its channel keeps them
    #: per contact, whether it persuaded toward the other brands (category talk, `wom.transmission_cross`;
    #: only in a market of brands, `sim.model.brand_contacts`); None: no cross-brand talk
    cross: np.ndarray | None = None
    #: the brand whose posts made the contacts, where a block is one brand's (a group channel in a market of
    #: brands counts each brand's posts apart, `sim.model.group_channel`); None: the sender's brand, if any
    brand: int | None = None


@dataclass
class Contacts:
    """This step's contacts, block by block, as the channels reported them."""

    blocks: list[Block] = field(default_factory=list)

    def add(
        self,
        target: np.ndarray,
        channel: int,
        negative: bool,
        persuaded: np.ndarray,
        strength: np.ndarray | float | None = None,
        source: np.ndarray | None = None,
        cross: np.ndarray | None = None,
        brand: int | None = None,
    ) -> None:
        """Record contacts on one channel with one valence (nothing when `target` is empty); `strength`, the
        tie strength of each contact (or one for all), only where strong ties weigh in the decision;
        `source`, the sender of each contact, only where the adoption rule counts distinct senders (or a
        market of brands reads the sender's brand); `cross`, whether each persuaded toward the other brands;
        `brand`, the one brand whose posts made them (a group channel's block in a market of brands)."""
        if len(target):
            if strength is not None:
                strength = np.broadcast_to(np.asarray(strength, dtype=float), np.shape(target))
            block = Block(
                target, int(channel), bool(negative), np.asarray(persuaded, dtype=bool), strength, source, cross, brand
            )
            self.blocks.append(block)


@dataclass
class Moves:
    """What this step's contacts did (each array holds distinct people)."""

    aware: np.ndarray  # unaware people who met a message: they are aware now (or further along)
    aware_channel: np.ndarray | int  # ... the channel credited for it (for a buyer, the one credited for buying)
    buyers: np.ndarray  # people persuaded to buy
    buy_channel: np.ndarray | int  # ... the channel credited for the purchase (one code: the same for all)
    rejecters: np.ndarray  # people who turned away

    @classmethod
    def from_outcomes(
        cls,
        people: np.ndarray,
        before: np.ndarray,
        new: np.ndarray,
        aware_channel: np.ndarray,
        adopt_channel: np.ndarray,
    ) -> Moves:
        """Moves given person by person (the per-agent backend): states before and after, channels drawn."""
        aware = np.flatnonzero((before == Funnel.UNAWARE) & (new != Funnel.UNAWARE))
        buys = np.flatnonzero(new == Funnel.ADOPTER)
        credit = np.where(new == Funnel.ADOPTER, adopt_channel, aware_channel).astype(np.int8)
        return cls(
            people[aware], credit[aware], people[buys], adopt_channel[buys], np.compress(new == Funnel.REJECTER, people)
        )


class Scratch:
    """Per-person work arrays kept between steps, so that grouping contacts by person is O(contacts).

    `slot` may hold anything (see `distinct`); `mark` is all False and `rank` all -1 between uses.
    """

    def __init__(self, n: int):
        self.n = n
        self.slot = np.zeros(n, dtype=np.int32)  # positions (< 2^31) in one step's contact list
        self.mark = np.zeros(n, dtype=bool)
        self.rank = np.full(n, -1, dtype=np.int32)

    def distinct(
        self,
        groups: list[np.ndarray],
        state: np.ndarray | None = None,
        upto: int | None = None,
        exclude: np.ndarray | None = None,
    ) -> np.ndarray:
        """Each person found in any of `groups` once (only those with `state <= upto` if given, none of `exclude`).

        Many people: one pass over the population, in index order (which also makes later per-person
        lookups cache-friendly). Few: without sorting; of the repeated writes to one slot exactly one
        survives, and the entry that wrote it is kept.
        """
        mark = self.mark
        if sum(len(g) for g in groups) * DENSE_FACTOR >= self.n:
            for g in groups:
                mark[g.astype(np.intp, copy=False)] = True  # faster than indexing with int32 directly
            if upto is not None:
                mark &= state <= upto
            if exclude is not None:
                mark[exclude] = False
            out = np.flatnonzero(mark)
            mark.fill(False)
            return out
        people = np.concatenate(groups) if groups else np.empty(0, dtype=np.int64)
        if upto is not None:
            people = np.compress(state[people] <= upto, people)
        if exclude is not None and len(exclude):
            mark[exclude] = True
            people = np.compress(~mark[people], people)
            mark[exclude] = False
        idx = np.arange(len(people), dtype=np.int64)
        self.slot[people] = idx
        return np.compress(self.slot[people] == idx, people)

    def flags(self, people: np.ndarray, marked: list[np.ndarray]) -> np.ndarray:
        """For each of `people`, whether it occurs in any of the `marked` arrays."""
        for m in marked:
            self.mark[m] = True
        out = self.mark[people]
        for m in marked:
            self.mark[m] = False
        return out


def _persuasive(blocks: list[Block]) -> list[np.ndarray]:
    """Targets of the persuasive contacts of each block."""
    return [np.compress(b.persuaded, b.target) for b in blocks]


def random_channel(
    people: np.ndarray, blocks: list[tuple[np.ndarray, int]], scratch: Scratch, draws: StepDraws, slot: int
) -> np.ndarray | int:
    """For each of `people` (distinct), the channel of one of their contacts in `blocks` (target array,
    channel) chosen uniformly at random: a channel with probability proportional to its contacts, by
    inversion of the person's uniform (`Purpose.PICK_CONTACT`, `slot`) on the codes in ascending order.
    One code for everyone when the blocks share a channel."""
    codes = sorted({c for _, c in blocks})
    k = len(people)
    if len(codes) <= 1 or k == 0:
        return codes[0] if codes else NO_CHANNEL
    rank, mark = scratch.rank, scratch.mark
    rank[people] = np.arange(k)
    mark[people] = True  # looked up first: a byte per person stays in cache better than a rank (4 bytes)
    counts = np.zeros((len(codes), k))
    for target, code in blocks:
        r = rank[np.compress(mark[target], target)]
        counts[codes.index(code)] += np.bincount(r, minlength=k)
    rank[people] = -1
    mark[people] = False
    cum = np.cumsum(counts, axis=0)
    pick = draws.uniform(Purpose.PICK_CONTACT, people, slot) * cum[-1]
    return np.asarray(codes, dtype=np.int8)[(cum <= pick).sum(axis=0)]


def resolve(
    contacts: Contacts,
    state: np.ndarray,
    conversion,
    rejection,
    scratch: Scratch,
    draws: StepDraws,
    counts: np.ndarray | None = None,
) -> Moves:
    """Funnel moves of this step's contacts (`conversion(people)`: each one's chance to buy when persuaded;
    `rejection`: the chance a persuaded non-buyer turns away, a number or a function of the people giving
    one number for all or one per person).

    `counts` (people per funnel state, if given) lets a tier be skipped when nobody can take it: no
    persuasion pass once nobody is unaware or aware, no awareness pass once nobody is unaware (after
    saturation). Skipping draws nothing a full pass would have drawn (an empty tier draws no numbers)."""
    blocks = contacts.blocks
    positive = [b for b in blocks if not b.negative]
    open_left = counts is None or counts[Funnel.UNAWARE] + counts[Funnel.AWARE] > 0
    pos = _persuasive(positive) if open_left else []
    neg = _persuasive([b for b in blocks if b.negative]) if open_left else []
    people = scratch.distinct(pos + neg, state, upto=Funnel.AWARE)  # tier 1: a persuasive contact
    before = state[people]
    pos_hit = scratch.flags(people, pos) if neg else True
    neg_hit = scratch.flags(people, neg) if neg else False
    rejection = rejection(people) if callable(rejection) else rejection
    u_reject = draws.uniform(Purpose.REJECT, people) if np.any(rejection > 0) else 1.0  # none if nobody can reject
    tie = strongest_persuasive_tie(people, positive, scratch)
    convert_p = conversion(people) if tie is None else conversion(people, tie=tie)
    u_convert = draws.uniform(Purpose.CONVERT, people)
    new = rules.contact_outcome(before, True, pos_hit, neg_hit, convert_p, rejection, u_convert, u_reject)
    buyers = np.compress(new == Funnel.ADOPTER, people)
    buy_channel = random_channel(buyers, [(t, b.channel) for t, b in zip(pos, positive)], scratch, draws, CREDIT_BUY)
    # tier 2: everyone else unaware who met a message
    if counts is None or counts[Funnel.UNAWARE] > 0:
        aware_only = scratch.distinct([b.target for b in blocks], state, upto=Funnel.UNAWARE, exclude=people)
    else:
        aware_only = people[:0]
    aware = np.concatenate([np.compress(before == Funnel.UNAWARE, people), aware_only])
    aware_channel = random_channel(aware, [(b.target, b.channel) for b in blocks], scratch, draws, CREDIT_AWARE)
    if np.ndim(aware_channel):  # channels differ between people: buyers take the channel that sold them
        _credit_purchases(aware, aware_channel, buyers, buy_channel, scratch)
    return Moves(aware, aware_channel, buyers, buy_channel, np.compress(new == Funnel.REJECTER, people))


def strongest_persuasive_tie(people: np.ndarray, positive: list[Block], scratch: Scratch) -> np.ndarray | None:
    """For each of `people` (distinct), the strongest tie among their persuasive positive contacts: the tie
    that counts in the decision when several persuaded them (contacts without a tie, such as ads, count
    as 0). None when no block carries strengths (strong ties do not weigh in the decision)."""
    carrying = [b for b in positive if b.strength is not None]
    if not carrying:
        return None
    rank = scratch.rank
    rank[people] = np.arange(len(people))
    best = np.zeros(len(people))
    for b in carrying:
        r = rank[np.compress(b.persuaded, b.target)]
        s = np.compress(b.persuaded, b.strength)
        hit = r >= 0
        np.maximum.at(best, r[hit], s[hit])
    rank[people] = -1
    return best


def _credit_purchases(aware, aware_channel, buyers, buy_channel, scratch: Scratch) -> None:
    """A buyer who was unaware owes their awareness to the channel that sold them (in place)."""
    if len(buyers) == 0:
        return
    rank = scratch.rank
    rank[aware] = np.arange(len(aware))
    at = rank[buyers]
    rank[aware] = -1
    found = np.flatnonzero(at >= 0)
    aware_channel[at[found]] = np.broadcast_to(buy_channel, buyers.shape)[found]

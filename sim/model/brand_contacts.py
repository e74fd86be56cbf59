"""What reaches the open people of a market of brands in one step (`sim.model.brands`), as (brand, person)
tables over the step's open people (unaware or aware): `BrandContacts`.

- `field_contacts`: the well-mixed market and every brand's ads: brand b reaches each open person with
  chance `field_probability(r_b, dt)`, independently of the other brands, drawn by `independent_hits` (one
  number per person for which brand reaches them first, if any; more only for the people reached), and
  whether a reaching message came from b's ads is drawn with chance p_b / r_b (`Purpose.BRAND_FIELD`, slot 8 + b).
- `network_contacts`: messages along the offline network's ties (`sim.model.edge_channel`): a post of an
  owner of brand j, seen, persuades toward j with the channel's within-brand chance (wom.transmission);
  with the next interval of the same uniform, toward every other brand that has entered
  (wom.transmission_cross: category talk); a negative post (a detractor's) persuades against j. Any seen
  message makes the reader know the sender's brand. The same for a group channel's contacts, which carry the
  brand whose posts made them (`GroupChannel.carry_brands`).
- `credit_channels`: the channel credited for a person's awareness or purchase of a brand, one of their
  contacts for it chosen at random as in the one-brand model.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model import rules
from sim.model.funnel import Contacts, Scratch
from sim.model.state import CHANNEL, CHANNELS, NO_CHANNEL
from sim.model.streams import Purpose, StepDraws

#: Slot offset of the draw telling whether a brand's contact came from its ads (`Purpose.BRAND_FIELD`).
SOURCE_SLOT = 8


def bits(mask: np.ndarray, count: int) -> np.ndarray:
    """A (count, len(mask)) bool array: row b says whether bit b of each mask is set."""
    return ((mask[None, :] >> np.arange(count, dtype=np.uint8)[:, None]) & 1).astype(bool)


def to_mask(flags: np.ndarray) -> np.ndarray:
    """The uint8 masks of a (count, k) bool array (bit b from row b)."""
    weights = (1 << np.arange(flags.shape[0], dtype=np.uint16))[:, None]
    return (flags * weights).sum(axis=0).astype(np.uint8)


def first_chances(chances: np.ndarray) -> np.ndarray:
    """For independent events b with `chances` (one per brand), P(the first to happen is among 0..b) for each b:
    the sum over j <= b of chances[j] prod_{i < j} (1 - chances[i]). Its first entry is chances[0] itself, so
    with one event the comparison is that of drawing it alone."""
    chances = np.asarray(chances, dtype=float)
    none_before = np.cumprod(np.concatenate(([1.0], 1.0 - chances[:-1])))
    return np.cumsum(chances * none_before)


def independent_hits(
    draws: StepDraws, first: Purpose, also: Purpose, people: np.ndarray, chances: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """Which of the independent events b (chance `chances[b]`, one per brand) happen to each of `people`: the people
    with at least one (in their order) and a (brands, those people) bool table.

    Drawn with one uniform per person (`first`, slot 0), inverted on `first_chances` to give the first event that
    happens, if any (P(first = b) = chances[b] prod_{i < b} (1 - chances[i])); then, for the people with one, each
    later event j by its own uniform (`also`, slot j) with chance chances[j]. Given that b is the first, the later
    events are independent of it and of each other, and the earlier did not happen, so the table has exactly the
    law of one uniform per person and event (tests/model/test_brand_field.py enumerates it). The work is one number
    per person and, per later event, one per person already reached, instead of one per person and event."""
    chances = np.asarray(chances, dtype=float)
    brands = len(chances)
    cum = first_chances(chances)
    if len(people) == 0 or cum[-1] <= 0:
        return people[:0], np.zeros((brands, 0), dtype=bool)
    u = draws.uniform(first, people)
    hit = u < cum[-1]
    reached = people[hit]
    first_event = np.searchsorted(cum, u[hit], side="right")  # cum[b - 1] <= u < cum[b]: b happens first
    table = np.zeros((brands, len(reached)), dtype=bool)
    table[first_event, np.arange(len(reached))] = True
    for b in range(1, brands):
        if chances[b] > 0:
            later = np.flatnonzero(first_event < b)
            table[b, later] = draws.uniform(also, reached[later], b) < chances[b]
    return reached, table


@dataclass
class BrandContacts:
    """Per (brand, person reached) of the step's `people` (distinct, ascending): reached by a message
    persuading toward the brand (`pos`), that message from its ads (`from_ads`), persuaded against the brand
    (`neg`), and any message about it seen (`seen`)."""

    people: np.ndarray
    pos: np.ndarray
    from_ads: np.ndarray
    neg: np.ndarray
    seen: np.ndarray

    def subset(self, columns: np.ndarray) -> BrandContacts:
        """The tables of some of the people (a mask or positions of the columns)."""
        return BrandContacts(
            self.people[columns],
            self.pos[:, columns],
            self.from_ads[:, columns],
            self.neg[:, columns],
            self.seen[:, columns],
        )


class ContactList:
    """The step's contacts as they come, made into `BrandContacts` over the people reached only (work follows
    the contacts, not the population): (brand, person) pairs (`add`) or whole (brand, person) tables over
    distinct people (`add_table`, the field's)."""

    def __init__(self, brands: int, scratch: Scratch | None = None) -> None:
        """Contacts for `brands` brands; with the backend's `scratch` (its per-person work arrays), the people
        reached are made distinct by `Scratch.distinct` (one pass over the population when they are many)."""
        self.brands = brands
        self.scratch = scratch
        self._parts: list[tuple[str, np.ndarray, np.ndarray, np.ndarray | None]] = []
        #: The channel of each part (`credit_channels`): a channel's code, or None for the field (ads where
        #: `from_ads`, else well-mixed talk, credited to "offline").
        self._channels: list[int | None] = []
        self._tables: list[tuple[str, np.ndarray, np.ndarray, np.ndarray | None]] = []

    def add(
        self, table: str, brand, people: np.ndarray, from_ads: np.ndarray | None = None, channel: int | None = None
    ) -> None:
        """People reached for `brand` (one brand, or one per person) in `table` ("pos", "neg" or "seen"), on
        `channel` (a code of `sim.model.state.CHANNEL`; None: the field)."""
        if len(people):
            self._parts.append(
                (table, np.broadcast_to(np.asarray(brand, dtype=np.int64), people.shape), people, from_ads)
            )
            self._channels.append(channel)

    def add_table(self, table: str, people: np.ndarray, reached: np.ndarray, from_ads: np.ndarray | None = None):
        """Distinct, ascending `people` and a (brands, people) table of whether each brand reached them in `table`
        ("pos" or "neg"), with `from_ads` (the same shape) where it was by its ads."""
        if len(people):
            self._tables.append((table, people, reached, from_ads))

    def tables(self) -> BrandContacts:
        """The tables over the distinct people reached (ascending); `seen` includes every persuasion."""
        people = self.distinct()
        out = {name: np.zeros((self.brands, len(people)), dtype=bool) for name in ("pos", "from_ads", "neg", "seen")}
        for table, who, reached, from_ads in self._tables:
            column = slice(None) if who is people else np.searchsorted(people, who)
            out[table][:, column] |= reached
            out["seen"][:, column] |= reached
            if from_ads is not None:
                out["from_ads"][:, column] |= from_ads
        for table, brand, who, from_ads in self._parts:
            column = np.searchsorted(people, who)
            out[table][brand, column] = True
            out["seen"][brand, column] = True
            if from_ads is not None:
                out["from_ads"][brand[from_ads], column[from_ads]] = True
        return BrandContacts(people, out["pos"], out["from_ads"], out["neg"], out["seen"])

    def distinct(self) -> np.ndarray:
        """The people reached, each once, ascending (`Scratch.distinct`, sorted; `np.unique` without a scratch);
        the people of a table when it is all there is."""
        reached = [p for _, p, _, _ in self._tables] + [p for _, _, p, _ in self._parts]
        if not reached:
            return np.empty(0, np.int64)
        if len(reached) == 1 and self._tables:
            return reached[0]
        if self.scratch is None:
            return np.unique(np.concatenate(reached))
        return np.sort(self.scratch.distinct(reached), kind="stable")  # already ascending from the dense pass


def field_contacts(
    out: ContactList, listeners: np.ndarray, positive, negative, ads, dt: float, draws: StepDraws
) -> None:
    """Each brand's ads and well-mixed talk (per-day rates `positive`, `negative`, of which `ads` from ads) to
    the step's `listeners` (ascending): each brand reaches each listener independently (`independent_hits`)."""
    chances = np.array([rules.field_probability(rate, dt) for rate in positive])
    reached, pos = independent_hits(draws, Purpose.BRAND_FIELD, Purpose.BRAND_FIELD_ALSO, listeners, chances)
    from_ads = None
    if len(reached) and np.any(np.asarray(ads) > 0):
        from_ads = np.zeros_like(pos)
        for b in np.flatnonzero(np.asarray(ads) > 0):
            hit = np.flatnonzero(pos[b])
            share = ads[b] / positive[b]
            from_ads[b, hit] = draws.uniform(Purpose.BRAND_FIELD, reached[hit], SOURCE_SLOT + b) < share
    out.add_table("pos", reached, pos, from_ads)
    chances = np.array([rules.field_probability(rate, dt) for rate in negative])
    people, neg = independent_hits(
        draws, Purpose.BRAND_FIELD_NEGATIVE, Purpose.BRAND_FIELD_NEGATIVE_ALSO, listeners, chances
    )
    out.add_table("neg", people, neg)


def network_contacts(out: ContactList, listening: np.ndarray, contacts: Contacts, brand: np.ndarray, entered) -> None:
    """The channels' contacts of the step to the people `listening` (a mask over everyone), each on its channel:
    blocks carrying their senders (`EdgeChannel.keep_sources`: the sender's owned brand persuades) or made by
    one brand's posts (`Block.brand`: a group channel's, `GroupChannel.carry_brands`); `brand` is everyone's
    owned brand, `entered` which brands have entered."""
    for block in contacts.blocks:
        if block.brand is None:
            sender_brand = brand[block.source].astype(np.int64)
        else:
            sender_brand = np.full(len(block.target), block.brand, dtype=np.int64)
        keep = listening[block.target] & (sender_brand >= 0)
        target, b, persuaded = block.target[keep], sender_brand[keep], block.persuaded[keep]
        ch = block.channel
        out.add("seen", b[~persuaded], target[~persuaded], channel=ch)  # each read once (the tables' `seen`
        # holds every persuasion too): `credit_channels` counts contacts
        if block.negative:
            out.add("neg", b[persuaded], target[persuaded], channel=ch)
            continue
        out.add("pos", b[persuaded], target[persuaded], channel=ch)
        if block.cross is not None:
            cross = block.cross[keep]
            for other in np.flatnonzero(entered):
                toward = cross & (b != other)
                out.add("pos", other, target[toward], channel=ch)


def credit_channels(
    contacts: ContactList, people: np.ndarray, brand: np.ndarray, tables: tuple[str, ...], draws: StepDraws, slot: int
) -> np.ndarray:
    """The channel credited for each of `people` (distinct, ascending) with brand `brand` (one per person): one
    of their contacts for that brand in `tables` chosen uniformly at random, as the one-brand model credits
    (`sim.model.funnel.random_channel`): a channel with probability proportional to those contacts, by
    inversion of the person's uniform (`Purpose.PICK_CONTACT`, `slot`) on the codes in ascending order; drawn
    only for people whose contacts came through several channels (the others' channel is certain).
    NO_CHANNEL for someone with no such contact."""
    k = len(people)
    counts = np.zeros((len(CHANNELS), k))
    for table, who, reached, from_ads in contacts._tables:  # the field's (brand, person) tables
        if table not in tables or k == 0:
            continue
        at = np.minimum(np.searchsorted(who, people), len(who) - 1)
        mine = np.flatnonzero(who[at] == people)
        mine = mine[reached[brand[mine], at[mine]]]  # reached for the brand credited
        ads = np.zeros(len(mine), bool) if from_ads is None else from_ads[brand[mine], at[mine]]
        np.add.at(counts, (np.where(ads, CHANNEL["advertising"], CHANNEL["offline"]), mine), 1.0)
    for (table, b, who, from_ads), channel in zip(contacts._parts, contacts._channels):
        if table not in tables or k == 0:
            continue
        at = np.minimum(np.searchsorted(people, who), k - 1)
        mine = (people[at] == who) & (brand[at] == b)
        if channel is None:  # the field: ads where drawn so, else well-mixed talk
            ads = np.zeros(len(who), bool) if from_ads is None else from_ads
            code = np.where(ads, CHANNEL["advertising"], CHANNEL["offline"])
        else:
            code = np.full(len(who), channel)
        np.add.at(counts, (code[mine], at[mine]), 1.0)
    credited = np.full(k, NO_CHANNEL, dtype=np.int8)
    reached = counts.sum(axis=0) > 0
    credited[reached] = np.argmax(counts[:, reached] > 0, axis=0)
    several = np.flatnonzero((counts > 0).sum(axis=0) > 1)
    if len(several):
        cum = np.cumsum(counts[:, several], axis=0)
        pick = draws.uniform(Purpose.PICK_CONTACT, people[several], slot) * cum[-1]
        credited[several] = (cum <= pick).sum(axis=0)
    return credited


def strongest_ties(contacts: Contacts, people: np.ndarray, brand: np.ndarray, count: int) -> np.ndarray:
    """A (count, len(people)) array: for each of `people` (distinct, ascending), the strongest tie that persuaded
    them this step toward brand b, its sender's own (within-brand talk of an owner of b), -inf where none
    did. Reads the network's contacts of the step (blocks with senders and strengths: the channels report
    them when the choice weighs ties, `choice.tie_bonus`); ads and category talk carry no tie to a brand."""
    strongest = np.full((count, len(people)), -np.inf)
    if not len(people):
        return strongest
    for block in contacts.blocks:
        if block.negative or block.source is None or block.strength is None:
            continue
        b = brand[block.source].astype(np.int64)
        column = np.minimum(np.searchsorted(people, block.target), len(people) - 1)
        keep = block.persuaded & (b >= 0) & (people[column] == block.target)
        np.maximum.at(strongest, (b[keep], column[keep]), block.strength[keep])
    return strongest

"""What reaches the open people of a market of brands in one step (`sim.model.brands`), as (brand, person)
tables over the step's open people (unaware or aware): `BrandContacts`.

- `field_contacts`: the well-mixed market and every brand's ads: brand b reaches each open person with
  chance `field_probability(r_b, dt)`, independently of the other brands (`Purpose.BRAND_FIELD`, slot b),
  and whether a reaching message came from b's ads is drawn with chance p_b / r_b (slot 8 + b).
- `network_contacts`: messages along the offline network's ties (`sim.model.edge_channel`): a post of an
  owner of brand j, seen, persuades toward j with the channel's within-brand chance (wom.transmission);
  with the next interval of the same uniform, toward every other brand that has entered
  (wom.transmission_cross: category talk); a negative post (a detractor's) persuades against j. Any seen
  message makes the reader know the sender's brand.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model import rules
from sim.model.funnel import Contacts
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


@dataclass
class BrandContacts:
    """Per (brand, open person): reached by a message persuading toward the brand (`pos`), that message from
    its ads (`from_ads`), persuaded against the brand (`neg`), and any message about it seen (`seen`)."""

    pos: np.ndarray
    from_ads: np.ndarray
    neg: np.ndarray
    seen: np.ndarray

    @classmethod
    def empty(cls, brands: int, people: int) -> BrandContacts:
        """Nobody reached yet."""
        return cls(*(np.zeros((brands, people), dtype=bool) for _ in range(4)))

    def subset(self, columns: np.ndarray) -> BrandContacts:
        """The tables of some of the people (a mask or positions of the columns)."""
        return BrandContacts(
            self.pos[:, columns], self.from_ads[:, columns], self.neg[:, columns], self.seen[:, columns]
        )


def field_contacts(
    out: BrandContacts, open_people: np.ndarray, positive, negative, ads, dt: float, draws: StepDraws
) -> None:
    """Each brand's ads and well-mixed talk (per-day rates `positive`, `negative`, of which `ads` from ads)."""
    for b in range(len(positive)):
        if positive[b] > 0:
            hit = draws.uniform(Purpose.BRAND_FIELD, open_people, b) < rules.field_probability(positive[b], dt)
            out.pos[b] |= hit
            at = np.flatnonzero(hit)
            if ads[b] > 0 and len(at):
                u = draws.uniform(Purpose.BRAND_FIELD, open_people[at], SOURCE_SLOT + b)
                out.from_ads[b, at] = u < ads[b] / positive[b]
        if negative[b] > 0:
            hit = draws.uniform(Purpose.BRAND_FIELD_NEGATIVE, open_people, b) < rules.field_probability(negative[b], dt)
            out.neg[b] |= hit
    out.seen |= out.pos | out.neg


def network_contacts(
    out: BrandContacts, open_people: np.ndarray, contacts: Contacts, brand: np.ndarray, entered
) -> None:
    """The network's contacts of the step (blocks carrying their senders, `EdgeChannel.keep_sources`), as
    brand tables over `open_people`; `brand` is everyone's owned brand, `entered` which brands have entered."""
    n = len(brand)
    where = np.full(n, -1, dtype=np.int64)
    where[open_people] = np.arange(len(open_people))
    others = np.asarray(entered, dtype=bool)
    for block in contacts.blocks:
        col = where[block.target]
        sender_brand = brand[block.source].astype(np.int64)
        keep = (col >= 0) & (sender_brand >= 0)
        col, b = col[keep], sender_brand[keep]
        out.seen[b, col] = True
        persuaded = block.persuaded[keep]
        if block.negative:
            out.neg[b[persuaded], col[persuaded]] = True
            continue
        out.pos[b[persuaded], col[persuaded]] = True
        if block.cross is not None:
            cross = block.cross[keep]
            for other in np.flatnonzero(others):
                toward = cross & (b != other)
                out.pos[other, col[toward]] = True

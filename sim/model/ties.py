"""Tie strength at run time: the ties messages travelled along in a step (`UsedTies`) and the strength of
each tie of a layer (`TieStrengths`), growing with use and relaxing back to the layer's base level.

Split from `sim.model.channels`, which reads and strengthens them: a channel decides who is reached,
this module what reading a tie does to it (docs/model.md 5.3, "Tie strength as trust").
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.config.behaviour import RelationshipConfig
from sim.model import rules


@dataclass
class UsedTies:
    """Ties that messages travelled along this step, and their strength when read on `day` (None: not kept)."""

    ties: np.ndarray
    strength: np.ndarray | None = None
    day: float = 0.0

    @property
    def parts(self) -> tuple[UsedTies, ...]:
        """The pieces to strengthen one after the other: this one."""
        return (self,)


class UsedTieChunks(UsedTies):
    """Ties used this step as the chunks they were read in, each with its strength when read.

    Not concatenated: at 10^7 people a step reads tens of millions of ties, and one array of them (and the
    strengthening's temporaries over it) would be mapped and faulted in afresh every step. Strengthening
    chunk by chunk writes the same values, because each chunk carries the strength read before any tie
    grew this step (a tie read twice gets the same value twice). `ties` and `strength` concatenate the
    chunks on demand (for readers other than the strengthening)."""

    def __init__(self, parts: list[UsedTies]):  # noqa: D107 - no dataclass fields of its own
        self._parts = tuple(parts)
        self.day = parts[0].day if parts else 0.0

    def __repr__(self) -> str:
        return f"UsedTieChunks({len(self._parts)} chunks)"

    @property
    def parts(self) -> tuple[UsedTies, ...]:
        """The chunks, in the order they were read."""
        return self._parts

    @property
    def ties(self) -> np.ndarray:
        return np.concatenate([part.ties for part in self._parts])

    @property
    def strength(self) -> np.ndarray:
        return np.concatenate([part.strength for part in self._parts])


class TieStrengths:
    """The strength of each tie of a layer: grows with use, relaxes back to the layer's base level.

    Each tie is stored as its strength carried to a shared reference day (`epoch`) by the relaxation
    rule, so that reading ties is one lookup and one exp shared by all of them (rather than a per-tie
    exp and a per-tie last-use day). The reference day moves forward before the carried values grow
    past exp(MAX_EXPONENT). Without growth every tie keeps its base strength and nothing is stored.
    """

    #: Largest decay exponent between the reference day and now before the reference day moves.
    MAX_EXPONENT = 50.0

    def __init__(self, n_ties: int, base: float, rel: RelationshipConfig):
        self.base = base
        self.growth = rel.growth
        self.decay = rel.decay_rate
        self.epoch = 0.0
        self.at_epoch = np.full(n_ties, base, dtype=np.float64) if self.grow(rel) else None

    @staticmethod
    def grow(rel: RelationshipConfig) -> bool:
        """Whether ties change with use (else every tie keeps its base strength and nothing is stored)."""
        return rel.growth > 0

    def add(self, count: int) -> None:
        """`count` new ties, numbered after the existing ones, at the base strength (which relaxation keeps)."""
        if self.at_epoch is not None and count:
            self.at_epoch = np.concatenate([self.at_epoch, np.full(count, self.base, dtype=np.float64)])

    def now(self, ties: np.ndarray, day: float) -> np.ndarray | float:
        """Current strength of `ties` on `day` (the base strength, a scalar, when ties never change)."""
        if self.at_epoch is None:
            return self.base
        return rules.relax(self.at_epoch[ties], self.base, self.decay, day - self.epoch)

    def strengthen(self, used: UsedTies | UsedTieChunks, day: float) -> None:
        """Ties used this step grow toward full strength (`rules.strengthen`) as of `day`; their strength when
        read is relaxed to `day` rather than looked up again, if it was kept (it must be, for chunks)."""
        parts = [part for part in used.parts if len(part.ties)]
        if self.at_epoch is None or not parts:
            return
        if self.decay * (day - self.epoch) > self.MAX_EXPONENT:
            self.at_epoch = rules.relax(self.at_epoch, self.base, self.decay, day - self.epoch)
            self.epoch = day
        if len(parts) > 1 and any(part.strength is None for part in parts):
            raise ValueError("ties strengthened in chunks must carry their strength when read")
        for part in parts:
            current = (
                self.now(part.ties, day)
                if part.strength is None
                else rules.relax(part.strength, self.base, self.decay, day - part.day)
            )
            self.at_epoch[part.ties] = rules.relax(
                rules.strengthen(current, self.growth), self.base, self.decay, self.epoch - day
            )

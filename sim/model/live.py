"""What the per-agent rule of a channel reads in one step, found for everyone once per step.

The per-agent backend asks each channel, person by person, what that person meets (`contacts_of`). What
does not depend on the person's own draws (who has a live post, along which tie, the chances to read and to
be persuaded) is the same for everyone in a step: the channel finds it once (`Channel.for_step`) into one
of these, and each person only draws its uniforms and compares them, in the same order as before.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass
class LiveIncoming:
    """An edge channel's live in-neighbours of every person, row after row (person i's are entries start[i]
    to start[i + 1]), with what reading each takes."""

    start: list[int]  # n + 1 row starts
    sender: np.ndarray  # the in-neighbour with a live post
    tie: np.ndarray  # the tie id it is read along
    negative: np.ndarray  # whether the post is negative
    read_p: np.ndarray  # per-step chance of reading it
    persuasion: np.ndarray  # chance it persuades once read (before fans answer back)
    strength: np.ndarray | None  # the tie's strength now; None: every tie has strength `base`
    base: float


@dataclass
class LiveGroups:
    """A group channel's chances for every membership (slot) of a group with a live post."""

    reach: np.ndarray  # per person: whether any of their groups has a live post
    active: np.ndarray  # per slot: whether its group has a live post
    seen: np.ndarray  # (2, slots): chance to see the positive (row 0) and negative (row 1) posts
    persuaded: np.ndarray  # (2, slots): chance to be persuaded by them
    strength: np.ndarray | None  # per slot: the member's tie to the group now; None: all have `base`
    base: float

"""The adoption funnel states and the channels a contact can come through."""

from __future__ import annotations

from enum import IntEnum

import numpy as np


class Funnel(IntEnum):
    """Mutually exclusive funnel states of a person (stored as int8 codes)."""

    UNAWARE = 0
    AWARE = 1
    ADOPTER = 2
    FAN = 3
    DETRACTOR = 4
    REJECTER = 5


#: Column names of the funnel counts in the time series, in code order.
FUNNEL_COLUMNS = ("unaware", "aware", "adopters", "fans", "detractors", "rejecters")

#: Channels that can make a person aware or convert them, in output order.
CHANNELS = ("seed", "offline", "forum", "weibo", "wechat", "official", "advertising")
CHANNEL = {name: code for code, name in enumerate(CHANNELS)}
NO_CHANNEL = -1

#: Talk valence of a person: what they say about the product when they talk.
POSITIVE, QUIET, NEGATIVE = 1, 0, -1

#: Kinds of people.
PUBLIC, SEED_USER, EMPLOYEE = 0, 1, 2


def tally(codes: np.ndarray | int, n_codes: int, size: int | None = None) -> np.ndarray:
    """How many entries of `codes` have each code 0..n_codes-1 (one code for `size` entries if scalar).

    For the few codes of a funnel state or a channel, one comparison per code is several times
    faster than `np.bincount`, which first widens int8 codes to 64 bits.
    """
    counts = np.zeros(n_codes, dtype=np.int64)
    if np.ndim(codes) == 0:
        counts[codes] = size or 0
        return counts
    for c in range(n_codes):
        counts[c] = np.count_nonzero(codes == c)
    return counts

"""The adoption funnel states and the channels a contact can come through."""

from __future__ import annotations

from enum import IntEnum


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

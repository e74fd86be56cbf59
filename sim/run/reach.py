"""Reach per talker on each channel (seed S33: "social media multiply word of mouth a thousand, ten thousand
times"): how many people one talking person's posts reach in a day on each channel of a built scenario,
against offline talk.

A person talking posts on a channel with chance `rules.post_probability(1, speed, dt)` a step (a full talk
weight), to their audience there (`Channel.contacts_per_person`: offline contacts, fellow board or group
members, Weibo followers), each of whom reads the post with chance `reach` during its life. So the readers
a talker reaches per day on a channel are

    posts per day x audience x reach,

a property of the network and the channel's settings, before any run (what a run makes of it also depends
on who is still open to persuasion). The multiple is that number over the same talker's offline one, taken
over the people who can post on the channel (forum and WeChat members; on Weibo, everyone). Audiences are
heavy-tailed on Weibo (`channels.weibo.popularity_exponent`), so the table gives the mean, the top 1% and the
largest, where the seed's "a thousand times" lives.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.config.schema import Scenario
from sim.model import rules
from sim.model.brands import make_model

#: The top share of talkers the table describes besides the mean (the 99th percentile) and the largest.
TOP_QUANTILE = 0.99
#: Columns of `reach_per_talker`, one row per open channel.
COLUMNS = (
    "channel",
    "can_post",
    "audience_mean",
    "readers_per_day_mean",
    "readers_per_day_top1pct",
    "readers_per_day_max",
    "times_offline_mean",
    "times_offline_top1pct",
    "times_offline_max",
)


def readers_per_day(audience: np.ndarray, speed: float, reach: float, dt: float) -> np.ndarray:
    """Readers a talker reaches per day on a channel: posts per day (a full talk weight) x audience x reach."""
    posts_per_day = rules.post_probability(1.0, speed, dt) / dt
    return posts_per_day * np.asarray(audience, dtype=float) * reach


def reach_per_talker(scenario: Scenario, seed: int = 0) -> pd.DataFrame:
    """One row per channel of the built scenario (offline first): who can post there, their mean audience,
    the readers they reach per day (mean, top 1%, largest) and those as multiples of the same people's
    offline readers per day. Needs the offline network (the reference)."""
    model = make_model(scenario, seed)
    if "offline" not in model.channels:
        raise ValueError("reach per talker is measured against offline talk: the scenario needs an offline network")
    offline = model.channels["offline"]
    base = readers_per_day(offline.contacts_per_person(model.n), offline.cfg.speed, offline.cfg.reach, model.dt)
    rows = []
    for name, ch in model.channels.items():
        audience = ch.contacts_per_person(model.n)
        posters = np.flatnonzero(ch.can_post(np.arange(model.n)))
        per_day = readers_per_day(audience[posters], ch.cfg.speed, ch.cfg.reach, model.dt)
        own_base = base[posters]
        mean_base = float(own_base.mean()) if len(posters) else float("nan")
        top = float(np.quantile(per_day, TOP_QUANTILE)) if len(posters) else float("nan")
        rows.append(
            {
                "channel": name,
                "can_post": len(posters) / model.n,
                "audience_mean": float(audience[posters].mean()) if len(posters) else float("nan"),
                "readers_per_day_mean": float(per_day.mean()) if len(posters) else float("nan"),
                "readers_per_day_top1pct": top,
                "readers_per_day_max": float(per_day.max()) if len(posters) else float("nan"),
                "times_offline_mean": float(per_day.mean()) / mean_base if mean_base else float("nan"),
                "times_offline_top1pct": top / mean_base if mean_base else float("nan"),
                "times_offline_max": float(per_day.max()) / mean_base if mean_base else float("nan"),
            }
        )
    return pd.DataFrame(rows, columns=list(COLUMNS))

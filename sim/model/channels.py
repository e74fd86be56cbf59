"""The accelerator at run time: what every channel shares (opening days, live posts, official posts, read and
persuasion chances), and who a channel reaches.

A channel turns this step's posts into contacts (someone saw a message; maybe it persuaded them). Two kinds,
each in its module: `sim.model.edge_channel.EdgeChannel` carries messages along pairwise ties (offline talk,
Weibo followers); `sim.model.group_channel.GroupChannel` shows a post to every member of the poster's groups
(forum boards, WeChat groups). Each offers the same contact rule twice: `contacts` for the whole population
at once (vector backend) and `contacts_of` for one person (per-agent backend); both draw from identical
probabilities. The strength of ties and the ties a step used live in `sim.model.ties`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Protocol

import numpy as np

from sim.config.behaviour import RelationshipConfig, WomConfig
from sim.config.channels import LayerConfig
from sim.model import rules
from sim.model.funnel import Contacts
from sim.model.people import People
from sim.model.state import CHANNEL
from sim.model.streams import Purpose, StepDraws
from sim.model.ties import UsedTieChunks, UsedTies
from sim.networks.csr import ranges

#: visible_until value of someone with no live post.
NO_POST = 0
#: Channels where a complaint is public and fans who read it can answer back (relationship.answer_back):
#: forum boards, WeChat groups, the poster's Weibo followers. Offline talk is private.
ANSWERED_CHANNELS = ("forum", "wechat", "weibo")


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
        #: The last step's candidates to post by chance (`post_by_chance`): (step, people, talk weights, draws);
        #: `posted_now` draws those whose post nobody can read, if asked.
        self._candidates: tuple | None = None

    def carry_brands(self, owned_brand: np.ndarray, brands: int, cross_transmission: float) -> None:
        """In a market of brands (`sim.model.brands`): contacts say whose brand persuades, here by carrying their
        sender (whose owned brand, `owned_brand`, persuades), and whether each positive one persuaded toward the
        other brands with `cross_transmission` (category talk). `GroupChannel` counts posts per brand instead."""
        self.keep_sources = True
        self.cross_transmission = cross_transmission

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

    def readable(self, people: np.ndarray) -> np.ndarray:
        """Mask of `people` whose post here could still be read by someone it can move (everyone, unless the
        channel finds out otherwise: `EdgeChannel`, `GroupChannel`)."""
        return np.ones(len(people), dtype=bool)

    def reopen(self, people: np.ndarray) -> None:
        """`people`, closed for a while, can be moved again (a waiting buyer who gave up or was served, in a
        market of brands): whatever the channel concluded from their being closed (`readable`) no longer holds
        for them. Nothing to undo here; `EdgeChannel` and `GroupChannel` undo their marks."""

    def post_by_chance(self, people: np.ndarray, weights: np.ndarray, draws: StepDraws, everyone: People) -> None:
        """Each of `people` on this channel posts with the chance its talk weight gives (`rules.post_probability`
        at the channel's speed; `Purpose.POST`, keyed by person, slot: the channel). Work follows use: only the
        posts someone can read (`readable`) are drawn and placed now; the others are drawn only if someone asks
        who posted (`posted_now`). Keyed draws make that exact: a person's number is the same whenever it is
        drawn, and a post nobody can read changes nothing else."""
        self._candidates = (draws.step, people, weights, draws)  # references, not copies: the pool's own arrays
        who = self._posters(people, weights, draws, readable=True)
        if len(who):
            self.post(who, everyone.post_valence(who), draws.step)

    def _posters(self, people: np.ndarray, weights: np.ndarray, draws: StepDraws, readable: bool) -> np.ndarray:
        """Those of `people` on this channel whose post someone can read (`readable`), or nobody can, who post by
        chance in this step (`Purpose.POST`, keyed by person: the same number whenever it is drawn)."""
        may = self.can_post(people)
        on = None if may.all() else np.flatnonzero(may)  # positions on the channel; None: everyone is
        found = self.readable(people if on is None else people[on]) == readable
        at = np.flatnonzero(found) if on is None else on[found]
        chances = rules.post_probability(weights[at], self.cfg.speed, self.dt)
        return np.compress(draws.uniform(Purpose.POST, people[at], self.code) < chances, people[at])

    def posted_now(self, step: int) -> np.ndarray:
        """People who posted here in `step`, in id order (a mechanism answering them asks at the end of the
        step): those whose post is visible for the channel's full post life from this step (a post of an earlier
        step would expire sooner), and those of the step's candidates (`post_by_chance`) whose post nobody can
        read, drawn now. (Who is unreadable only grows during a step; a candidate found unreadable after its post
        was placed draws the same number again, so the union is unchanged.)"""
        live = self.live
        placed = np.compress(self.visible_until[live] == step + self.life, live)
        if self._candidates is None or self._candidates[0] != step:
            return np.sort(placed)
        _, people, weights, draws = self._candidates
        unread = self._posters(people, weights, draws, readable=False)
        return np.union1d(placed, unread) if len(unread) else np.sort(placed)

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

    def official_contacts(
        self, people: People, brand: Brand, draws: StepDraws, out: Contacts, day: float, receivers: range | None = None
    ) -> None:
        """Official posts reach their audience (those of it in `receivers`, a range of person ids, if given);
        persuasion is weighted by each reader's tie to the brand on `day`."""
        if not self.official_posts:
            return
        audience = self.official_audience(people)
        if receivers is not None:
            audience = np.compress((audience >= receivers.start) & (audience < receivers.stop), audience)
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

    def contacts_per_person(self, n: int) -> np.ndarray:
        """How many people each of the n people reaches here (overridden per channel: `degree`)."""
        raise NotImplementedError

    def in_official_audience(self, people: People, i: int) -> bool:
        return False


def degree(channels: Mapping[str, Channel], n: int) -> np.ndarray:
    """Contacts per person over all layers (followers count on Weibo, fellow members in groups): the one
    measure of a hub, for seed users (`seed_users.choice = "hubs"`) and super users
    (`fan_building.super_user_choice = "hubs"`)."""
    deg = np.zeros(n, dtype=np.int64)
    for ch in channels.values():
        deg += ch.contacts_per_person(n)
    return deg

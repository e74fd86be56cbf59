"""The participation playbook: the brand's strategies and tactics as mechanisms on the model.

`Playbook` holds what the brand does and remembers (product quality and its releases, open nodes,
purchase codes, meetups, forum replies, official content) and offers the model a few hooks:
quality and expectations at the start, who talks and how much, who may buy, the sources of
participation, and the brand's actions at the end of a step. Every mechanism is off unless its
scenario section says `enabled = true`; with all off the model is the plain WOM model of `sim.model.model`.
People's own decisions still go through `sim.model.rules` in both engines; the brand's actions here are
organisation-level and shared by both.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from sim.model import rules
from sim.model.state import EMPLOYEE, NO_CHANNEL, POSITIVE, Funnel

#: Kinds of official posts (self-media content mix).
CONTENT = ("useful", "emotional", "interactive")
#: Bounds of a person's willingness to participate, moved by forum replies.
ENGAGEMENT_MIN, ENGAGEMENT_MAX = 0.1, 3.0
NODES = ("product", "service", "brand", "sales")


@dataclass
class Source:
    """One source of participation: a per-day rate (scalar or one per pool member) and its effects."""

    name: str
    rate: float | np.ndarray
    tie_building: float = 1.0
    cost: float = 0.0
    feedback: float = 1.0


class Playbook:
    """The brand's strategies and tactics, configured by the scenario's playbook sections."""

    def __init__(self, model):
        cfg = model.cfg
        self.cfg = cfg
        n = model.n
        hp = cfg.hit_product
        self.products = hp.products if hp.enabled else 1
        self.quality = (
            rules.focused_quality(cfg.engine.quality, hp.budget, hp.products, hp.quality_per_budget)
            if hp.enabled
            else cfg.engine.quality
        )
        self.expectation_shift = -rules.variety_gap(hp.products, hp.variety_fit) if hp.enabled else 0.0
        ia = cfg.interaction
        self.multiplier = (
            rules.interaction_multiplier(ia.simplicity, ia.benefit, ia.fun, ia.authenticity) if ia.enabled else 1.0
        )
        self.achievement = rules.achievement(ia.fun, ia.authenticity) if ia.enabled else 0.0
        self.feedback = 0.0
        self.releases = 0
        self.next_release = cfg.iteration.every_days
        self.next_meetup = cfg.meetups.every_days
        self.meetups_held = 0
        self.city_visits = np.zeros(cfg.population.cities)
        self.node_activity = {name: 1.0 for name in NODES}
        self.engagement = np.ones(n) if cfg.forum_service.enabled else None
        self.has_code = np.zeros(n, dtype=bool) if cfg.referral.enabled else None
        self.waiting = np.zeros(n, dtype=bool) if cfg.referral.enabled else None
        self.waiting_channel = np.full(n, NO_CHANNEL, dtype=np.int8) if cfg.referral.enabled else None
        self.super_user = np.zeros(n, dtype=bool)
        self.share_next = np.zeros(n, dtype=bool)
        self.interactive_readers = np.empty(0, dtype=np.int64)
        self.ads_started = cfg.advertising.start_at_adoption == 0
        self.participations = 0

    def builds_brand_ties(self) -> bool:
        """Whether any switched-on mechanism can move people's ties to the brand."""
        c = self.cfg
        return any(
            m.enabled
            for m in (c.fan_building, c.self_media, c.participation_nodes, c.forum_service, c.meetups, c.community)
        )

    # --- set-up -----------------------------------------------------------------------------------

    def place(self, model, seeds: np.ndarray, employees: np.ndarray) -> None:
        """Honour group from the seed users; seeds and employees own the product (and its codes)."""
        fb = self.cfg.fan_building
        if fb.enabled and fb.super_users:
            chosen = model.rng.choice(seeds, size=min(fb.super_users, len(seeds)), replace=False)
            self.super_user[chosen] = True
            model.brand_tie[chosen] = 1.0
        if self.has_code is not None:
            self.has_code[seeds] = True
            self.has_code[employees] = True

    # --- who talks, who may buy ---------------------------------------------------------------------

    def brand_active(self, day: float) -> bool:
        """The brand still interacts with its fans (community.brand_steps_back_day)."""
        c = self.cfg.community
        return not (c.enabled and day >= c.brand_steps_back_day)

    def topic_boost(self, day: float) -> float:
        """Talk multiplier of the official topic events running on this day."""
        ev = self.cfg.events
        if not ev.enabled:
            return 1.0
        boost = 1.0
        for t in ev.topics:
            if t.day <= day < t.day + t.days:
                boost = max(boost, t.talk_boost)
        return boost

    def talk_multiplier(self, model, people: np.ndarray, day: float) -> np.ndarray | float:
        """Topic events make everyone talk more; with self-media, employees and fans are spokespeople."""
        m = self.topic_boost(day)
        sm = self.cfg.self_media
        if sm.enabled:
            spokes = (model.state[people] == Funnel.FAN) | (model.kind[people] == EMPLOYEE)
            m = np.where(spokes, m * sm.spokesperson_factor, m)
        return m

    def meme_active(self, day: float) -> bool:
        """During topic events, aware people who do not own the product pass the meme on."""
        return self.cfg.events.enabled and self.cfg.events.meme_talk and self.topic_boost(day) > 1.0

    def launched(self, day: float) -> bool:
        """The product can be bought (events.launch_day)."""
        return not self.cfg.events.enabled or day >= self.cfg.events.launch_day

    def ads_running(self, model, day: float) -> bool:
        """Ads run inside their window once the loyalty threshold (adopted share) is reached."""
        ads = self.cfg.advertising
        if not self.ads_started and model.adopted_total >= ads.start_at_adoption * model.n:
            self.ads_started = True
        return self.ads_started and ads.start_day <= day < ads.stop_day

    def gate_purchases(self, buyers: np.ndarray, channels: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Referral gating: a would-be buyer without a code waits (stays aware) until one reaches them.
        Returns the buyers who may buy now and their channels."""
        if self.has_code is None:
            return buyers, channels
        gated = ~self.has_code[buyers]
        channels = np.broadcast_to(channels, buyers.shape)
        self.waiting[buyers[gated]] = True
        self.waiting_channel[buyers[gated]] = channels[gated]
        return buyers[~gated], channels[~gated]

    # --- official accounts (self-media) --------------------------------------------------------------

    def official_rate(self, day: float) -> float:
        """Posts per day of each official account."""
        if not self.brand_active(day):
            return 0.0
        return self.cfg.self_media.posts_per_day if self.cfg.self_media.enabled else self.cfg.official.posts_per_day

    def content_mix(self) -> np.ndarray:
        """Shares of useful, emotional and interactive posts (all 'plain' useful without self-media)."""
        sm = self.cfg.self_media
        return np.array([sm.useful, sm.emotional, sm.interactive]) if sm.enabled else np.array([1.0, 0.0, 0.0])

    def content_effects(self) -> tuple[np.ndarray, np.ndarray, float]:
        """Per content kind: reach and persuasion multipliers; and the attention each post gets."""
        sm = self.cfg.self_media
        if not sm.enabled:
            return np.ones(3), np.ones(3), 1.0
        reach = np.array([1.0, sm.emotional_reach, 1.0])
        persuasion = np.array([sm.useful_persuasion, 1.0, 1.0])
        return reach, persuasion, rules.attention(sm.posts_per_day, sm.fatigue_posts_per_day)

    def note_interactive_readers(self, readers: np.ndarray) -> None:
        """Readers of interactive posts may take part (a participation source next)."""
        if len(readers):
            self.interactive_readers = np.union1d(self.interactive_readers, readers)

    # --- participation ----------------------------------------------------------------------------------

    def participation_multiplier(self, pool: np.ndarray) -> np.ndarray:
        """Interaction design times each person's engagement (moved by forum replies)."""
        m = np.full(len(pool), self.multiplier)
        return m * self.engagement[pool] if self.engagement is not None else m

    def participation_sources(self, model, pool: np.ndarray, day: float, dt: float) -> list[Source]:
        """Everything that makes advocates and fans take part this step."""
        cfg = self.cfg
        rel = cfg.relationship
        active = self.brand_active(day)
        split = 1.0 / self.products  # a portfolio splits what the brand can sustain
        sources = []
        if active and rel.participation_rate > 0:
            sources.append(Source("brand", rel.participation_rate * split))
        if cfg.community.enabled and cfg.community.horizontal > 0:
            fan_share = model.counts[Funnel.FAN] / len(pool)
            sources.append(
                Source("peers", rules.peer_rate(cfg.community.peer_rate, cfg.community.horizontal, fan_share))
            )
        fb = cfg.fan_building
        if fb.enabled and active:
            for name in ("sharing", "honour", "benefit"):
                inc = getattr(fb, name)
                if inc.rate > 0:
                    sources.append(Source(name, inc.rate * split, inc.tie_building, inc.cost))
            if self.super_user.any():
                sources.append(
                    Source(
                        "honour_group",
                        np.where(self.super_user[pool], fb.super_user_participation, 0.0),
                        feedback=fb.super_user_feedback,
                    )
                )
        pn = cfg.participation_nodes
        if pn.enabled and active:
            for name in NODES:
                node = getattr(pn, name)
                if node.open:
                    rate = rules.node_rate(pn.base_rate, node.need, node.user_benefit, self.node_activity[name])
                    sources.append(
                        Source(
                            f"node_{name}", rate * split, rules.mutual_benefit(node.user_benefit, node.brand_benefit)
                        )
                    )
                    self.node_activity[name] = rules.node_activity(
                        self.node_activity[name], pn.neglect_rate, node.brand_benefit, dt
                    )
        if len(self.interactive_readers) and cfg.self_media.enabled:
            readers = np.isin(pool, self.interactive_readers)
            sources.append(Source("interactive", np.where(readers, cfg.self_media.interactive_participation / dt, 0.0)))
            self.interactive_readers = np.empty(0, dtype=np.int64)
        return sources

    def after_participation(self, model, participants: np.ndarray, feedback: float, day: float) -> None:
        """Feedback for the next release, forum replies, and achievement shared (embedded sharing)."""
        self.participations += len(participants)
        self.feedback += feedback
        fs = self.cfg.forum_service
        if fs.enabled and "forum" in model.channels and len(participants):
            self._answer_forum_posts(model, participants[model.channels["forum"].member[participants]], day)
        ev = self.cfg.events
        if ev.enabled and ev.achievement_sharing and self.achievement > 0 and len(participants):
            shares = participants[model.rng.random(len(participants)) < self.achievement]
            self.share_next[shares] = True

    def take_sharers(self) -> np.ndarray:
        """People who share automatically this step (embedded or achievement sharing), then none are left."""
        if not self.cfg.events.enabled:  # nobody can be marked
            return np.empty(0, dtype=np.int64)
        sharers = np.flatnonzero(self.share_next)
        self.share_next[sharers] = False
        return sharers

    def _answer_forum_posts(self, model, posters: np.ndarray, day: float) -> None:
        """Engineers answer up to their capacity; answered posters grow closer, the others drift away."""
        if len(posters) == 0:
            return
        fs = self.cfg.forum_service
        capacity = int(fs.engineers * fs.replies_per_engineer * model.dt) if self.brand_active(day) else 0
        order = model.rng.permutation(len(posters))
        answered, unanswered = posters[order[:capacity]], posters[order[capacity:]]
        tie = model.brand_tie_now(answered, day)
        model.set_brand_tie(answered, rules.strengthen(tie, fs.answered_growth), day)
        model.set_brand_tie(unanswered, model.brand_tie_now(unanswered, day) * (1.0 - fs.unanswered_loss), day)
        self.engagement[answered] = np.minimum(ENGAGEMENT_MAX, self.engagement[answered] * (1 + fs.engagement_step))
        self.engagement[unanswered] = np.maximum(ENGAGEMENT_MIN, self.engagement[unanswered] * (1 - fs.engagement_step))

    def on_adoption(self, model, adopters: np.ndarray) -> None:
        """New adopters may share their use automatically and follow the official account."""
        ev = self.cfg.events
        if ev.enabled and ev.share_fraction > 0 and len(adopters):
            self.share_next[adopters[model.rng.random(len(adopters)) < ev.share_fraction]] = True
        sm = self.cfg.self_media
        weibo = model.channels.get("weibo")
        if sm.enabled and weibo is not None and len(adopters):
            weibo.follow(adopters[model.rng.random(len(adopters)) < sm.follow_on_adopt])
        if self.waiting is not None:
            self.waiting[adopters] = False
            self.has_code[adopters] = True

    # --- the brand's actions at the end of a step -----------------------------------------------------

    def end_of_step(self, model, step: int, day_end: float) -> tuple[np.ndarray, np.ndarray]:
        """Releases, meetups, unfollows and purchase codes. Returns code holders who buy now and their channels."""
        cfg = self.cfg
        it = cfg.iteration
        if it.enabled and day_end >= self.next_release:
            gain = rules.release_gain(self.feedback, it.max_gain, it.feedback_scale)
            self.quality = max(self.quality, min(it.max_quality, self.quality + gain))  # never worse
            self.feedback = 0.0
            self.releases += 1
            self.next_release += it.every_days
        mu = cfg.meetups
        if mu.enabled and day_end >= self.next_meetup:
            self.next_meetup += mu.every_days
            if self.brand_active(day_end):
                self._meetup(model, step, day_end)
        sm = cfg.self_media
        weibo = model.channels.get("weibo")
        if sm.enabled and weibo is not None and len(weibo.official_followers):
            p = rules.unfollow_probability(
                self.official_rate(day_end), sm.fatigue_posts_per_day, sm.unfollow_rate, model.dt
            )
            if p > 0:
                weibo.unfollow(weibo.official_followers[model.rng.random(len(weibo.official_followers)) < p])
        return self._hand_out_codes(model, day_end)

    def _meetup(self, model, step: int, day: float) -> None:
        """Meet 30-50 users face to face in the city with the most adopters."""
        mu = self.cfg.meetups
        users = model.adopter_indices()
        if len(users) == 0:
            return
        per_city = np.bincount(model.city[users], minlength=model.cfg.population.cities)
        city = int(np.argmax(per_city / (1.0 + self.city_visits)))  # biggest cities first, in turn
        self.city_visits[city] += 1
        local = users[model.city[users] == city]
        size = int(model.rng.integers(mu.min_attendees, mu.max_attendees + 1))
        attendees = model.rng.choice(local, size=min(size, len(local)), replace=False)
        model.set_brand_tie(attendees, rules.strengthen(model.brand_tie_now(attendees, day), mu.brand_growth), day)
        model.renew_talk(attendees, step)
        model.cost += mu.cost
        self.meetups_held += 1

    def _hand_out_codes(self, model, day: float) -> tuple[np.ndarray, np.ndarray]:
        """F-codes from fans, senior forum members, certified owners and repost events go to people waiting."""
        empty = np.empty(0, dtype=np.int64)
        if self.waiting is None or not self.waiting.any():
            return empty, empty.astype(np.int8)
        rf = self.cfg.referral
        users = model.adopter_indices()
        senior = users[day - model.adopt_day[users] >= rf.senior_days]
        forum = model.channels.get("forum")
        senior_forum = int(forum.member[senior].sum()) if forum is not None else 0
        rate = (
            model.counts[Funnel.FAN] * rf.codes_per_fan
            + senior_forum * rf.codes_per_forum_senior
            + len(senior) * rf.codes_per_owner
            + rf.codes_per_repost_event
        )
        codes = int(model.rng.poisson(rate * model.dt))
        waiting = np.flatnonzero(self.waiting & (model.state == Funnel.AWARE))
        if codes == 0 or len(waiting) == 0:
            return empty, empty.astype(np.int8)
        lucky = np.sort(model.rng.choice(waiting, size=min(codes, len(waiting)), replace=False))
        self.has_code[lucky] = True
        return lucky, self.waiting_channel[lucky]


def positive_users(state: np.ndarray, valence: np.ndarray) -> np.ndarray:
    """Advocating adopters and fans: the people who take part."""
    return np.flatnonzero(((state == Funnel.ADOPTER) & (valence == POSITIVE)) | (state == Funnel.FAN))

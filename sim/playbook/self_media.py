"""Self-media: official accounts as information nodes with a content mix and a posting frequency."""

from __future__ import annotations

import numpy as np

from sim.config.schema import Scenario
from sim.model import rules
from sim.model.state import EMPLOYEE, Funnel
from sim.model.streams import Purpose
from sim.playbook.base import RAISES, Effect, HookView, Mechanism, Source


class SelfMedia(Mechanism):
    """Official accounts post at posts_per_day (replacing official.posts_per_day) in a mix of useful
    (more persuasive), emotional (seen more) and interactive posts (readers may take part next step);
    past the fatigue level followers unfollow and each post gets less attention. Employees and fans are
    spokespeople (they talk spokesperson_factor times more); new adopters may follow the account. With
    `regular` the accounts post exactly on a fixed rhythm (`rules.regular_count`), and with `habit_gain` every
    kind of post reaches `rules.habit_multiplier` times more of its audience the longer the rhythm has been
    kept (counted from the first day it posts; the habit is the audience's as a whole, not per person)."""

    section = "self_media"
    turn = 10
    factor = "accelerator"
    effect = Effect("adopted_total", RAISES, "spokespeople and persuasive official content bring more adopters")
    builds_brand_ties = True

    def __init__(self, scenario: Scenario, n: int):
        super().__init__(scenario, n)
        self.interactive_readers = np.empty(0, dtype=np.int64)
        #: Days the regular rhythm has been kept so far (regular = true and posts_per_day > 0).
        self.kept_days = 0.0

    def talk_multiplier(self, view: HookView, people: np.ndarray, day: float) -> np.ndarray:
        spokes = (view.people.state[people] == Funnel.FAN) | (view.people.kind[people] == EMPLOYEE)
        return np.where(spokes, self.cfg.spokesperson_factor, 1.0)

    def official_rate(self, day: float) -> float:
        return self.cfg.posts_per_day

    def official_count(self, rate: float, day: float, dt: float) -> int | None:
        """A regular rhythm's posts in the step (None: left to chance)."""
        return rules.regular_count(rate, day, dt) if self.cfg.regular else None

    def content_mix(self) -> np.ndarray:
        sm = self.cfg
        return np.array([sm.useful, sm.emotional, sm.interactive])

    def content_effects(self) -> tuple[np.ndarray, np.ndarray, float]:
        sm = self.cfg
        reach = np.array([1.0, sm.emotional_reach, 1.0]) * rules.habit_multiplier(
            self.kept_days, sm.habit_days, sm.habit_gain
        )
        persuasion = np.array([sm.useful_persuasion, 1.0, 1.0])
        return reach, persuasion, rules.attention(sm.posts_per_day, sm.fatigue_posts_per_day)

    def note_interactive_readers(self, readers: np.ndarray) -> None:
        if len(readers):
            self.interactive_readers = np.union1d(self.interactive_readers, readers)

    def participation_sources(self, view: HookView, pool: np.ndarray, day: float, dt: float) -> list[Source]:
        """Readers of interactive posts take part once, each with interactive_participation."""
        if not len(self.interactive_readers):
            return []
        readers = np.isin(pool, self.interactive_readers)
        self.interactive_readers = np.empty(0, dtype=np.int64)
        return [Source("interactive", np.where(readers, self.cfg.interactive_participation / dt, 0.0))]

    def on_adoption(self, view: HookView, adopters: np.ndarray, margin: np.ndarray, day: float) -> None:
        weibo = view.channels.get("weibo")
        if weibo is not None and len(adopters):
            weibo.follow(adopters[view.draws.uniform(Purpose.FOLLOW, adopters) < self.cfg.follow_on_adopt])

    def end_of_step(self, view: HookView, step: int, day_end: float) -> None:
        """The rhythm is one step older (if kept); followers tired of too many posts unfollow."""
        sm = self.cfg
        if sm.regular and view.playbook.official_rate(day_end - view.dt) > 0:
            self.kept_days += view.dt
        weibo = view.channels.get("weibo")
        if weibo is None or not len(weibo.official_followers):
            return None
        rate = view.playbook.official_rate(day_end)
        p = rules.unfollow_probability(rate, sm.fatigue_posts_per_day, sm.unfollow_rate, view.dt)
        if p > 0:
            followers = weibo.official_followers
            weibo.unfollow(followers[view.draws.uniform(Purpose.UNFOLLOW, followers) < p])
        return None

"""The talk pool: the people who may talk in a step, and their talk weights.

Only people inside their talk window (or fans, who keep talking) can post, so the vector backend keeps
them in a pool instead of scanning the population each step. People join the pool when they start
talking (adoption, renewed talk, becoming a fan) and leave it when their window has closed; the
pool is pruned once per step, at the start of the step (`TalkPool.prune`). The pool never holds
anyone twice.

`TalkPool.talking` gives the recorded "talking" figure: the summed talk weight (without the
playbook's multipliers) of the people who may talk in the coming step. It computes the pruned pool
without changing anything and keeps it, so the next step's `prune` and `weights` reuse it instead of
computing it again.
"""

from __future__ import annotations

import numpy as np

from sim.config.behaviour import WomConfig
from sim.model import rules
from sim.model.state import Funnel


class TalkPool:
    """People who may talk, with their base talk weights (work proportional to the pool, not to N).

    It reads the model's person arrays `talk_start` (step a person starts talking), `state` (funnel
    codes) and `counts` (people per funnel state) in place; they must keep their identity.
    """

    def __init__(self, wom: WomConfig, dt: float, talk_start: np.ndarray, state: np.ndarray, counts: np.ndarray):
        self.wom = wom
        self.dt = dt
        self.talk_start = talk_start
        self.state = state
        self.counts = counts
        self.members = np.empty(0, dtype=np.int64)
        self._in_pool = np.zeros(len(state), dtype=bool)
        self._joined: list[np.ndarray] = []  # joined since the last prune
        self._next: tuple | None = None  # (step, pruned pool, dropped, base weights), see `_pruned`
        self._weights: tuple = (None, None, None)  # (step, members, base weights) of the current pool
        #: `rules.talk_weight` of every age from 0 (steps since starting to talk), grown as needed: a weight
        #: depends on the age alone, so a step looks it up instead of computing an exp per member.
        self._by_age = np.empty(0)

    def add(self, people: np.ndarray) -> None:
        """Add distinct people to the pool (each at most once), in O(len(people))."""
        fresh = np.compress(~self._in_pool[people], people)
        self._in_pool[fresh] = True
        self._joined.append(fresh)
        self._next = None

    def remove(self, people: np.ndarray) -> None:
        """Take people out of the pool (they stop talking; the others keep their order), in O(pool)."""
        people = np.compress(self._in_pool[people], people)
        if len(people) == 0:
            return
        self._in_pool[people] = False
        self.members = np.compress(self._in_pool[self.members], self.members)
        self._joined = [np.compress(self._in_pool[joined], joined) for joined in self._joined]
        self._next = None
        self._weights = (None, None, None)

    def prune(self, step: int) -> np.ndarray:
        """Keep only people who may still talk in `step` (inside their window, or fans) and take in those
        who joined since the last prune; returns the new pool."""
        pool, dropped, weights = self._pruned(step)
        self._in_pool[dropped] = False
        self._joined = []
        self._next = None
        self.members = pool
        self._weights = (step, pool, weights)
        return pool

    def talking(self, step: int) -> float:
        """Summed base talk weight of the people who may talk in `step` (the pool once pruned for it)."""
        _, _, weights = self._pruned(step)
        return float(weights.sum())

    def weights(self, people: np.ndarray, step: int) -> np.ndarray:
        """Base talk weight of `people` in `step`: fans keep talking, others by the WOM decay rule
        (reused when `people` is the pool pruned for `step`)."""
        cached_step, cached_pool, w = self._weights
        if cached_step == step and cached_pool is people:
            return w
        return self._base_weights(people, step)

    def _base_weights(self, people: np.ndarray, step: int) -> np.ndarray:
        w = self._weight_of_age(step - self.talk_start[people])
        if self.counts[Funnel.FAN]:
            w = np.where(self.state[people] == Funnel.FAN, 1.0, w)
        return w

    def _weight_of_age(self, age: np.ndarray) -> np.ndarray:
        """`rules.talk_weight` of each age: looked up in a table of the values the rule gives every age from 0
        (the same numbers: each entry is the rule's own value), the rule itself for a negative age."""
        wom = self.wom
        if len(age) == 0 or age.min() < 0:
            return rules.talk_weight(age, self.dt, wom.active_limit, wom.decay_rate)
        oldest = int(age.max())
        if oldest >= len(self._by_age):
            ages = np.arange(max(2 * len(self._by_age), oldest + 1, 64))
            self._by_age = np.asarray(rules.talk_weight(ages, self.dt, wom.active_limit, wom.decay_rate), dtype=float)
        return self._by_age[age]

    def _pruned(self, step: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """(pool pruned for `step`, members it drops, its base weights), computed once until the pool changes.

        People who joined since the last prune start talking in `step` (inside any window of >= 1 step)
        or are fans, so they need no check. So every member of the pruned pool has talked for 0 to
        active_limit - 1 steps or is a fan: without decay (`wom.decay_rate` = 0) `rules.talk_weight` gives
        each exactly 1, and the gathers of their talk starts and states (random reads over the
        population, a sixth of a late step at 10^7 people) are skipped.
        """
        if self._next is not None and self._next[0] == step:
            return self._next[1:]
        pool = self.members
        dropped = pool[:0]
        wom = self.wom
        if np.isfinite(wom.active_limit):
            alive = step - self.talk_start[pool] < wom.active_limit
            if self.counts[Funnel.FAN]:
                alive |= self.state[pool] == Funnel.FAN
            dropped = np.compress(~alive, pool)
            pool = np.compress(alive, pool)
        if self._joined:
            pool = np.concatenate([pool, *self._joined])
        if wom.decay_rate == 0:  # everyone kept is inside their window or a fan: weight exactly 1, no lookups
            weights = np.ones(len(pool))
        else:
            weights = self._base_weights(pool, step)
        self._next = (step, pool, dropped, weights)
        return self._next[1:]

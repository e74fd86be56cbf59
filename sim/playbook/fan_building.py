"""Fan building: incentives to take part (sharing, honour, material benefit) and an honour group."""

from __future__ import annotations

import math

import numpy as np

from sim.config.schema import Scenario
from sim.model.channels import degree
from sim.model.people import State
from sim.model.streams import Purpose
from sim.playbook.base import RAISES, Effect, HookView, Mechanism, Source

#: The incentives, in the seed's order: function and information sharing, honour, material benefit.
INCENTIVES = ("sharing", "honour", "benefit")
#: Per person, the steps in which they took part (kept only while a 'most_active' honour group is on trial).
PARTICIPATION_STEPS = State("participation_steps", np.int32, 0)


def incentives_started(order: list[str], levels: list[int], taken: dict[str, int], started: int) -> int:
    """How many incentives of `order` run, staged: the first from the start, each next one once the one before
    it has drawn its level of participations (`levels[k]` participations through incentive k start incentive
    k + 1; `taken`: participations so far by incentive). One stage per call at most, so each incentive runs
    at least one step before the next can start; an incentive once started keeps running."""
    if started < len(order) and taken.get(order[started - 1], 0) >= levels[started - 1]:
        return started + 1
    return started


def highest_ranked(candidates: np.ndarray, score: np.ndarray, size: int) -> np.ndarray:
    """The `size` candidates (person numbers, sorted) with the highest `score` (one per candidate), ties going
    to the lower person number: a rule, not a draw, so the same people whatever the random streams."""
    order = np.lexsort((candidates, -np.asarray(score)))
    return np.sort(candidates[order[:size]])


class FanBuilding(Mechanism):
    """Each incentive adds participation at its rate (split over the brand's products) with its own tie
    building and cost while the brand is active: all three side by side (staging = 'together'), or one after
    the other in `order` (staging = 'ordered'), each next one from the step after the one in which the one
    before it reached its level of participations in `stage_levels` (`incentives_started`); the honour group is `super_users` seed users chosen by
    super_user_choice (drawn at random, uniformly without replacement; the hubs; or the most active in a
    trial period) who get a full brand tie when chosen and take part at super_user_participation per day,
    each participation bringing super_user_feedback. Incentives cost their `cost` per participation and the
    honour group super_user_gift per member and day, paid from the ledger (unpaid participations and unpaid
    gift days do not happen)."""

    section = "fan_building"
    turn = 5
    factor = "relationship_chain"
    effect = Effect("fans", RAISES, "incentives and an honour group strengthen brand ties and make fans")
    builds_brand_ties = True

    def __init__(self, scenario: Scenario, n: int):
        super().__init__(scenario, n)
        self.super_user = np.zeros(n, dtype=bool)
        #: The brand tie a super user burnt by a bad pre-release falls back to (relationship.initial_brand_tie).
        self.initial_tie = scenario.relationship.initial_brand_tie
        #: Incentives of `order` that run: all three side by side ('together'), or the first only at the start
        #: ('ordered'; `incentives_started` adds the next ones).
        self.started = len(INCENTIVES) if self.cfg.staging == "together" else 1
        #: Day each incentive started, by name (NaN until it starts; 'together': all on day 0).
        self.start_day = {name: 0.0 if self.cfg.staging == "together" else math.nan for name in INCENTIVES}
        self.start_day[self.cfg.order[0]] = 0.0
        #: Seed users still waiting for the 'most_active' honour group to be chosen among them (else empty).
        self.trial = np.empty(0, dtype=np.int64)

    def states(self) -> tuple[State, ...]:
        """With super_user_choice = 'most_active': each person's count of steps with a participation."""
        return (PARTICIPATION_STEPS,) if self.cfg.super_user_choice == "most_active" else ()

    def place(self, view: HookView, seeds: np.ndarray, employees: np.ndarray) -> None:
        """The honour group among the seed users: drawn uniformly at random, or the hubs (most contacts over
        all layers, `sim.model.channels.degree`), now; the most active at the end of their trial."""
        if not self.cfg.super_users:
            return
        size = min(self.cfg.super_users, len(seeds))
        choice = self.cfg.super_user_choice
        if choice == "random":
            chosen = view.draws.choose(Purpose.SUPER_USERS, seeds, size)
        elif choice == "hubs":
            chosen = highest_ranked(seeds, degree(view.channels, view.people.n)[seeds], size)
        else:  # most_active: chosen at the end of the step reaching super_user_trial_days (`end_of_step`)
            self.trial = np.sort(seeds)
            return
        self._honour(view, chosen, 0.0)

    def _honour(self, view: HookView, chosen: np.ndarray, day: float) -> None:
        """Make `chosen` the honour group: super users with a full brand tie as of `day`."""
        self.super_user[chosen] = True
        view.people.set_brand_tie(chosen, np.ones(len(chosen)), day)

    def after_participation(self, view: HookView, participants: np.ndarray, feedback: float, day: float) -> None:
        """During the trial of 'most_active', count one more step with a participation for each participant;
        super users who took part tested a pre-release, which may be bad (super_user_risk)."""
        if len(self.trial):
            view.people.participation_steps[participants] += 1
        if self.cfg.super_user_risk > 0 and self.super_user.any():
            self._bad_builds(view, participants, day)

    def _bad_builds(self, view: HookView, participants: np.ndarray, day: float) -> None:
        """Each super user among the participants meets a bad pre-release with chance super_user_risk
        (`Purpose.BAD_BUILD`): they leave the honour group and their brand tie falls back to its initial value."""
        testers = np.unique(participants[self.super_user[participants]])
        if len(testers) == 0:
            return
        hit = view.draws.uniform(Purpose.BAD_BUILD, testers) < self.cfg.super_user_risk
        burnt = np.compress(hit, testers)
        self.super_user[burnt] = False
        view.people.set_brand_tie(burnt, np.full(len(burnt), self.initial_tie), day)

    def end_of_step(self, view: HookView, step: int, day_end: float) -> None:
        """At the end of the step reaching super_user_trial_days, the 'most_active' honour group: the seed users
        with the most steps with a participation (ties to the lower person number)."""
        if len(self.trial) and day_end >= self.cfg.super_user_trial_days:
            size = min(self.cfg.super_users, len(self.trial))
            active = view.people.participation_steps[self.trial]
            self._honour(view, highest_ranked(self.trial, active, size), day_end)
            self.trial = np.empty(0, dtype=np.int64)

    def participation_sources(self, view: HookView, pool: np.ndarray, day: float, dt: float) -> list[Source]:
        fb = self.cfg
        if not view.playbook.brand_active(day):
            return []
        split = view.playbook.split
        sources = []
        for name in self._running(view, day):
            inc = getattr(fb, name)
            if inc.rate > 0:
                sources.append(Source(name, inc.rate * split, inc.tie_building, inc.cost))
        if self.super_user.any() and self._gifts_paid(view, day, dt):
            sources.append(
                Source(
                    "honour_group",
                    np.where(self.super_user[pool], fb.super_user_participation, 0.0),
                    feedback=fb.super_user_feedback,
                )
            )
        return sources

    def _running(self, view: HookView, day: float) -> tuple[str, ...] | list[str]:
        """The incentives that run in this step: all three in the seed's order ('together'), or those of
        `order` started so far ('ordered'), first starting the next one if the one before it drew its level of
        participations up to the previous step (the ledger counts them; dated `day`, the step's end)."""
        if self.cfg.staging == "together":
            return INCENTIVES
        started = incentives_started(self.cfg.order, self.cfg.stage_levels, view.ledger.taken, self.started)
        if started > self.started:
            self.start_day[self.cfg.order[started - 1]] = day
            self.started = started
        return self.cfg.order[: self.started]

    def _gifts_paid(self, view: HookView, day: float, dt: float) -> bool:
        """Pay the honour group's gifts for this step (members x super_user_gift x dt); True if paid."""
        cost = int(self.super_user.sum()) * self.cfg.super_user_gift * dt
        return view.ledger.buy("honour_gift", 1, cost, day) == 1

    def unit_costs(self) -> dict[str, float]:
        costs = {name: getattr(self.cfg, name).cost for name in INCENTIVES}
        return costs | {"honour_gift": self.cfg.super_user_gift}

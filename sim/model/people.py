"""The people: every per-person array of a model, and the bookkeeping that keeps its counts in step.

State is declared, then allocated (the pattern of starsim's `define_states`): a `State` names one
per-person array, its dtype and its starting value (a number, or a function of the scenario for a
configured start). `People` allocates the union of the states declared by the model (`CORE_STATES`)
and by the parts that bring their own (a playbook mechanism's `states`, e.g. which product generation
each person owns), so per-brand or per-product state is added by declaring it, without touching the
model class. Every method takes the day it concerns explicitly: `People` never reads a clock.

The counts (people per funnel state, aware and adopted people per channel credited, `adopted_total`)
change only through `set_state`, `become_aware` and `adopt`, so they always match the arrays.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

import numpy as np

from sim.config.schema import Scenario
from sim.model import rules
from sim.model.state import CHANNEL, CHANNELS, EMPLOYEE, NEGATIVE, NO_CHANNEL, POSITIVE, QUIET, SEED_USER, Funnel, tally
from sim.model.streams import Purpose, StepDraws

#: talk_start of someone who never talks (int32 steps: run.n_steps is far below it, and step - NEVER still fits).
NEVER = np.iinfo(np.int32).max // 2


@dataclass(frozen=True)
class State:
    """One per-person array: its attribute name on `People`, its dtype and the value everyone starts with
    (a number, or a function of the scenario)."""

    name: str
    dtype: type | np.dtype
    default: float | int | Callable[[Scenario], float]

    def allocate(self, scenario: Scenario, n: int) -> np.ndarray:
        """The array of n entries, all at the starting value."""
        value = self.default(scenario) if callable(self.default) else self.default
        return np.full(n, value, dtype=self.dtype)


#: The model's own per-person states (expectation and city are drawn, see `People.draw`).
CORE_STATES: tuple[State, ...] = (
    State("state", np.int8, Funnel.UNAWARE),  # funnel code
    State("valence", np.int8, QUIET),  # what they say when they talk
    State("talk_start", np.int32, NEVER),  # first step a person talks in
    State("kind", np.int8, 0),  # PUBLIC, SEED_USER or EMPLOYEE
    State("brand_tie", np.float64, lambda sc: sc.relationship.initial_brand_tie),  # tie to the brand (0-1)
    State("brand_day", np.float64, 0.0),  # day the brand tie last changed
    State("aware_channel", np.int8, NO_CHANNEL),  # channel credited with their awareness
    State("adopt_channel", np.int8, NO_CHANNEL),  # channel credited with their adoption
    State("adopt_day", np.float64, np.nan),  # day of the step they adopted in (its end)
)


class People:
    """The per-person arrays of a population of n (one entry per person) and their counts."""

    state: np.ndarray
    valence: np.ndarray
    talk_start: np.ndarray
    kind: np.ndarray
    brand_tie: np.ndarray
    brand_day: np.ndarray
    aware_channel: np.ndarray
    adopt_channel: np.ndarray
    adopt_day: np.ndarray

    def __init__(self, scenario: Scenario, draws: StepDraws, states: Iterable[State] = CORE_STATES):
        """Draw expectations (value units) and cities, in that order, from `draws` (the replicate's draws at step 0);
        then allocate every declared state for the scenario's population (a name declared twice, or taken by
        `People` itself, is an error)."""
        self.relationship = scenario.relationship
        self.n = n = scenario.population.size
        engine, cities = scenario.engine, scenario.population.cities
        everyone = np.arange(n)
        self.expectation = draws.normal(Purpose.EXPECTATION, everyone, engine.expectation_sd) + engine.expectation_mean
        self.city = draws.integers(Purpose.CITY, everyone, cities).astype(np.min_scalar_type(cities - 1))
        self.counts = np.zeros(len(Funnel), dtype=np.int64)  # people per funnel state
        self.counts[Funnel.UNAWARE] = n
        self.aware_by_channel = np.zeros(len(CHANNELS), dtype=np.int64)
        self.adopt_by_channel = np.zeros(len(CHANNELS), dtype=np.int64)
        self.adopted_total = 0
        self.declared: dict[str, State] = {}
        for s in states:
            if s.name in self.declared or hasattr(self, s.name):
                raise ValueError(f"per-person state '{s.name}' is declared twice or clashes with a People attribute")
            self.declared[s.name] = s
            setattr(self, s.name, s.allocate(scenario, n))

    # --- the funnel and its counts ---------------------------------------------------------------------

    def set_state(self, idx: np.ndarray, new: np.ndarray) -> None:
        """Change funnel states and keep the counts in step."""
        self.counts -= tally(self.state[idx], len(Funnel))
        self.counts += tally(new, len(Funnel))
        self.state[idx] = new

    def become_aware(self, people: np.ndarray, channels: np.ndarray) -> None:
        """Unaware people become aware (the step's later moves may take them further); credit their channel."""
        self.aware_channel[people] = channels
        self.aware_by_channel += tally(channels, len(CHANNELS), len(people))
        self.state[people] = Funnel.AWARE
        self.counts[Funnel.UNAWARE] -= len(people)
        self.counts[Funnel.AWARE] += len(people)

    def adopt(self, adopters: np.ndarray, valence: np.ndarray, channels: np.ndarray | int, day_end: float) -> None:
        """New adopters, whose lived experience gave them `valence`: their state follows it, their channel is
        credited and their adoption dated `day_end`."""
        self.set_state(adopters, np.asarray(rules.state_after_adoption(valence), dtype=np.int8).reshape(-1))
        self.valence[adopters] = valence
        self.adopt_channel[adopters] = channels
        self.adopt_by_channel += tally(channels, len(CHANNELS), len(adopters))
        self.adopt_day[adopters] = day_end
        self.adopted_total += len(adopters)

    def change_valence(self, users: np.ndarray, valence: np.ndarray) -> None:
        """Users whose view of the product changes (a detractor won back): their valence becomes `valence`
        and their state follows it as at adoption (`rules.state_after_adoption`), the counts kept in step.
        For users who are not fans (a fan's state is not the adoption rule's)."""
        self.set_state(users, np.asarray(rules.state_after_adoption(valence), dtype=np.int8).reshape(-1))
        self.valence[users] = valence

    def place_initial_users(self, employees: np.ndarray, seed_users: np.ndarray) -> None:
        """Employees start as fans with a full brand tie, seed users as adopters; all advocate from step 1,
        credited to the "seed" channel, adopted on day 0."""
        self.kind[employees] = EMPLOYEE
        self.kind[seed_users] = SEED_USER
        for who, state in ((employees, Funnel.FAN), (seed_users, Funnel.ADOPTER)):
            self.set_state(who, np.full(len(who), state, dtype=np.int8))
            self.valence[who] = POSITIVE
            self.talk_start[who] = 1
            self.adopt_channel[who] = CHANNEL["seed"]
            self.aware_channel[who] = CHANNEL["seed"]
            self.adopt_day[who] = 0.0
        self.brand_tie[employees] = 1.0
        self.adopted_total = len(employees) + len(seed_users)
        self.adopt_by_channel[CHANNEL["seed"]] = self.adopted_total
        self.aware_by_channel[CHANNEL["seed"]] = self.adopted_total

    def post_valence(self, people: np.ndarray) -> np.ndarray:
        """What their posts say: negative for detractors, positive otherwise (advocates, sharers, the meme)."""
        return np.where(self.valence[people] == NEGATIVE, np.int8(NEGATIVE), np.int8(POSITIVE))

    def adopter_indices(self) -> np.ndarray:
        """People who currently use the product (adopters and fans)."""
        return np.flatnonzero((self.state == Funnel.ADOPTER) | (self.state == Funnel.FAN))

    def is_adopter(self, i: int) -> bool:
        """Whether person i currently uses the product (an adopter or a fan)."""
        return self.state[i] in (Funnel.ADOPTER, Funnel.FAN)

    # --- the tie to the brand -----------------------------------------------------------------------------

    def brand_tie_now(self, idx: np.ndarray, day: float) -> np.ndarray:
        """Tie of people to the brand on `day`, relaxed lazily for the days since it last changed."""
        rel = self.relationship
        return rules.relax(self.brand_tie[idx], rel.initial_brand_tie, rel.brand_decay, day - self.brand_day[idx])

    def set_brand_tie(self, idx: np.ndarray, tie: np.ndarray, day: float) -> None:
        """Store new brand ties as of `day`."""
        self.brand_tie[idx] = np.clip(tie, 0.0, 1.0)
        self.brand_day[idx] = day

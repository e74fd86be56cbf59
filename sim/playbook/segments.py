"""Market segments (seed S85, "can it cross from the enthusiasts to the mass market?", Moore's chasm):
enthusiasts forgive a rough product and talk about it; the mass market expects more, talks less and doubts a
product until enough people like them use it."""

from __future__ import annotations

import numpy as np

from sim.config.schema import Scenario
from sim.model import rules
from sim.model.people import State
from sim.model.streams import Purpose
from sim.playbook.base import LOWERS, Effect, HookView, Mechanism

#: Segment codes of the `segment` state.
MASS, ENTHUSIAST = 0, 1
#: The columns the mechanism records: people of each segment who ever adopted.
COLUMNS = ("enthusiasts_adopted", "mass_adopted")


class Segments(Mechanism):
    """At the build, each person of the public is an enthusiast with chance enthusiast_share (`Purpose.SEGMENT`),
    the others the mass market; seed users and employees are enthusiasts (seed_enthusiasts) or drawn as the
    public. Each segment's expectations are shifted once (enthusiast_expectation, mass_expectation) and its
    talk scaled (enthusiast_talk, mass_talk: factors on every talk weight, on every channel); enthusiasts' chances
    to take part are multiplied by enthusiast_participation (the urge to intervene, seed S08). At a decision a
    mass-market person adds the doubt `rules.segment_doubt` to their expectation: mass_doubt while none of the
    mass market has adopted, falling linearly to 0 as the share of it that ever adopted reaches
    mass_proof_share (pragmatists want references from people like them). Records the adopters of each
    segment (`enthusiasts_adopted`, `mass_adopted`)."""

    section = "segments"
    turn = 18
    factor = "engine"
    effect = Effect("adopted_total", LOWERS, "the mass market expects more and doubts a product few of it use")
    example_settings = ()

    def __init__(self, scenario: Scenario, n: int):
        super().__init__(scenario, n)
        #: People of each segment, and those of them who ever adopted (MASS, ENTHUSIAST).
        self.size = np.zeros(2, dtype=np.int64)
        self.adopted = np.zeros(2, dtype=np.int64)
        #: Each person's segment, the `segment` state once placed (the participation multiplier gets no view).
        self.segment = np.zeros(n, dtype=np.int8)

    def states(self) -> tuple[State, ...]:
        return (State("segment", np.int8, MASS),)

    def place(self, view: HookView, seeds: np.ndarray, employees: np.ndarray) -> None:
        cfg, people = self.cfg, view.people
        everyone = np.arange(self.n)
        enthusiast = view.draws.uniform(Purpose.SEGMENT, everyone) < cfg.enthusiast_share
        initial = np.concatenate([seeds, employees]).astype(np.int64)
        if cfg.seed_enthusiasts:
            enthusiast[initial] = True
        people.segment[:] = np.where(enthusiast, ENTHUSIAST, MASS).astype(np.int8)
        self.segment = people.segment
        people.expectation += np.where(enthusiast, cfg.enthusiast_expectation, cfg.mass_expectation)
        self.size = np.bincount(people.segment, minlength=2).astype(np.int64)
        self.adopted = np.bincount(people.segment[initial], minlength=2).astype(np.int64)

    def talk_multiplier(self, view: HookView, people: np.ndarray, day: float) -> np.ndarray | float:
        factors = np.array([self.cfg.mass_talk, self.cfg.enthusiast_talk])
        return factors[view.people.segment[people]]

    def participation_multiplier(self, pool: np.ndarray) -> np.ndarray | float:
        if self.cfg.enthusiast_participation == 1.0:
            return 1.0
        return np.where(self.segment[pool] == ENTHUSIAST, self.cfg.enthusiast_participation, 1.0)

    def mass_share(self) -> float:
        """Share of the mass market that ever adopted (0 for an empty mass market)."""
        return float(self.adopted[MASS] / self.size[MASS]) if self.size[MASS] else 0.0

    def expectation_discount(self, view: HookView, people: np.ndarray, day: float) -> np.ndarray | float:
        doubt = rules.segment_doubt(self.cfg.mass_doubt, self.mass_share(), self.cfg.mass_proof_share)
        return np.where(view.people.segment[people] == MASS, -doubt, 0.0)

    def on_adoption(self, view: HookView, adopters: np.ndarray, margin: np.ndarray, day: float) -> None:
        self.adopted += np.bincount(view.people.segment[adopters], minlength=2)

    def series_columns(self) -> tuple[str, ...]:
        return COLUMNS

    def series(self, view: HookView) -> dict[str, int | float]:
        return {"enthusiasts_adopted": int(self.adopted[ENTHUSIAST]), "mass_adopted": int(self.adopted[MASS])}

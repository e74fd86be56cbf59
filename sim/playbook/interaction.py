"""Interaction design: simple, beneficial, fun and authentic participation."""

from __future__ import annotations

import numpy as np

from sim.config.schema import Scenario
from sim.model import rules
from sim.playbook.base import RAISES, Effect, Mechanism


class Interaction(Mechanism):
    """Participation chances are multiplied by (simplicity + benefit + fun + authenticity) / 2; the sense
    of achievement (fun + authenticity) / 2 is what achievement sharing (WOM events) draws on."""

    section = "interaction"
    turn = 2
    example_settings = ("interaction.simplicity=1", "interaction.benefit=1", "interaction.fun=1")
    factor = "relationship_chain"
    effect = Effect("participations", RAISES, "well-designed interaction makes advocates and fans take part more")

    def __init__(self, scenario: Scenario, n: int):
        super().__init__(scenario, n)
        ia = self.cfg
        self.multiplier = rules.interaction_multiplier(ia.simplicity, ia.benefit, ia.fun, ia.authenticity)
        self.achievement = rules.achievement(ia.fun, ia.authenticity)

    def sense_of_achievement(self) -> float:
        return self.achievement

    def participation_multiplier(self, pool: np.ndarray) -> float:
        return self.multiplier

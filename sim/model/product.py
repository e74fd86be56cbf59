"""The product on sale: its quality and what people expect of it, on a given day.

Quality belongs to the product, not to the playbook that sets it: it starts at the engine's quality as
the playbook's set-up leaves it (`Playbook.initial_quality`, e.g. a focused development budget), releases
raise it (`Playbook.end_of_step`, product iteration), and with a line of products (`generations` section,
`sim.model.generations`) the newest generation on sale adds its `quality_gain` and shifts everyone's
expectation by its `expectation_shift`. Conversion, lived experience and the `quality` column read it
here, for the day they concern.
"""

from __future__ import annotations

import numpy as np

from sim.config.behaviour import EngineConfig
from sim.config.mechanisms.generations import GenerationsConfig
from sim.model import rules


class Product:
    """The product (or the newest product of a line) the brand sells."""

    def __init__(self, quality: float, line: GenerationsConfig):
        #: The engine's quality of the first product (value units); releases raise it.
        self.engine_quality = quality
        #: Whether there is a line of more than one product.
        self.has_line = line.count > 1
        self.launch_days = np.array([p.launch_day for p in line.products] if self.has_line else [], dtype=float)
        #: Quality of each generation minus the first's, and expectation shift (value units), index g - 1.
        self.quality_gain = np.array([0.0] + [p.quality_gain for p in line.products] if self.has_line else [0.0])
        self.expectation_shift = np.array(
            [0.0] + [p.expectation_shift for p in line.products] if self.has_line else [0.0]
        )

    def generation(self, day: float) -> int:
        """The generation on sale on `day` (1: the first product)."""
        return int(rules.newest_generation(day, self.launch_days))

    def quality(self, day: float) -> float:
        """Quality of the product on sale on `day` (value units): the engine's, plus a later generation's gain."""
        if not self.has_line:
            return self.engine_quality
        return self.engine_quality + self.quality_gain[self.generation(day) - 1]

    def expectation(self, expectation: np.ndarray, day: float) -> np.ndarray:
        """What people with the given own `expectation` (value units) expect of the product on sale on `day`."""
        if not self.has_line:
            return expectation
        return expectation + self.expectation_shift[self.generation(day) - 1]

    def experience(
        self, expectation: np.ndarray, noise: np.ndarray | float, day: float, engine: EngineConfig
    ) -> tuple[np.ndarray, np.ndarray]:
        """Lived experience of buyers with own `expectation` on `day`, their experience falling `noise` from the
        quality: (margin in value units, valence), which decides who advocates, stays quiet or detracts."""
        margin = rules.experience_margin(self.quality(day), self.expectation(expectation, day), noise)
        valence = np.asarray(rules.talk_valence(margin, engine.advocate_margin, engine.detractor_margin), dtype=np.int8)
        return margin, valence.reshape(-1)

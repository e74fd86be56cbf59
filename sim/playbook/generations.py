"""Product generations: the brand's fans and users buy its next product (Norton and Bass 1987; Xiaomi's
Mi 1, Mi 2, Mi 3).

The product line acts in the model's adoption path, because it changes who owns what: the newest
product on sale, newcomers buying it, owners upgrading (`sim.model.generations`, called by
`WomModel`). This class declares the section's place in the iron triangle and its documented effect.
It counts in the relationship chain: the later products are there for the brand's existing users to
buy again, and whether they do depends on their experience and their tie to the brand. A later
product's quality is stated relative to the first (`quality_gain`), so the engine's quality carries
over to every generation and stays the engine's in attribution.
"""

from __future__ import annotations

from sim.playbook.base import RAISES, Effect, Mechanism


class Generations(Mechanism):
    """Later products on sale from their launch days; owners of older ones upgrade (see the module)."""

    section = "generations"
    factor = "relationship_chain"
    effect = Effect(
        "adopted_total",
        RAISES,
        "a better later product converts people the first could not, and upgraders talk about it again",
    )

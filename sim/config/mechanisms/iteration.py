"""The scenario section of product iteration: releases that turn feedback into quality (`sim.playbook.iteration`).

A mechanism section of sim.config.schema.Scenario (sim.config.mechanisms); the same strict, bounded
validation applies (sim.config.section.Section).
"""

from __future__ import annotations

from pydantic import Field, model_validator

from sim.config.section import MechanismSection

#: Most candidate features a release may put to the vote.
MAX_VOTE_CANDIDATES = 20
#: Largest logit scale of a voter's reading of a feature's worth (multiples of max_gain).
MAX_VOTE_NOISE = 10.0


class IterationConfig(MechanismSection):
    """Product iteration: a release every N days improves quality with the feedback gathered since the last."""

    position = 7

    every_days: float = Field(7.0, gt=0, le=3650, description="Days between releases (MIUI: weekly).")
    max_gain: float = Field(0.01, ge=0, le=10, description="Largest quality gain of one release (value units).")
    feedback_scale: float = Field(
        200.0, gt=0, le=1e12, description="Feedback items at which a release gets 63% of max_gain."
    )
    max_quality: float = Field(1.0, ge=-10, le=10, description="Quality ceiling.")
    vote_candidates: int = Field(
        0,
        ge=0,
        le=MAX_VOTE_CANDIDATES,
        description="Candidate features each release puts to the users' vote (0 = no vote: every release "
        "is worth up to max_gain; 1 is refused: a vote needs a choice). Each candidate is worth a uniform "
        "share of max_gain; the feedback items are the votes, and the feature with most votes ships.",
    )
    vote_noise: float = Field(
        0.25,
        gt=0,
        le=MAX_VOTE_NOISE,
        description="How unsure a voter is of what a feature is worth (logit scale, multiples of max_gain): "
        "small = every vote goes to the best candidate, large = votes are a coin toss.",
    )

    @model_validator(mode="after")
    def _a_vote_needs_a_choice(self):
        if self.vote_candidates == 1:
            raise ValueError("iteration.vote_candidates must be 0 (no vote) or at least 2 (a choice)")
        return self

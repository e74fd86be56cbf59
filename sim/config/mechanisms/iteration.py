"""The scenario section of product iteration: releases that turn feedback into quality (`sim.playbook.iteration`).

A mechanism section of sim.config.schema.Scenario (sim.config.mechanisms); the same strict, bounded
validation applies (sim.config.section.Section).
"""

from __future__ import annotations

from pydantic import Field

from sim.config.section import MechanismSection


class IterationConfig(MechanismSection):
    """Product iteration: a release every N days improves quality with the feedback gathered since the last."""

    position = 7
    brand_ready = True  # releases raise its brand's quality from its own owners' feedback

    every_days: float = Field(7.0, gt=0, le=3650, description="Days between releases (MIUI: weekly).")
    max_gain: float = Field(0.01, ge=0, le=10, description="Largest quality gain of one release (value units).")
    feedback_scale: float = Field(
        200.0, gt=0, le=1e12, description="Feedback items at which a release gets 63% of max_gain."
    )
    max_quality: float = Field(1.0, ge=-10, le=10, description="Quality ceiling.")

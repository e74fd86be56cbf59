"""The run section of a scenario: the horizon, the step, the seed, the replicates and the backend.

The horizon is covered exactly: `run.days` must be a whole multiple of `run.dt` (so `days = 5, dt = 10`
or `days = 0.001` with the default `dt = 1` are errors), and `days / dt` is at most `MAX_STEPS`.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, model_validator

from sim.config.limits import MAX_DAYS, MAX_DT, MAX_REPLICATES, MAX_SEED, MAX_STEPS
from sim.config.section import Section

#: Relative tolerance when checking that run.days is a whole number of steps (floating-point dt such as 0.05).
STEP_TOLERANCE = 1e-9


def whole_steps(days: float, dt: float) -> bool:
    """Whether `days` is a whole number of steps of length `dt` (within STEP_TOLERANCE, relative)."""
    steps = days / dt
    return abs(steps - round(steps)) <= STEP_TOLERANCE * max(1.0, steps)


class RunConfig(Section):
    """How long and how finely to simulate, and how many replicates."""

    days: float = Field(365.0, gt=0, le=MAX_DAYS, description="Simulated horizon (days); a whole multiple of dt.")
    dt: float = Field(
        1.0, gt=0, le=MAX_DT, description="Length of one step (days). Small dt approaches continuous time."
    )
    seed: int = Field(0, ge=0, le=MAX_SEED, description="Master seed; replicates get independent spawned streams.")
    replicates: int = Field(1, ge=1, le=MAX_REPLICATES, description="Independent runs of the scenario.")
    backend: Literal["vector", "agents"] = Field(
        "vector",
        description="'vector': whole population as numpy arrays (fast, default); "
        "'agents': one Mesa agent per person (readable reference, small populations).",
    )

    @model_validator(mode="after")
    def _whole_steps(self) -> RunConfig:
        steps = self.days / self.dt
        if self.dt > self.days:
            raise ValueError(f"run.dt ({self.dt:g}) must be <= run.days ({self.days:g})")
        if steps > MAX_STEPS:
            raise ValueError(
                f"run.days / run.dt = {steps:.6g} steps; at most {MAX_STEPS} steps are allowed "
                "(shorten run.days or lengthen run.dt)"
            )
        if not whole_steps(self.days, self.dt):
            raise ValueError(
                f"run.days ({self.days:g}) must be a whole multiple of run.dt ({self.dt:g}) so that the run "
                f"ends exactly at run.days (e.g. run.days = {round(steps) * self.dt:g})"
            )
        return self

    @property
    def n_steps(self) -> int:
        """Number of steps that cover `days` exactly."""
        return int(math.ceil(self.days / self.dt - 1e-9))

"""The base of every scenario section: strict types, finite numbers, unknown keys refused.

`Section` is strict: a string is never read as a number, a bool never as a number, a number never as
a bool (an integer is accepted where a real number is expected). Numbers must be finite; a field that
means "never" (a stop day) opts in to `inf` with `allow_inf_nan=True` and is bounded by `NEVER`.
"""

from __future__ import annotations

import math

from pydantic import BaseModel, ConfigDict, Field

#: A probability: a real number in [0, 1] (each field states its bounds).
Probability = float
#: The value of wom.active_steps meaning "talk for ever".
FOREVER = "forever"
#: A day that never comes (the default stop day of ads and layers).
NEVER = math.inf


class Section(BaseModel):
    """Base of every scenario section: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        ser_json_inf_nan="strings",
        strict=True,
        allow_inf_nan=False,
    )


class Mechanism(Section):
    """A playbook mechanism: off unless the scenario switches it on."""

    enabled: bool = Field(False, description="Switch the mechanism on.")

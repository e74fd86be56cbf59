"""The base of every scenario section: strict types, finite numbers, unknown keys refused.

`Section` is strict: a string is never read as a number, a bool never as a number, a number never as
a bool. An integer is accepted where a real number is expected, and a whole real number (`1e6`) where
an integer is expected, so `size = 1e6` means 1000000 and `cities = 1e12` is refused for its range. Numbers must be finite; a field that
means "never" (a stop day) opts in to `inf` with `allow_inf_nan=True` and is bounded by `NEVER`.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, ClassVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, model_validator

from sim.config.limits import MAX_MONEY

#: A probability: a real number in [0, 1] (each field states its bounds).
Probability = float


class MoneyUnit:
    """The mark of a money field (currency) in its type's metadata, so tests and tools can find every one."""

    def __repr__(self) -> str:
        return "MONEY"


#: The mark `Money` and `MoneyCap` carry (one object: a field is money iff its metadata holds it).
MONEY = MoneyUnit()


def money_cap(value: float) -> float:
    """A budget cap: > 0 and at most MAX_MONEY, or inf (no cap); anything else (0, nan, 1e300) is refused."""
    if not (0 < value <= MAX_MONEY or value == math.inf):
        raise ValueError(f"must be > 0 and <= {MAX_MONEY:g}, or inf for no cap")
    return value


#: An amount of money (currency: a cost, a spend): >= 0 and at most MAX_MONEY. Every cost or spend field
#: is declared with this type, so none escapes the cap; a field may narrow it further (`gt=0`).
Money = Annotated[float, MONEY, Field(ge=0, le=MAX_MONEY)]
#: A cap on money (currency: a budget): > 0 and at most MAX_MONEY, or inf for no cap (`money_cap`).
MoneyCap = Annotated[float, MONEY, Field(allow_inf_nan=True), AfterValidator(money_cap)]
#: The value of wom.active_steps meaning "talk for ever".
FOREVER = "forever"
#: A day that never comes (the default stop day of ads and layers).
NEVER = math.inf


class KeyConflict(ValueError):
    """A value the rest of the scenario cannot serve (a check across sections); `key` is its dotted path,
    so the error reads `<file>: invalid scenario / <key>: <rule>` (sim.config.scenario)."""

    def __init__(self, key: str, rule: str):
        super().__init__(rule)
        self.key = key


class Section(BaseModel):
    """Base of every scenario section: unknown keys are errors, values are validated on assignment."""

    model_config = ConfigDict(
        extra="forbid",
        validate_assignment=True,
        ser_json_inf_nan="strings",
        strict=True,
        allow_inf_nan=False,
    )

    @model_validator(mode="before")
    @classmethod
    def _whole_numbers_as_integers(cls, data: Any) -> Any:
        """A finite whole float given for an integer key is that integer (1e6 -> 1000000); 2.5 stays an error."""
        if not isinstance(data, dict):
            return data
        fixed = None
        for name, field in cls.model_fields.items():
            value = data.get(name)
            if field.annotation is int and type(value) is float and math.isfinite(value) and value.is_integer():
                fixed = fixed if fixed is not None else dict(data)
                fixed[name] = int(value)
        return fixed if fixed is not None else data


class MechanismSection(Section):
    """The config section of a playbook mechanism (`sim.playbook.base.Mechanism`): off unless the scenario
    switches it on.

    Each lives in its own module `sim/config/mechanisms/<section>.py`, named after its section, which is how
    `Scenario` finds it (sim.config.mechanisms).
    """

    #: Its place among the mechanism sections of `Scenario` (1 = first), which fixes the order of the sections
    #: in scenario files written out, the resolved scenario and the JSON schema: a new section takes the next
    #: number, so it comes after every existing one and moves none.
    position: ClassVar[int]
    #: Whether a market of brands (`[brands]`, sim.model.brands) runs it per brand, each brand with its own from
    #: its own section: only mechanisms that act through the hooks run per brand (`sim.playbook.base.BRAND_HOOKS`:
    #: set-up, seed users, participation, releases) and touch only that brand's people are;
    #: tests/playbook/test_brand_ready.py checks both. The others are refused with [brands].
    brand_ready: ClassVar[bool] = False

    enabled: bool = Field(False, description="Switch the mechanism on.")

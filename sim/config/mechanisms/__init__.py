"""The participation playbook's sections of a scenario: strategies and tactics, each off unless enabled.

One module per mechanism, named after its section (`sim/config/mechanisms/<section>.py` configures
`[<section>]` of a scenario and `sim/playbook/<section>.py`), each defining one
`sim.config.section.MechanismSection` subclass. They are found here, not listed: `MECHANISM_SECTIONS` holds
every module's section, in the order of their `position`, and `sim.config.schema.Scenario` has one field
per entry, in that order, between its core sections and `budget`. Adding a mechanism's config is adding
its module.
"""

from __future__ import annotations

import importlib
import pkgutil

from sim.config.section import MechanismSection


def defined_subclasses(module_name: str, base: type) -> list[type]:
    """The subclasses of `base` defined in (not imported into) the module `module_name`: how the mechanism
    sections here and the mechanisms of sim.playbook.registry are found in their modules."""
    module = importlib.import_module(module_name)
    return [
        value
        for value in vars(module).values()
        if isinstance(value, type) and issubclass(value, base) and value.__module__ == module.__name__
    ]


def _section_class(module_name: str) -> type[MechanismSection]:
    """The one `MechanismSection` subclass defined in the module `module_name` of this package."""
    found = defined_subclasses(f"{__name__}.{module_name}", MechanismSection)
    if len(found) != 1:
        names = ", ".join(c.__name__ for c in found) or "none"
        raise TypeError(
            f"sim/config/mechanisms/{module_name}.py must define exactly one MechanismSection subclass "
            f"(the config of section '{module_name}'), found {names}"
        )
    return found[0]


def _discover() -> dict[str, type[MechanismSection]]:
    """Every module's section and its config class, in `position` order (positions must differ)."""
    names = sorted(info.name for info in pkgutil.iter_modules(__path__))
    classes = {name: _section_class(name) for name in names}
    for name, cls in classes.items():
        if not isinstance(getattr(cls, "position", None), int):
            raise TypeError(f"sim/config/mechanisms/{name}.py: {cls.__name__} must set `position` (an int)")
    by_position: dict[int, str] = {}
    for name, cls in classes.items():
        if cls.position in by_position:
            free = max(c.position for c in classes.values()) + 1
            raise TypeError(
                f"sim/config/mechanisms/{by_position[cls.position]}.py and {name}.py both take position "
                f"{cls.position} among the mechanism sections: a new section takes the next one ({free})"
            )
        by_position[cls.position] = name
    return {name: classes[name] for _, name in sorted(by_position.items())}


#: Every mechanism section of the scenario and its config class, in the order of `Scenario`'s fields.
MECHANISM_SECTIONS: dict[str, type[MechanismSection]] = _discover()

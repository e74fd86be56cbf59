"""Every playbook mechanism, in the order they act, and the factor mapping attribution derives from them.

The mechanisms are found, not listed: each mechanism section of the scenario (`sim/config/mechanisms/<section>.py`,
`sim.config.mechanisms.MECHANISM_SECTIONS`) has its mechanism, the one `Mechanism` subclass of
`sim/playbook/<section>.py`, and every module of this package other than the playbook's own (`OWN_MODULES`)
is a mechanism's. A missing side is an error on import, naming the file to add.

Within each hook the mechanisms act in `MECHANISMS` order (by their `turn`), after the always-on
`CORE_PARTS`; the order fixes the order of their random draws (so results), and the order of participation
sources. A new mechanism takes the next turn, so that runs without it keep their results. The acting order:
`python -c "from sim.playbook.registry import MECHANISMS; print([m.__name__ for m in MECHANISMS])"`.
"""

from __future__ import annotations

import pkgutil

import sim.playbook
from sim.config.mechanisms import MECHANISM_SECTIONS, defined_subclasses
from sim.config.schema import Scenario
from sim.playbook.base import FACTORS, Mechanism
from sim.playbook.core import CORE_PARTS, CORE_SECTIONS, CORE_SWITCHES

#: The playbook's own modules of `sim/playbook/`: the shape, the core parts, the composition and this registry.
OWN_MODULES = ("base", "core", "playbook", "registry")


def _mechanism(section: str) -> type[Mechanism]:
    """The mechanism of a mechanism section: the one `Mechanism` subclass of `sim/playbook/<section>.py`."""
    found = defined_subclasses(f"{sim.playbook.__name__}.{section}", Mechanism)
    if len(found) != 1 or found[0].section != section or not isinstance(getattr(found[0], "turn", None), int):
        names = ", ".join(c.__name__ for c in found) or "none"
        raise TypeError(
            f"sim/playbook/{section}.py must define exactly one Mechanism subclass, with section = '{section}' "
            f"and its turn (an int), found {names}"
        )
    return found[0]


def _discover() -> tuple[type[Mechanism], ...]:
    """Every mechanism section's mechanism, in turn order; an error names the side that is missing."""
    modules = {info.name for info in pkgutil.iter_modules(sim.playbook.__path__)} - set(OWN_MODULES)
    for section in MECHANISM_SECTIONS:
        if section not in modules:
            raise ImportError(
                f"sim/config/mechanisms/{section}.py configures the mechanism section '{section}', but "
                f"sim/playbook/{section}.py (its Mechanism) is missing"
            )
    orphans = sorted(modules - MECHANISM_SECTIONS.keys())
    if orphans:
        raise ImportError(
            f"sim/playbook/{orphans[0]}.py is a mechanism's module, but its config section "
            f"sim/config/mechanisms/{orphans[0]}.py is missing"
        )
    mechanisms = sorted((_mechanism(section) for section in MECHANISM_SECTIONS), key=lambda m: m.turn)
    for before, after in zip(mechanisms, mechanisms[1:]):
        if before.turn == after.turn:
            raise TypeError(
                f"{before.__name__} and {after.__name__} both take turn {before.turn}: a new mechanism takes the "
                f"next one ({mechanisms[-1].turn + 1})"
            )
    return tuple(mechanisms)


#: Every switchable mechanism, in acting order.
MECHANISMS: tuple[type[Mechanism], ...] = _discover()


def factor_sections() -> dict[str, tuple[str, ...]]:
    """The scenario sections of each iron-triangle factor: its core sections, then the sections of the
    mechanisms declaring that factor, in the scenario's section order."""
    order = {name: i for i, name in enumerate(Scenario.model_fields)}
    result = {}
    for factor in FACTORS:
        mine = sorted((m.section for m in MECHANISMS if m.factor == factor), key=order.__getitem__)
        result[factor] = CORE_SECTIONS[factor] + tuple(mine)
    return result


def switch_factor(key: str) -> str:
    """The iron-triangle factor a core switch (sim.playbook.core.CORE_SWITCHES) counts in: its section's."""
    section = key.split(".")[0]
    return next(f for f, sections in CORE_SECTIONS.items() if section in sections)


__all__ = ["CORE_PARTS", "CORE_SECTIONS", "CORE_SWITCHES", "MECHANISMS", "factor_sections", "switch_factor"]

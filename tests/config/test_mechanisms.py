"""The mechanism sections of a scenario are found in sim/config/mechanisms, one module each, in a fixed order."""

from __future__ import annotations

from sim.config.mechanisms import MECHANISM_SECTIONS
from sim.config.schema import LAST_SECTIONS, CoreSections, Scenario
from sim.config.section import MechanismSection

#: The scenario's sections before issue 23, in order: they fix the order of sections in every output
#: (resolved scenarios, the JSON schema, the docs' tables).
SHIPPED_FIELDS = (
    "name",
    "description",
    "run",
    "population",
    "seed_users",
    "engine",
    "wom",
    "advertising",
    "network",
    "channels",
    "official",
    "relationship",
    "hit_product",
    "fan_building",
    "self_media",
    "participation_nodes",
    "interaction",
    "events",
    "iteration",
    "forum_service",
    "meetups",
    "referral",
    "community",
    "generations",
)


def test_mechanism_sections_follow_the_core_sections_in_position_order_then_budget_and_later_sections():
    fields = list(Scenario.model_fields)
    core = list(CoreSections.model_fields)
    assert fields == [*core, *MECHANISM_SECTIONS, *LAST_SECTIONS] and LAST_SECTIONS == (
        "budget",
        "market",
        "brands",
        "switching",
        "supply",
        "money",
        "choice",
    )
    assert [c.position for c in MECHANISM_SECTIONS.values()] == sorted(
        {c.position for c in MECHANISM_SECTIONS.values()}
    )


def test_shipped_sections_keep_their_order():
    assert tuple(Scenario.model_fields)[: len(SHIPPED_FIELDS)] == SHIPPED_FIELDS


def test_every_mechanism_section_is_typed_by_its_config_class_and_off_by_default():
    for name, cls in MECHANISM_SECTIONS.items():
        assert issubclass(cls, MechanismSection) and Scenario.model_fields[name].annotation is cls
        assert getattr(Scenario(), name) == cls() and not getattr(Scenario(), name).enabled

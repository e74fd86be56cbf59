"""The registry and the factor mapping attribution derives from it."""

from __future__ import annotations

from sim.config.scenario import load_scenario
from sim.playbook import registry
from sim.playbook.base import RAISES, Effect, Mechanism
from sim.playbook.core import CORE_SECTIONS
from sim.playbook.playbook import Playbook
from sim.research.attribution.method import FACTOR_SECTIONS


def test_attribution_maps_every_core_section_and_mechanism_to_its_factor_once():
    assert FACTOR_SECTIONS == registry.factor_sections()
    listed = [s for sections in FACTOR_SECTIONS.values() for s in sections]
    assert len(listed) == len(set(listed))
    for factor, core in CORE_SECTIONS.items():
        assert FACTOR_SECTIONS[factor][: len(core)] == core
    for m in registry.MECHANISMS:
        assert m.section in FACTOR_SECTIONS[m.factor]


def test_a_new_mechanism_is_attributed_without_editing_attribution(monkeypatch):
    class Newcomer(Mechanism):
        section = "official"  # any scenario section outside the factors stands in for a new one
        factor = "accelerator"
        effect = Effect("adopted_total", RAISES, "stands in for a new mechanism")

    monkeypatch.setattr(registry, "MECHANISMS", (*registry.MECHANISMS, Newcomer))
    sections = registry.factor_sections()
    assert "official" in sections["accelerator"] and "official" not in sections["engine"]


def build_playbook(overrides: list[str]) -> Playbook:
    """The playbook of the scenario with `overrides`, for its population."""
    scenario = load_scenario(None, overrides)
    return Playbook(scenario, scenario.population.size)


def test_playbook_builds_only_switched_on_mechanisms_and_dispatches_hooks_to_implementers():
    pb = build_playbook(["population.size=50", "seed_users.count=5", "iteration.enabled=true"])
    assert [m.section for m in pb.mechanisms] == ["iteration"]
    assert pb.mechanism("iteration") is pb.mechanisms[0] and pb.mechanism("referral") is None
    assert pb._hooks["improved_quality"] == pb.mechanisms and pb._hooks["gate_purchases"] == []
    assert not pb.builds_brand_ties()


def test_plain_playbook_is_the_plain_model():
    pb = build_playbook(["population.size=50", "seed_users.count=5"])
    assert pb.mechanisms == [] and pb.initial_quality() == pb.cfg.engine.quality and pb.expectation_shift == 0.0
    assert pb.split == 1.0 and pb.achievement == 0.0 and pb.launched(0.0) and not pb.meme_active(0.0)
    assert pb.official_rate(0.0) == pb.cfg.official.posts_per_day and pb.talk_multiplier(None, [], 0.0) == 1.0
    assert pb.content_mix().tolist() == [1.0, 0.0, 0.0]


#: The acting order of the mechanisms shipped before issue 23: it fixes their random draws, so their results.
SHIPPED_TURNS = (
    "hit_product",
    "interaction",
    "iteration",
    "community",
    "fan_building",
    "participation_nodes",
    "forum_service",
    "events",
    "meetups",
    "self_media",
    "referral",
    "generations",
)


def test_shipped_mechanisms_keep_their_acting_order_and_new_ones_act_after_them():
    sections = [m.section for m in registry.MECHANISMS]
    assert tuple(sections[: len(SHIPPED_TURNS)]) == SHIPPED_TURNS
    assert [m.turn for m in registry.MECHANISMS] == sorted({m.turn for m in registry.MECHANISMS})

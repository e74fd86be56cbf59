"""Mechanisms in a market of brands (issue 26, part 1): a mechanism is brand-ready (its section's
`brand_ready`) only when it acts through the hooks a market of brands runs per brand (`BRAND_HOOKS`) on that
brand's people, and then each brand gets its own; the others are refused by name. Brand-ready: the hit product
(a brand's focus or portfolio sets its quality and expectation), interaction design, product iteration, fan
building and participation nodes (they act on the participation of the brand's owners)."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.errors import ScenarioError
from sim.config.mechanisms import MECHANISM_SECTIONS
from sim.config.scenario import load_scenario
from sim.model import rules
from sim.model.brands import BrandsModel
from sim.playbook.base import BRAND_HOOKS, HOOKS, overrides
from sim.playbook.registry import MECHANISMS

COMPETITION = "scenarios/docking/competition.toml"
SMALL = ["population.size=2000", "run.days=20", "run.replicates=1"]


#: The brand-ready mechanisms, in acting order.
READY = ["hit_product", "interaction", "iteration", "fan_building", "participation_nodes", "meetups"]


def test_a_brand_ready_mechanism_overrides_only_the_hooks_run_per_brand():
    ready = [m for m in MECHANISMS if MECHANISM_SECTIONS[m.section].brand_ready]
    assert [m.section for m in ready] == READY
    for mechanism in ready:
        part = mechanism.__new__(mechanism)
        used = {hook for hook in HOOKS if overrides(part, hook)}
        assert used <= BRAND_HOOKS, f"{mechanism.section} overrides {sorted(used - BRAND_HOOKS)}"


def test_each_brand_gets_its_own_hit_product_quality_and_expectation():
    """Brand a focuses (1 product), brand b spreads the same budget over 4: a's quality and b's expectation
    shift are the rules' values; brands without the mechanism keep their engine quality."""
    sc = load_scenario(
        COMPETITION,
        [
            *SMALL,
            "brands.a.hit_product.enabled=true",
            "brands.a.hit_product.products=1",
            "brands.a.hit_product.budget=4",
            "brands.b.hit_product.enabled=true",
            "brands.b.hit_product.products=4",
            "brands.b.hit_product.budget=4",
        ],
    )
    model = BrandsModel(sc, 3)
    for b, name in enumerate(model.names):
        hp, quality = sc.brands[name].hit_product, sc.brands[name].engine.quality
        want = rules.focused_quality(quality, hp.budget, hp.products, hp.quality_per_budget, hp.budget_exponent)
        assert model.products[b].quality(0.0) == pytest.approx(want)
        assert model.expectation_shift[b] == pytest.approx(-rules.variety_gap(hp.products, hp.variety_fit))
    assert model.products[0].quality(0.0) > model.products[1].quality(0.0)  # focus buys quality
    assert model.expectation_shift[1] < model.expectation_shift[0] == 0.0  # a portfolio fits tastes
    people = np.arange(10)
    mean_b = sc.brands["b"].engine
    base = mean_b.expectation_mean + mean_b.expectation_sd * model.people.taste[people]
    assert np.allclose(model.expectation_of(1, people, 0.0), base + model.expectation_shift[1])
    plain = BrandsModel(load_scenario(COMPETITION, SMALL), 3)
    assert plain.products[0].quality(0.0) == sc.brands["a"].engine.quality
    assert (plain.expectation_shift == 0).all()


def test_a_focused_brand_outsells_the_same_brand_without_its_focus():
    """Same draws (keyed), 2 replicates, seed of the file; a market where quality matters (conversion a logistic
    of value against expectation, sensitivity 0.2): brand a with a focused development budget ends with more
    owners than without it (a direction fixed before running)."""
    from sim.run.runner import run_scenario

    base = [
        *SMALL,
        "run.days=40",
        "run.dt=1",
        "run.replicates=2",
        "engine.quality=0.5",
        "engine.expectation_mean=0.6",
        "engine.expectation_sd=0.3",
        "engine.sensitivity=0.2",
        "engine.max_conversion=0.8",
    ]
    focus = [*base, "brands.a.hit_product.enabled=true", "brands.a.hit_product.budget=4"]
    owners = {
        label: run_scenario(load_scenario(COMPETITION, extra)).timeseries.groupby("replicate").owners_a.last()
        for label, extra in (("plain", base), ("focus", focus))
    }
    assert (owners["focus"] > owners["plain"]).all()


@pytest.mark.parametrize("override", ["events.enabled=true", "brands.b.community.enabled=true"])
def test_mechanisms_that_are_not_brand_ready_are_refused_by_name(override):
    with pytest.raises(ScenarioError) as err:
        load_scenario(COMPETITION, [override])
    message = str(err.value)
    assert override.split("=")[0] in message
    assert set(message.split("per brand: ")[1].rstrip(")").split(", ")) == set(READY)


#: Two identical brands entering together, well mixed, an imperfect product, talk that fades after 14 steps
#: unless taking part renews it (fans keep talking), the relationship chain on at a modest rate.
TWINS = [
    "population.size=3000",
    "run.days=120",
    "run.dt=1",
    "seed_users.count=20",
    "brands.b.entry_day=0",
    "brands.b.advertising.p_max=0.01",
    "engine.quality=0.6",
    "engine.expectation_mean=0.5",
    "engine.expectation_sd=0.3",
    "engine.sensitivity=0.2",
    "engine.max_conversion=0.8",
    "engine.experience_sd=0.3",
    "engine.detractor_margin=-0.2",
    "wom.active_steps=14",
    "relationship.participation_rate=0.1",
]
#: Each brand-ready mechanism acting on participation, switched on for brand a only (its settings under a).
FOR_A = {
    "interaction": ["simplicity=1", "benefit=1", "fun=1", "authenticity=1"],
    "iteration": ["max_gain=0.03"],
    "fan_building": [],
    "participation_nodes": ["product.open=true", "service.open=true"],
    "meetups": ["every_days=2", "min_attendees=150", "max_attendees=200"],
}


def twins(section=None, extra=()):
    settings = [] if section is None else ["enabled=true", *FOR_A[section]]
    return load_scenario(COMPETITION, [*TWINS, *extra, *(f"brands.a.{section}.{kv}" for kv in settings)])


@pytest.mark.parametrize("section", list(FOR_A))
def test_a_brands_mechanism_belongs_to_that_brand_alone(section):
    """Brand a switches the mechanism on, b does not: a's playbook has it, b's has none; b's ledger pays for
    its ads and its own core participation alone; a's participations rise over those of the same run
    without it (same draws, 60 days); with iteration, a's quality rises and b's stays."""
    from sim.model.brands import BrandsModel

    on, off = BrandsModel(twins(section), 5), BrandsModel(twins(), 5)
    for model in (on, off):
        model.run(60)
    assert [m.section for m in on.playbooks[0].mechanisms] == [section]
    assert on.playbooks[1].mechanisms == []
    mine = set(on.ledgers[0].taken) - set(off.ledgers[0].taken)  # what a's mechanism paid for (or booked free)
    assert set(on.ledgers[1].taken) == set(off.ledgers[1].taken) and not mine & set(on.ledgers[1].taken)
    if section == "iteration":  # releases built on a's owners' feedback raise a's quality only
        assert on.products[0].quality(60.0) > off.products[0].quality(60.0) == on.products[1].quality(60.0)
    elif section == "meetups":  # a holds meetups (b none: its ledger is checked above)
        assert on.ledgers[0].taken["meetup"] > 0
    else:  # more of a's owners take part
        assert on.playbooks[0].participations > off.playbooks[0].participations


@pytest.mark.slow
@pytest.mark.parametrize("section", list(FOR_A))
def test_a_brands_mechanism_raises_its_share(section):
    """Two identical brands, the mechanism on for a only. Seed 2028, 4 replicates, each paired with the same
    run without it (the same draws): a's final share of the owners is higher with it in every replicate, and
    above 1/2 on average (directions fixed before running; no tolerance)."""
    from sim.run.runner import run_scenario

    share = {}
    runs = ["run.seed=2028", "run.replicates=4"]
    for label, sc in (("on", twins(section, runs)), ("off", twins(None, runs))):
        last = run_scenario(sc).timeseries.groupby("replicate").last()
        share[label] = last.owners_a / (last.owners_a + last.owners_b)
    assert (share["on"] > share["off"]).all(), (share["on"].tolist(), share["off"].tolist())
    assert share["on"].mean() > 0.5


@pytest.mark.parametrize("choice", ["random", "most_active"])
def test_each_brands_honour_group_is_chosen_among_its_own_seed_users(choice):
    """Both brands run fan building with an honour group of 5; b enters on day 20. Each brand's group is among
    its own owners; a group chosen when b enters has its full tie from that day (not relaxed since day 0)."""
    from sim.model.brands import BrandsModel

    extra = [
        "fan_building.enabled=true",
        "fan_building.super_users=5",
        f"fan_building.super_user_choice='{choice}'",
        "fan_building.super_user_trial_days=10",
        "brands.b.entry_day=20",
    ]
    sc = twins(None, extra)
    model = BrandsModel(sc, 4)
    model.run(21)
    p, rel = model.people, sc.relationship
    for b, playbook in enumerate(model.playbooks):
        group = np.flatnonzero(playbook.mechanism("fan_building").super_user)
        assert len(group) == 5 and (p.brand[group] == b).all()
    entered = np.flatnonzero(model.playbooks[1].mechanism("fan_building").super_user)
    one_day = rules.relax(1.0, rel.initial_brand_tie, rel.brand_decay, 1.0)
    assert (p.brand_tie_now(entered, 21.0) >= one_day - 1e-12).all()


def test_a_brands_meetups_move_the_ties_of_its_own_users_only():
    """Participation off, so that only meetups move brand ties: after 60 days with a's meetups, every person
    whose tie moved owns a, and some do."""
    from sim.model.brands import BrandsModel

    sc = twins("meetups", ["relationship.participation_rate=0"])
    model = BrandsModel(sc, 6)
    model.run(60)
    p = model.people
    moved = np.flatnonzero(p.brand_tie != sc.relationship.initial_brand_tie)
    assert len(moved) > 0 and (p.brand[moved] == 0).all()

"""Mechanisms in a market of brands (issue 26, part 1): a mechanism is brand-ready (its section's
`brand_ready`) only when it acts at set-up alone, and then each brand gets its own; the others are refused by
name. Today the hit product is brand-ready: a brand's focus or portfolio sets its quality and expectation."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.errors import ScenarioError
from sim.config.mechanisms import MECHANISM_SECTIONS
from sim.config.scenario import load_scenario
from sim.model import rules
from sim.model.brands import BrandsModel
from sim.playbook.base import HOOKS, overrides
from sim.playbook.registry import MECHANISMS

#: The hooks a market of brands runs per brand: the set-up of quality and expectation (and the share of
#: participation a portfolio leaves, which has nothing to act on without the relationship chain).
SET_UP_HOOKS = {"initial_quality", "expectation_shift", "effort_share"}
COMPETITION = "scenarios/docking/competition.toml"
SMALL = ["population.size=2000", "run.days=20", "run.replicates=1"]


def test_a_brand_ready_mechanism_overrides_only_set_up_hooks():
    ready = [m for m in MECHANISMS if MECHANISM_SECTIONS[m.section].brand_ready]
    assert [m.section for m in ready] == ["hit_product"]
    for mechanism in ready:
        part = mechanism.__new__(mechanism)
        used = {hook for hook in HOOKS if overrides(part, hook)}
        assert used <= SET_UP_HOOKS, f"{mechanism.section} overrides {sorted(used - SET_UP_HOOKS)}"


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


@pytest.mark.parametrize("override", ["iteration.enabled=true", "brands.b.community.enabled=true"])
def test_mechanisms_that_are_not_brand_ready_are_refused_by_name(override):
    with pytest.raises(ScenarioError) as err:
        load_scenario(COMPETITION, [override])
    message = str(err.value)
    assert override.split("=")[0] in message and "per brand: hit_product" in message

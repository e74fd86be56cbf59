"""Hooks receive a `HookView`, never the model (issue 23): every hook that acts on the population takes the
view, and every mechanism's hooks run on a view that offers nothing beyond its declared fields."""

from __future__ import annotations

import inspect
from dataclasses import fields

import numpy as np
import pytest

from sim.config.scenario import load_scenario
from sim.model.model import WomModel
from sim.model.state import SEED_USER
from sim.playbook.base import HOOKS, HookView, Mechanism, overrides
from sim.playbook.playbook import Playbook, positive_users
from sim.playbook.registry import CORE_PARTS, MECHANISMS
from tests.playbook.test_contract import BASE

#: The hooks that act on the population: those of the base whose first argument is the view.
VIEW_HOOKS = tuple(h for h in HOOKS if list(inspect.signature(getattr(Mechanism, h)).parameters)[1:2] == ["view"])
#: Every mechanism switched on, with the settings its contract test uses.
EVERYTHING = (
    BASE + [f"{m.section}.enabled=true" for m in MECHANISMS] + [s for m in MECHANISMS for s in m.example_settings]
)
#: Steps run before the hooks are called: past the second generation's launch (day 20), with adopters and fans.
WARM_UP_STEPS = 30


def test_the_population_hooks_take_the_view():
    assert set(VIEW_HOOKS) == {
        "place",
        "talk_multiplier",
        "ads_running",
        "expectation_discount",
        "expectation_raise",
        "series",
        "participation_sources",
        "after_participation",
        "on_adoption",
        "end_of_step",
        "improved_quality",  # a release with votes draws them (iteration.vote_candidates)
        "after_purchases",
    }


@pytest.mark.parametrize("owner", [Playbook, *CORE_PARTS, *MECHANISMS], ids=lambda c: c.__name__)
def test_no_hook_receives_the_model(owner):
    """Every hook (and the composition's dispatcher) names its first argument `view`, typed `HookView`."""
    for hook in VIEW_HOOKS:
        if owner is not Playbook and getattr(owner, hook) is getattr(Mechanism, hook):  # the base's no-op
            continue
        params = list(inspect.signature(getattr(owner, hook)).parameters.values())
        assert "model" not in [p.name for p in params], f"{owner.__name__}.{hook}"
        assert params[1].name == "view" and params[1].annotation == "HookView", f"{owner.__name__}.{hook}"


def test_the_view_has_only_its_declared_fields():
    model = WomModel(load_scenario(None, BASE), 1)
    assert not hasattr(model.view, "__dict__")  # slots: no attribute can be added or read beyond the fields
    assert {f.name for f in fields(HookView)} == set(HookView.__slots__)
    with pytest.raises(AttributeError):
        model.view.cfg  # noqa: B018 (the scenario is not offered: mechanisms read their own section)


@pytest.mark.parametrize("backend", ["vector", "agents"])
def test_every_mechanism_hook_runs_on_the_view_alone(backend):
    """Each population hook of each switched-on part is called with the model's view; a hook reaching for
    anything the view does not declare would raise AttributeError."""
    model = WomModel(load_scenario(None, EVERYTHING + [f"run.backend={backend}"]), 7)
    model.run(WARM_UP_STEPS)
    people = model.people
    pool = positive_users(people.state, people.valence)
    adopters = people.adopter_indices()
    assert len(pool) and len(adopters)  # the warm-up gives the hooks people to act on
    step = WARM_UP_STEPS + 1
    args = {
        "seeds": np.flatnonzero(people.kind == SEED_USER),
        "employees": np.empty(0, dtype=np.int64),
        "people": np.arange(people.n),
        "pool": pool,
        "participants": pool,
        "adopters": adopters,
        "margin": np.zeros(len(adopters)),
        "feedback": 1.0,
        "quality": 0.5,
        "step": step,
        "day": (step - 1) * model.dt,
        "day_end": step * model.dt,
        "dt": model.dt,
    }
    called = set()
    for part in model.playbook.parts:
        for hook in VIEW_HOOKS:
            if overrides(part, hook):
                names = list(inspect.signature(getattr(part, hook)).parameters)[1:]
                getattr(part, hook)(model.view, *(args[name] for name in names))
                called.add(type(part))
    assert {m for m in MECHANISMS if any(getattr(m, h) is not getattr(Mechanism, h) for h in VIEW_HOOKS)} <= called

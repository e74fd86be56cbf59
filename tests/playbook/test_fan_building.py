"""Fan building's honour group: super users chosen among the seed users by `fan_building.super_user_choice`
(issue 27, seed S52: "carefully chose 10 super users")."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from sim.config.scenario import load_scenario
from sim.model.channels import EdgeChannel, degree
from sim.model.model import WomModel
from sim.model.state import SEED_USER
from sim.playbook.fan_building import FanBuilding, highest_ranked
from tests.playbook.test_contract import BASE

SUPER_USERS = 5
ON = [*BASE, "fan_building.enabled=true", f"fan_building.super_users={SUPER_USERS}"]


def honour_group(model: WomModel) -> np.ndarray:
    """The super users of a model, by person number."""
    return np.flatnonzero(model.playbook.mechanism("fan_building").super_user)


def seeds_of(model: WomModel) -> np.ndarray:
    return np.flatnonzero(model.people.kind == SEED_USER)


def test_highest_ranked_takes_the_top_scores_and_gives_ties_to_the_lower_number():
    candidates = np.array([9, 3, 7, 5])
    assert highest_ranked(candidates, np.array([1, 2, 5, 5]), 1).tolist() == [5]  # 5 and 7 tie: 5 is lower
    assert highest_ranked(candidates, np.array([1, 2, 5, 5]), 2).tolist() == [5, 7]
    assert highest_ranked(candidates, np.array([0, 0, 0, 0]), 3).tolist() == [3, 5, 7]
    assert highest_ranked(candidates, np.array([4, 0, 0, 0]), 2).tolist() == [3, 9]


def test_random_is_the_default_and_draws_as_before():
    """The default keeps the draw of before the key existed: `super_users` of the seeds from the dynamics
    stream (rng.choice without replacement), so a run without the key is unchanged."""
    model = WomModel(load_scenario(None, ON), 4)
    assert model.cfg.fan_building.super_user_choice == "random"
    seeds = seeds_of(model)
    assert len(honour_group(model)) == SUPER_USERS and set(honour_group(model)) <= set(seeds)
    again = WomModel(load_scenario(None, [*ON, 'fan_building.super_user_choice="random"']), 4)
    assert honour_group(again).tolist() == honour_group(model).tolist()
    assert (model.people.brand_tie[honour_group(model)] == 1.0).all()


def test_hubs_are_the_seed_users_with_most_contacts_over_all_layers():
    model = WomModel(load_scenario(None, [*ON, 'fan_building.super_user_choice="hubs"']), 4)
    seeds = seeds_of(model)
    deg = degree(model.channels, model.n)[seeds]
    chosen = honour_group(model)
    assert len(chosen) == SUPER_USERS
    # every super user has at least as many contacts as every seed user left out, and among equals the lower
    # person numbers were taken
    left_out = np.setdiff1d(seeds, chosen)
    d = degree(model.channels, model.n)
    assert d[chosen].min() >= d[left_out].max()
    cut = d[chosen].min()
    tied_out = left_out[d[left_out] == cut]
    tied_in = chosen[d[chosen] == cut]
    assert not len(tied_out) or tied_in.max() < tied_out.min()
    assert chosen.tolist() == sorted(seeds[np.lexsort((seeds, -deg))][:SUPER_USERS].tolist())
    assert (model.people.brand_tie[chosen] == 1.0).all()


class HandMadeLayer:
    """An edge layer of known contacts per person (all `degree` reads of an edge channel)."""

    def __init__(self, out_degree: list[int]):
        self.contacts = np.asarray(out_degree)

    def out_degree(self) -> np.ndarray:
        return self.contacts


class HandMadePeople(SimpleNamespace):
    """The few people fields the honour group touches: n, brand ties and the day they changed."""

    def set_brand_tie(self, idx, tie, day):
        self.brand_tie[idx], self.brand_day[idx] = tie, day


def test_hubs_on_a_hand_made_case():
    """Six people, seed users 1, 2, 3 and 5 with 7, 3, 7 and 1 contacts: the three hubs are 1, 3 (7
    contacts) and 2 (3); person 4 has the most contacts but is no seed user."""
    channel = EdgeChannel.__new__(EdgeChannel)  # only its layer is read by `degree`
    channel.layer = HandMadeLayer([0, 7, 3, 7, 9, 1])
    people = HandMadePeople(n=6, brand_tie=np.zeros(6), brand_day=np.zeros(6))
    model = WomModel(load_scenario(None, ON), 4)
    view = replace(model.view, channels={"offline": channel}, people=people)
    scenario = load_scenario(None, [*ON, "fan_building.super_users=3", 'fan_building.super_user_choice="hubs"'])
    fb = FanBuilding(scenario, 6)
    fb.place(view, np.array([1, 2, 3, 5]), np.empty(0, dtype=np.int64))
    assert np.flatnonzero(fb.super_user).tolist() == [1, 2, 3]
    assert people.brand_tie.tolist() == [0, 1, 1, 1, 0, 0]


@pytest.mark.parametrize("backend", ["vector", "agents"])
def test_most_active_are_the_seed_users_with_most_participation_steps_at_the_end_of_the_trial(backend):
    trial_days = 10
    model = WomModel(
        load_scenario(
            None,
            [
                *ON,
                f"run.backend={backend}",
                'fan_building.super_user_choice="most_active"',
                f"fan_building.super_user_trial_days={trial_days}",
            ],
        ),
        4,
    )
    seeds = seeds_of(model)
    for _ in range(trial_days - 1):
        model.step()
        assert not len(honour_group(model)), "the group forms only at the end of the trial"
    counts_before = model.people.participation_steps[seeds].copy()
    model.step()  # the step ending on day 10: its participations count, then the group is chosen
    counts = model.people.participation_steps[seeds]
    assert (counts >= counts_before).all() and counts.max() > counts.min(), "a trial that says nothing"
    chosen = honour_group(model)
    assert chosen.tolist() == sorted(seeds[np.lexsort((seeds, -counts))][:SUPER_USERS].tolist())
    assert (model.people.brand_tie[chosen] == 1.0).all() and (model.people.brand_day[chosen] == trial_days).all()
    frozen = model.people.participation_steps.copy()
    model.step()
    assert honour_group(model).tolist() == chosen.tolist()
    assert (model.people.participation_steps == frozen).all(), "counting stops once the group is chosen"


def test_the_count_is_kept_only_for_most_active():
    model = WomModel(load_scenario(None, [*ON, 'fan_building.super_user_choice="hubs"']), 4)
    assert not hasattr(model.people, "participation_steps")

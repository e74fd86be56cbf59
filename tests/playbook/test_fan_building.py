"""Fan building: the honour group of super users chosen among the seed users by `fan_building.super_user_choice`
(issue 27, seed S52: "carefully chose 10 super users"), and the incentives staged in an order by
`fan_building.staging` (seed S14: sharing first, then honour, then material benefit)."""

from __future__ import annotations

from dataclasses import replace
from types import SimpleNamespace

import numpy as np
import pytest

from sim.config.scenario import load_scenario
from sim.model.budget import Ledger
from sim.model.channels import degree
from sim.model.edge_channel import EdgeChannel
from sim.model.model import WomModel
from sim.model.state import SEED_USER
from sim.playbook.fan_building import FanBuilding, highest_ranked, incentives_started
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


# --- incentives staged in an order (issue 27, seed S14: sharing first, then honour, then material benefit) ---

ORDERED = [*ON, "fan_building.super_users=0", 'fan_building.staging="ordered"']


def staging_view(model: WomModel, taken: dict[str, int]):
    """The model's view with a ledger that has counted `taken` participations by incentive."""
    ledger = Ledger(model.cfg.budget)
    ledger.taken = dict(taken)
    return replace(model.view, ledger=ledger)


def source_names(fb: FanBuilding, view, day: float) -> list[str]:
    return [s.name for s in fb.participation_sources(view, np.arange(4), day, 1.0)]


def test_incentives_started_is_a_ratchet_one_stage_at_a_time():
    order, levels = ["sharing", "honour", "benefit"], [10, 5]
    assert incentives_started(order, levels, {}, 1) == 1
    assert incentives_started(order, levels, {"sharing": 9}, 1) == 1
    assert incentives_started(order, levels, {"sharing": 10}, 1) == 2  # exactly at the level
    assert incentives_started(order, levels, {"sharing": 10, "honour": 99}, 1) == 2  # one stage per call
    assert incentives_started(order, levels, {"sharing": 10, "honour": 5}, 2) == 3
    assert incentives_started(order, levels, {"sharing": 10, "honour": 5}, 3) == 3


def test_the_ledger_counts_participations_by_action_free_or_paid():
    ledger = Ledger(load_scenario(None, ["budget.total=10"]).budget)
    assert ledger.buy("sharing", 3, 0.0, 1.0) == 3 and ledger.buy("sharing", 2, 0.0, 2.0) == 2
    assert ledger.buy("benefit", 4, 5.0, 2.0) == 2  # money for two
    assert ledger.taken == {"sharing": 5, "benefit": 2}


def test_ordered_the_next_incentive_starts_exactly_when_the_one_before_reaches_its_level():
    """Hand-made: honour starts in the participation phase that finds 100 sharing participations counted,
    not one before; benefit when honour has 50; an incentive once started keeps running."""
    settings = [*ORDERED, "fan_building.stage_levels=[100, 50]"]
    model = WomModel(load_scenario(None, settings), 4)
    fb = FanBuilding(model.cfg, 4)
    assert source_names(fb, staging_view(model, {}), 1.0) == ["sharing"]
    assert source_names(fb, staging_view(model, {"sharing": 99, "honour": 80}), 2.0) == ["sharing"]
    assert source_names(fb, staging_view(model, {"sharing": 100}), 3.0) == ["sharing", "honour"]
    assert fb.start_day["honour"] == 3.0 and np.isnan(fb.start_day["benefit"])
    assert source_names(fb, staging_view(model, {"sharing": 100, "honour": 49}), 4.0) == ["sharing", "honour"]
    assert source_names(fb, staging_view(model, {"sharing": 100, "honour": 50}), 5.0) == [
        "sharing",
        "honour",
        "benefit",
    ]
    assert fb.start_day == {"sharing": 0.0, "honour": 3.0, "benefit": 5.0}


def test_ordered_follows_the_configured_order():
    settings = [*ORDERED, 'fan_building.order=["benefit", "sharing", "honour"]', "fan_building.stage_levels=[0, 0]"]
    model = WomModel(load_scenario(None, settings), 4)
    fb = FanBuilding(model.cfg, 4)
    view = staging_view(model, {})
    assert source_names(fb, view, 1.0) == ["benefit", "sharing"]  # level 0 is reached at once, one stage per step
    assert source_names(fb, view, 2.0) == ["benefit", "sharing", "honour"]


def test_together_is_the_default_and_runs_all_three_from_the_start():
    model = WomModel(load_scenario(None, [*ON, "fan_building.super_users=0"]), 4)
    fb = FanBuilding(model.cfg, 4)
    assert model.cfg.fan_building.staging == "together"
    assert model.cfg.fan_building.order == ["sharing", "honour", "benefit"]
    assert source_names(fb, staging_view(model, {}), 1.0) == ["sharing", "honour", "benefit"]


@pytest.mark.parametrize("backend", ["vector", "agents"])
def test_ordered_run_starts_each_incentive_the_step_after_the_one_before_reaches_its_level(backend):
    """A whole run: honour takes no participation before its start, and starts in the step after the one in
    which sharing's participations (the ledger's count at the end of each step) reached the level."""
    level = 40
    settings = [*ORDERED, f"run.backend={backend}", f"fan_building.stage_levels=[{level}, {level}]"]
    model = WomModel(load_scenario(None, settings), 4)
    fb = model.playbook.mechanism("fan_building")
    sharing, honour = [], []
    for _ in range(model.cfg.run.n_steps):
        model.step()
        sharing.append(model.ledger.taken.get("sharing", 0))
        honour.append(model.ledger.taken.get("honour", 0))
    start = fb.start_day["honour"]
    assert not np.isnan(start), "sharing never reached the level: the test says nothing"
    step = int(start)  # dt = 1: the step ending on day `start`
    reached = next(k for k, count in enumerate(sharing, start=1) if count >= level)
    assert step == reached + 1
    assert honour[step - 2] == 0 and honour[-1] > 0


# --- the honour group's risk (seed S59: testing unreleased builds "at some risk") --------------------------


def test_a_bad_pre_release_takes_a_tester_out_of_the_honour_group_with_their_tie_reset():
    model = WomModel(load_scenario(None, [*ON, "fan_building.super_user_risk=1"]), 7)
    group = honour_group(model)
    assert len(group) == SUPER_USERS
    fan_building = model.playbook.mechanism("fan_building")
    fan_building.after_participation(model.view, group[:2], 1.0, 3.0)  # two of them tested this step
    assert set(honour_group(model)) == set(group[2:])
    np.testing.assert_allclose(model.people.brand_tie[group[:2]], model.cfg.relationship.initial_brand_tie)
    assert (model.people.brand_day[group[:2]] == 3.0).all()


def test_without_risk_the_honour_group_lasts_and_with_it_the_group_wears_away():
    def left(risk: float) -> int:
        model = WomModel(load_scenario(None, [*ON, f"fan_building.super_user_risk={risk}"]), 7)
        model.run()
        return len(honour_group(model))

    assert left(0.0) == SUPER_USERS
    assert left(0.2) < SUPER_USERS  # 0.5 tests a day for 60 days: 30 chances of 0.2 each

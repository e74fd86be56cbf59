"""Staff seeding (issue 27, seed S51: staff accounts posting in other phone forums): readers of the posts hear
of the product; a post found out reads as a scam and turns some of its undecided readers away for good."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.config.scenario import load_scenario
from sim.model.model import WomModel
from sim.model.state import CHANNEL, Funnel
from sim.model.streams import replicate_seeds
from sim.run.runner import run_replicate
from tests.playbook.test_contract import BASE

ON = [*BASE, "staff_seeding.enabled=true"]
SEED = 51


def act(model: WomModel) -> None:
    """The mechanism's end-of-step action, once, as the next step would call it."""
    step = model.step_index + 1
    model.draws.step = step
    model.playbook.mechanism("staff_seeding").end_of_step(model.view, step, step * model.dt)


def fresh(extra: list[str]) -> WomModel:
    return WomModel(load_scenario(None, [*ON, *extra]), SEED)


def test_undetected_posts_make_unaware_readers_aware_through_the_forum_channel():
    m = fresh(
        [
            "staff_seeding.accounts=100",
            "staff_seeding.detection=0",
            "staff_seeding.readers_per_post=50",
            "staff_seeding.persuasion=0",
        ]
    )
    before = m.people.state.copy()
    act(m)
    newly = np.flatnonzero((before == Funnel.UNAWARE) & (m.people.state == Funnel.AWARE))
    # about 200 posts x 50 reads = 10,000 reads in a population of 600: all but a few (600 e^-16.7)
    assert len(newly) == int(np.sum(before == Funnel.UNAWARE)) > 0
    assert (m.people.aware_channel[newly] == CHANNEL["forum"]).all()
    assert int(np.sum(m.people.state == Funnel.REJECTER)) == int(np.sum(before == Funnel.REJECTER))


def test_found_out_posts_turn_undecided_readers_away_and_leave_users_alone():
    m = fresh(["staff_seeding.accounts=100", "staff_seeding.detection=1", "staff_seeding.backlash=1"])
    users_before = m.people.adopter_indices()
    act(m)
    state = m.people.state
    assert int(np.sum(state == Funnel.REJECTER)) > 0
    assert int(np.sum(state == Funnel.AWARE)) == 0  # every reader of a found-out post turned away
    assert (np.isin(state[users_before], [Funnel.ADOPTER, Funnel.FAN])).all()


def test_posts_are_paid_and_unpaid_posts_reach_nobody():
    m = fresh(["staff_seeding.cost_per_post=1", "budget.total=0.5"])
    act(m)
    assert int(np.sum(m.people.state == Funnel.AWARE)) == 0 and m.ledger.spent == 0


def final(extra: list[str], column: str, replicates: int = 3) -> float:
    sc = load_scenario(None, [*BASE, "run.days=120", *extra])
    frames = [run_replicate(sc, seq, r) for r, seq in enumerate(replicate_seeds(SEED, replicates))]
    return float(np.mean([f[column].iloc[-1] for f in frames]))


def test_the_more_posts_are_found_out_the_more_rejecters():
    rejecters = [final([*ON[len(BASE) :], f"staff_seeding.detection={d}"], "rejecters") for d in (0.0, 0.5)]
    assert rejecters[1] > rejecters[0]


def test_without_accounts_nothing_moves():
    off = run_replicate(load_scenario(None, BASE), replicate_seeds(SEED, 1)[0], 0)
    on = run_replicate(load_scenario(None, [*ON, "staff_seeding.accounts=0"]), replicate_seeds(SEED, 1)[0], 0)
    pd.testing.assert_frame_equal(on, off, check_exact=True)


def test_persuaded_readers_buy_as_a_persuaded_contact_does():
    """A product far above every expectation with max_conversion 1: every persuaded reader buys, credited to
    the forum; far below, none buys and (rejection 1) every persuaded reader turns away."""
    good = fresh(
        [
            "staff_seeding.accounts=100",
            "staff_seeding.detection=0",
            "staff_seeding.persuasion=1",
            "engine.quality=3",
            "engine.max_conversion=1",
        ]
    )
    step = good.step_index + 1
    good.draws.step = step
    buyers, channels = good.playbook.mechanism("staff_seeding").end_of_step(good.view, step, step * good.dt)
    assert len(buyers) > 500 and (channels == CHANNEL["forum"]).all()
    bad = fresh(
        [
            "staff_seeding.accounts=100",
            "staff_seeding.detection=0",
            "staff_seeding.persuasion=1",
            "engine.quality=-3",
            "engine.rejection=1",
        ]
    )
    act(bad)
    assert int(np.sum(bad.people.state == Funnel.AWARE)) == 0
    assert int(np.sum(bad.people.state == Funnel.REJECTER)) > 500

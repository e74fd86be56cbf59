"""Complaints (issue 27, seeds S15 "even ridicule is participation", S58 gifts from front-line staff, S79 bug
reports): detractors take part by complaining, their reports feed the releases, and answered complaints (with
or without a gift) can win them back."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.config.scenario import load_scenario
from sim.model.model import WomModel
from sim.model.people import NEVER
from sim.model.state import NEGATIVE, POSITIVE, QUIET, Funnel
from sim.model.streams import replicate_seeds
from sim.run.runner import run_replicate
from tests.playbook.test_contract import BASE

#: A poor product (quality 0.45 against expectations around 0.5): plenty of detractors.
POOR = [*BASE, "engine.quality=0.45"]
ON = [*POOR, "complaints.enabled=true"]
#: Every detractor complains each step (rate x dt = 1).
EVERYONE = [*ON, "complaints.complaint_rate=1"]
#: Then every complaint is answered.
ANSWERS = 100_000.0
WARM_UP_STEPS = 40
SEED = 5


def warmed(extra: list[str], **then) -> WomModel:
    """A model after WARM_UP_STEPS steps with complaints answered by nobody (so detractors are left to act
    on), then the mechanism's settings changed to `then`."""
    model = WomModel(load_scenario(None, [*extra, "complaints.answers_per_day=0"]), SEED)
    model.run(WARM_UP_STEPS)
    assert model.people.counts[Funnel.DETRACTOR] > 0
    complaints = model.playbook.mechanism("complaints")
    complaints.cfg = complaints.cfg.model_copy(update=then)
    model.playbook.reports = 0.0
    return model


def act(model: WomModel) -> None:
    """The mechanism's end-of-step action, once, as the next step would call it."""
    step = model.step_index + 1
    model.playbook.mechanism("complaints").end_of_step(model.view, step, step * model.dt)


def frame(extra: list[str]) -> pd.DataFrame:
    return run_replicate(load_scenario(None, extra), replicate_seeds(SEED, 1)[0], 0)


def test_detractors_take_part_and_nothing_else_moves_when_nobody_answers():
    """With no answers and no iteration, complaining only adds participations: every other column is as
    without the mechanism (keyed draws: the complaints' draws move nobody else's numbers)."""
    off, on = frame(POOR), frame([*ON, "complaints.answers_per_day=0"])
    assert (on["participations"] >= off["participations"]).all()
    assert on["participations"].iloc[-1] > off["participations"].iloc[-1]
    rest = [c for c in off.columns if c != "participations"]
    pd.testing.assert_frame_equal(on[rest], off[rest], check_exact=True)


def test_every_answered_detractor_is_won_back_as_an_advocate_who_talks():
    model = warmed(EVERYONE, answers_per_day=ANSWERS, answer_win_back=1.0, advocate_share=1.0)
    detractors = np.flatnonzero(model.people.state == Funnel.DETRACTOR)
    before = model.playbook.participations
    act(model)
    assert model.people.counts[Funnel.DETRACTOR] == 0
    assert (model.people.valence[detractors] == POSITIVE).all()
    assert (model.people.state[detractors] == Funnel.ADOPTER).all()
    assert (model.people.talk_start[detractors] == model.step_index + 2).all()
    assert model.playbook.participations == before + len(detractors)
    assert model.playbook.reports == len(detractors)  # one feedback item per complaint by default


def test_detractors_won_back_as_quiet_adopters_stop_talking():
    model = warmed(EVERYONE, answers_per_day=ANSWERS, answer_win_back=1.0, advocate_share=0.0)
    detractors = np.flatnonzero(model.people.state == Funnel.DETRACTOR)
    act(model)
    assert (model.people.valence[detractors] == QUIET).all() and (model.people.talk_start[detractors] == NEVER).all()
    assert not np.isin(detractors, model.talk.prune(model.step_index + 1)).any()


def test_unanswered_complaints_win_nobody_back():
    model = warmed(EVERYONE, answer_win_back=1.0)
    detractors = model.people.counts[Funnel.DETRACTOR]
    act(model)
    assert model.people.counts[Funnel.DETRACTOR] == detractors and model.playbook.reports == detractors


def test_gifts_and_answers_are_paid_from_the_ledger_and_a_gift_alone_can_win_back():
    """3 gifts a day at 10 each, answers at 2 each; with answers winning nobody and gifts everybody, exactly
    the 3 gifted detractors are won back."""
    gifts, gift_cost, answer_cost = 3, 10.0, 2.0
    model = warmed(
        EVERYONE,
        answers_per_day=ANSWERS,
        gifts_per_day=float(gifts),
        cost_per_gift=gift_cost,
        cost_per_answer=answer_cost,
        answer_win_back=0.0,
        gift_win_back=1.0,
    )
    detractors = model.people.counts[Funnel.DETRACTOR]
    assert detractors > gifts
    spent = model.ledger.spent
    act(model)
    assert model.people.counts[Funnel.DETRACTOR] == detractors - gifts
    assert model.ledger.spent - spent == pytest.approx(gifts * gift_cost + detractors * answer_cost)


def test_a_budget_limits_the_answers():
    """With 5 currency left per step and answers at 1 each, at most 5 complaints are answered (and won back)."""
    model = warmed([*EVERYONE, "budget.total=5"], answers_per_day=ANSWERS, answer_win_back=1.0, cost_per_answer=1.0)
    left = model.people.counts[Funnel.DETRACTOR]
    act(model)
    won = left - model.people.counts[Funnel.DETRACTOR]
    assert 0 < won <= 5


def test_no_answers_once_the_brand_steps_back():
    model = warmed(
        [*EVERYONE, "community.enabled=true", "community.brand_steps_back_day=10"],
        answers_per_day=ANSWERS,
        answer_win_back=1.0,
    )
    detractors = model.people.counts[Funnel.DETRACTOR]
    act(model)
    assert model.people.counts[Funnel.DETRACTOR] == detractors and model.playbook.reports == detractors


def test_reports_reach_the_next_release():
    """Iteration takes in the step's bug reports after its purchases: they count in the next release."""
    model = warmed([*EVERYONE, "iteration.enabled=true"])
    iteration = model.playbook.mechanism("iteration")
    feedback = iteration.feedback
    act(model)
    reports = model.playbook.reports
    assert reports > 0
    step = model.step_index + 1
    iteration.after_purchases(model.view, step, step * model.dt)
    assert iteration.feedback == pytest.approx(feedback + reports) and model.playbook.reports == 0.0


def test_reports_raise_the_quality_of_releases():
    """Same seed, a poor product with weekly releases: detractors' reports give the releases more feedback,
    so quality ends higher (it never falls: releases never lower quality)."""
    without = frame([*POOR, "iteration.enabled=true"])
    with_reports = frame([*ON, "iteration.enabled=true", "complaints.answers_per_day=0"])
    assert with_reports["quality"].iloc[-1] > without["quality"].iloc[-1]


@pytest.mark.parametrize("extra", [[], ["complaints.gifts_per_day=5", "iteration.enabled=true"]])
def test_keyed_draws_give_both_backends_the_same_run(extra):
    """Every draw of the mechanism is keyed by person ids, so the per-agent and vector backends agree bit
    for bit (with detractors won back to both valences)."""
    settings = [*ON, *extra, "complaints.answer_win_back=0.5"]
    vector = WomModel(load_scenario(None, [*settings, "run.backend=vector"]), SEED).run()
    agents = WomModel(load_scenario(None, [*settings, "run.backend=agents"]), SEED).run()
    assert vector == agents
    assert vector[-1]["detractors"] < frame(POOR)["detractors"].iloc[-1] or extra  # someone was won back


def test_valences_stay_within_the_funnel():
    """After a run with win-backs, every detractor talks negatively and no adopter does."""
    model = WomModel(load_scenario(None, [*ON, "complaints.answer_win_back=0.5"]), SEED)
    model.run()
    people = model.people
    assert ((people.state == Funnel.DETRACTOR) == (people.valence == NEGATIVE)).all()
    assert people.counts.tolist() == np.bincount(people.state, minlength=len(Funnel)).tolist()

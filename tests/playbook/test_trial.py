"""Trial before purchase (issue 27, seed S06: "come and try it in our experience store"): aware people try
the product; the margin they lived decides whether they buy now, and a product below expectations loses
some of its tryers for good."""

from __future__ import annotations

import numpy as np
import pandas as pd

from sim.config.scenario import load_scenario
from sim.model.model import WomModel
from sim.model.state import CHANNEL, Funnel
from sim.model.streams import replicate_seeds
from sim.run.runner import run_replicate
from tests.playbook.test_contract import BASE

ON = [*BASE, "trial.enabled=true"]
#: Every aware person tries each step (rate x dt = 1).
EVERYONE = [*ON, "trial.trial_rate=1"]
#: Far above and far below the expectations (around 0.5, spread 0.15): lived margins of one sign.
GOOD, BAD = "engine.quality=3", "engine.quality=-2"
WARM_UP_STEPS = 10
SEED = 11


def warmed(extra: list[str], **then) -> WomModel:
    """A model after WARM_UP_STEPS steps with nobody trying, then the mechanism's settings changed to `then`."""
    model = WomModel(load_scenario(None, [*extra, "trial.trial_rate=0"]), SEED)
    model.run(WARM_UP_STEPS)
    trial = model.playbook.mechanism("trial")
    trial.cfg = trial.cfg.model_copy(update=then)
    return model


def act(model: WomModel):
    """The mechanism's end-of-step action, once, as the next step would call it."""
    step = model.step_index + 1
    return model.playbook.mechanism("trial").end_of_step(model.view, step, step * model.dt)


def test_a_product_far_above_expectations_sells_to_its_tryers_at_max_conversion():
    model = warmed([*ON, GOOD, "engine.max_conversion=1"], trial_rate=1.0)
    aware = np.flatnonzero(model.people.state == Funnel.AWARE)
    assert len(aware) > 0
    buyers, channels = act(model)
    assert list(buyers) == list(aware) and (channels == CHANNEL["offline"]).all()


def test_a_product_far_below_expectations_sells_to_nobody_and_turns_tryers_away():
    model = warmed([*ON, BAD], trial_rate=1.0, turn_away=1.0)
    aware = np.flatnonzero(model.people.state == Funnel.AWARE)
    buyers, _ = act(model)
    assert len(buyers) == 0
    assert (model.people.state[aware] == Funnel.REJECTER).all()


def test_trials_are_paid_and_unpaid_people_do_not_try():
    model = warmed([*ON, GOOD, "engine.max_conversion=1", "budget.total=3", "trial.cost_per_trial=1"], trial_rate=1.0)
    assert int(np.sum(model.people.state == Funnel.AWARE)) > 3
    buyers, _ = act(model)
    assert len(buyers) == 3


def test_nobody_tries_before_the_launch():
    model = warmed([*ON, GOOD, "events.enabled=true", "events.launch_day=1000"], trial_rate=1.0)
    assert act(model) is None


def final(extra: list[str], column: str) -> float:
    frames = [run_replicate(load_scenario(None, extra), seq, r) for r, seq in enumerate(replicate_seeds(SEED, 2))]
    return float(np.mean([f[column].iloc[-1] for f in frames]))


def test_trial_sorts_good_from_bad_products():
    """Over a run: trials bring a good product buyers and fewer rejecters; a bad one mostly rejecters."""
    good_off, good_on = (final([*BASE, "engine.quality=0.9", *s], "rejecters") for s in ([], ["trial.enabled=true"]))
    bad_off, bad_on = (final([*BASE, "engine.quality=0.3", *s], "rejecters") for s in ([], ["trial.enabled=true"]))
    assert good_on < good_off and bad_on > bad_off


def test_with_nobody_trying_nothing_moves():
    off = run_replicate(load_scenario(None, BASE), replicate_seeds(SEED, 1)[0], 0)
    on = run_replicate(load_scenario(None, [*ON, "trial.trial_rate=0"]), replicate_seeds(SEED, 1)[0], 0)
    pd.testing.assert_frame_equal(on, off, check_exact=True)

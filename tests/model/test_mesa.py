"""Mesa conventions of the model (issue 12) and the two backends' shared interface (issue 10).

Scenarios are the shipped default, scaled down (400 people, 30 days) so each test takes about a second.
"""

from pathlib import Path

import mesa
import numpy as np
import pandas as pd
import pytest

from sim.config.scenario import load_scenario
from sim.model.backends import BACKENDS, Backend
from sim.model.context import StepContext
from sim.model.model import WomModel
from sim.model.record import model_reporters
from sim.model.state import Funnel
from sim.model.ties import UsedTies

DEFAULT = Path(__file__).resolve().parents[2] / "scenarios" / "default.toml"
SMALL = ["population.size=400", "run.days=30", "seed_users.count=10", "population.employees=5"]


def small_model(*overrides: str, seed: int = 0) -> WomModel:
    return WomModel(load_scenario(DEFAULT, [*SMALL, *overrides]), seed)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_running_turns_false_at_the_horizon(backend):
    model = small_model(f"run.backend={backend}")
    horizon = model.cfg.run.n_steps
    assert model.running
    steps = 0
    while model.running:
        model.step()
        steps += 1
        assert steps <= horizon, "a `while model.running` loop must end at the horizon"
    assert steps == horizon == model.step_index
    assert model.records[-1]["time"] == pytest.approx(model.cfg.run.days)


def test_run_after_manual_steps_stops_at_the_horizon_with_the_same_series():
    manual = small_model("run.days=365", seed=4)
    for _ in range(10):
        manual.step()
    ticks = []
    manual.run(progress=ticks.append)
    assert manual.step_index == 365 and len(ticks) == 365 - 10
    whole = small_model("run.days=365", seed=4)
    whole.run()
    assert manual.records == whole.records  # stepping by hand first changes nothing
    assert manual.records[-1]["time"] == 365.0


def test_run_with_a_step_budget_never_passes_the_horizon():
    model = small_model()
    model.run(n_steps=7)
    assert model.step_index == 7 and model.running
    model.run(n_steps=10_000)
    assert model.step_index == model.cfg.run.n_steps and not model.running


def test_a_step_past_the_horizon_does_nothing():
    model = small_model()
    model.run()
    records, rng_state, state = model.records, model.rng.bit_generator.state, model.people.state.copy()
    model.step()
    assert model.records == records and model.step_index == model.cfg.run.n_steps
    assert model.rng.bit_generator.state == rng_state  # no random draw either
    assert np.array_equal(model.people.state, state) and not model.running


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_datacollector_frame_is_the_records(backend):
    model = small_model(
        f"run.backend={backend}",
        "channels.wechat.enabled=true",
        "advertising.p_max=0.01",
        "advertising.spend_per_day=1e6",
    )
    model.run()
    frame = model.datacollector.get_model_vars_dataframe()
    assert isinstance(model.datacollector, mesa.DataCollector)
    assert list(frame.columns) == list(model_reporters()) == list(model.records[0])
    assert len(frame) == model.cfg.run.n_steps + 1
    pd.testing.assert_frame_equal(frame, pd.DataFrame.from_records(model.records))
    assert frame["adopted_total"].iloc[-1] > frame["adopted_total"].iloc[0]


# --- the backends' shared interface -----------------------------------------------------------------


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_backend_stages_give_moves_of_open_people(backend):
    """Stages 2-4 through the interface alone: ads reach many people, and only the unaware become aware."""
    model = small_model(f"run.backend={backend}", "channels.wechat.enabled=true")
    assert isinstance(model.backend, Backend) and type(model.backend) is BACKENDS[backend]
    step, day = 1, 0.0
    model.talk.prune(step)
    channels = model.open_channels(day)
    ads_per_day = 1.0
    ctx = StepContext(step, day, channels, (ads_per_day, 0.0, 0.0))
    before = model.people.state.copy()
    model.backend.post(ctx)
    ties = model.backend.meet(ctx)
    moves = model.backend.decide(ctx)
    assert np.array_equal(model.people.state, before), "deciding must not change anyone before the step applies"
    assert set(ties) == {ch.name for ch in channels} and all(isinstance(t, UsedTies) for t in ties.values())
    for people in (moves.aware, moves.buyers, moves.rejecters):
        assert len(np.unique(people)) == len(people)
    assert np.all(before[moves.aware] == Funnel.UNAWARE)
    assert np.all(np.isin(before[moves.buyers], [Funnel.UNAWARE, Funnel.AWARE]))
    # advertising at p = 1/day over a 1-day step contacts 1 - e^-1 = 63% of everyone; 390 are unaware
    assert len(moves.aware) > 150


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_backend_participation_draws_follow_their_probabilities(backend):
    """One boolean per person and source; p = 0 and 1 are certain, p = 0.3 holds within 5 sd (n = 400)."""
    model = small_model(f"run.backend={backend}")
    pool = np.arange(model.n)
    per_person = np.where(pool % 2 == 0, 1.0, 0.0)
    draws = model.backend.participation_draws(pool, [0.0, 1.0, 0.3, per_person])
    assert len(draws) == 4 and all(d.shape == pool.shape and d.dtype == bool for d in draws)
    assert not draws[0].any() and draws[1].all()
    assert abs(draws[2].mean() - 0.3) < 5 * np.sqrt(0.3 * 0.7 / model.n)
    assert np.array_equal(draws[3], pool % 2 == 0)


@pytest.mark.parametrize("backend", sorted(BACKENDS))
def test_backend_experience_noise_has_the_configured_spread(backend):
    """Normal(0, experience_sd): mean and sd within 5 standard errors over 400 people; none when sd = 0."""
    model = small_model(f"run.backend={backend}", "engine.experience_sd=0.1")
    people = np.arange(model.n)
    noise = np.broadcast_to(model.backend.experience_noise(people), people.shape)
    assert abs(noise.mean()) < 5 * 0.1 / np.sqrt(model.n)
    assert abs(noise.std() - 0.1) < 5 * 0.1 / np.sqrt(2 * model.n)
    quiet = small_model(f"run.backend={backend}", "engine.experience_sd=0")
    assert np.all(quiet.backend.experience_noise(people) == 0.0)

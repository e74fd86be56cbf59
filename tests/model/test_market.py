"""A market that grows (`[market]`, `sim.model.market`): the share eligible follows its curve, people
outside it never buy (but still hear), initial users are eligible from the start, and a fixed market
draws nothing and records nothing new."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.config.scenario import load_scenario
from sim.model import theory
from sim.model.market import curve_share
from sim.model.model import WomModel
from sim.model.record import ELIGIBLE_COLUMN
from sim.model.state import Funnel

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
BASS = SCENARIOS / "docking" / "bass.toml"
DEFAULT = SCENARIOS / "default.toml"
#: A small well-mixed run: people, days, step (days).
SMALL = ["population.size=4000", "run.days=40", "run.dt=0.5"]
#: An illustrative category curve: (day, share eligible).
CURVE_ROWS = [(0, 0.1), (10, 0.3), (25, 0.6)]
#: How many binomial standard deviations the share eligible may be from the curve (fixed before running).
SD_BOUND = 4.0


def write_curve(folder: Path, rows=CURVE_ROWS) -> Path:
    path = folder / "curve.csv"
    path.write_text("day,share\n" + "".join(f"{d},{s}\n" for d, s in rows))
    return path


def curve_model(tmp_path, *overrides: str, base=BASS, seed: int = 5) -> WomModel:
    curve = write_curve(tmp_path)
    sc = load_scenario(base, [*SMALL, 'market.kind="curve"', f'market.curve="{curve}"', *overrides])
    return WomModel(sc, seed)


def test_curve_share_is_linear_between_rows_and_flat_outside():
    days, shares = np.array([0.0, 10.0, 25.0]), np.array([0.1, 0.3, 0.6])
    assert curve_share(5.0, days, shares) == pytest.approx(0.2)
    assert curve_share(17.5, days, shares) == pytest.approx(0.45)
    assert curve_share(100.0, days, shares) == 0.6
    assert curve_share(0.0, days, shares) == 0.1


def test_the_share_eligible_follows_the_curve(tmp_path):
    """At every recorded day, `eligible` counts exactly the people whose rank is below the curve, and that
    count is within SD_BOUND binomial standard deviations of the curve times N."""
    model = curve_model(tmp_path)
    frame = pd.DataFrame(model.run())
    n = model.n
    days, shares = np.array(CURVE_ROWS, dtype=float).T
    expected = np.interp(frame.time, days, shares)
    exact = [int(np.count_nonzero(model.market.rank < s)) for s in expected]
    assert frame[ELIGIBLE_COLUMN].tolist() == exact
    sd = np.sqrt(expected * (1 - expected) / n)
    assert np.all(np.abs(frame[ELIGIBLE_COLUMN] / n - expected) <= SD_BOUND * sd)
    assert frame[ELIGIBLE_COLUMN].is_monotonic_increasing


@pytest.mark.parametrize("backend", ["vector", "agents"])
def test_ineligible_people_never_adopt_but_still_hear(tmp_path, backend):
    """Every new adopter of a step was eligible at its start; outside the market people become aware, and
    they do not reject a product they cannot buy (engine.rejection = 0.5 and half of the persuaded buy here, no negative talk)."""
    model = curve_model(
        tmp_path,
        f'run.backend="{backend}"',
        "population.size=1500",
        "engine.rejection=0.5",
        "engine.max_conversion=0.5",
    )
    while model.running:
        day = model.step_index * model.dt
        before = model.people.adopt_day.copy()
        model.step()
        new = np.flatnonzero(np.isnan(before) & ~np.isnan(model.people.adopt_day))
        assert np.all(model.market.rank[new] < model.market.share(day))
    outside = model.market.rank >= model.market.share(model.step_index * model.dt)
    assert outside.any() and np.all(np.isnan(model.people.adopt_day[outside]))
    assert np.count_nonzero(model.people.state[outside] == Funnel.AWARE) > 0
    assert not np.any(model.people.state[outside] == Funnel.REJECTER)
    assert np.any(model.people.state == Funnel.REJECTER)  # inside the market persuaded non-buyers still reject
    assert model.people.adopted_total > 0


def test_seed_users_and_employees_are_eligible_from_the_start(tmp_path):
    model = curve_model(tmp_path, "seed_users.count=20", "population.employees=10", base=DEFAULT)
    started = np.flatnonzero(~np.isnan(model.people.adopt_day) | (model.people.state == Funnel.FAN))
    assert len(started) >= 20
    assert np.all(model.market.rank[started] < 0)
    assert model.records[0][ELIGIBLE_COLUMN] >= 30


def test_a_fixed_market_draws_nothing_and_adds_no_column():
    sc = load_scenario(BASS, SMALL)
    model = WomModel(sc, 3)
    rows = model.run()
    assert ELIGIBLE_COLUMN not in rows[0]
    assert model.market.gate(np.array([0.25]), np.array([0]), 0.0).tolist() == [0.25]
    assert WomModel(load_scenario(BASS, [*SMALL, 'market.kind="fixed"']), 3).run() == rows


def test_a_guseo_guidolin_market_grows_along_its_potential():
    sc = load_scenario(
        BASS, [*SMALL, 'market.kind="guseo_guidolin"', "market.potential=0.7", "market.pc=0.05", "market.qc=0.3"]
    )
    frame = pd.DataFrame(WomModel(sc, 2).run())
    expected = theory.gg_potential(frame.time.to_numpy(), 0.7, 0.05, 0.3)
    sd = np.sqrt(expected * (1 - expected) / sc.population.size)
    assert np.all(np.abs(frame[ELIGIBLE_COLUMN] / sc.population.size - expected) <= SD_BOUND * sd + 1e-12)
    assert frame.adopted_total.iloc[-1] <= frame[ELIGIBLE_COLUMN].iloc[-1]


def test_the_summary_has_a_market_line_only_when_the_market_grows(tmp_path):
    from sim.run.runner import run_scenario

    small = [*SMALL, "population.size=500", "run.days=10", "run.replicates=2"]
    assert "market" not in run_scenario(load_scenario(BASS, small)).summary
    curve = write_curve(tmp_path)
    grown = run_scenario(load_scenario(BASS, [*small, 'market.kind="curve"', f'market.curve="{curve}"'])).summary
    assert grown["market"]["kind"] == "curve" and len(grown["market"]["eligible_share_final"]) == 2
    assert all(0 < share < 1 for share in grown["market"]["eligible_share_final"])


def test_entrants_are_the_people_whose_rank_crossed_the_share_in_the_step(tmp_path):
    """Step by step, `Market.entrants` are exactly the people eligible on the step's day and not the day before;
    over the run they partition the people who became eligible after day 0."""
    model = curve_model(tmp_path, 'market.entrants="at_penetration"')
    market, dt = model.market, model.dt
    seen = []
    for k in range(1, model.cfg.run.n_steps):
        day = k * dt
        now, before = market.rank < market.share(day), market.rank < market.share(day - dt)
        entrants = market.entrants(day, dt)
        assert sorted(entrants.tolist()) == np.flatnonzero(now & ~before).tolist()
        seen.extend(entrants.tolist())
    last = model.cfg.run.n_steps - 1
    late = (market.rank < market.share(last * dt)) & ~(market.rank < market.share(0.0))
    assert sorted(seen) == np.flatnonzero(late).tolist()


def test_entrants_buy_at_the_penetration_and_wait_by_default(tmp_path):
    """With entrants at penetration, some people adopt without any contact the moment they enter (credited to
    word of mouth); by default (and with no adopters to imitate) nobody does: a fixed rule, checked both ways."""
    off = curve_model(tmp_path, "advertising.p_max=0", "wom.q=0", "seed_users.count=200")
    on = curve_model(
        tmp_path, "advertising.p_max=0", "wom.q=0", "seed_users.count=200", 'market.entrants="at_penetration"'
    )
    off.run()
    on.run()
    seeds = int(np.count_nonzero(off.people.state == Funnel.ADOPTER))
    assert seeds == 200  # the seed users are the only adopters without ads or talk
    assert np.count_nonzero(on.people.state == Funnel.ADOPTER) > seeds


def test_market_talk_makes_imitation_a_share_of_the_eligible(tmp_path):
    """With talk a share of the market, the well-mixed word-of-mouth rate is the talkers' weight over the
    people eligible instead of over everyone: on the same state, exactly N / eligible times larger."""
    model = curve_model(tmp_path, 'market.talk_share_of="market"')
    model.run(20)
    day = 20 * model.dt
    _, wom_market, _ = model.field_rates(21, day)
    model.market.talk_of_market = False
    _, wom_population, _ = model.field_rates(21, day)
    eligible = model.market.eligible_count(day)
    assert wom_population > 0 and eligible < model.n
    assert wom_market == pytest.approx(wom_population * model.n / eligible, rel=1e-12)

"""Product generations (sim.model.generations): the rules, the product line in the model, the recorded
columns, and docking against the model's closed form (sim.model.theory.generation_owners)."""

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.config.errors import ScenarioError
from sim.config.scenario import load_scenario
from sim.model import generations as gen
from sim.model import rules, theory
from sim.model.model import WomModel
from sim.run.bass_fit import fit_norton_bass, norton_bass_problem
from sim.run.runner import run_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
DOCKING = SCENARIOS / "docking" / "generations.toml"
DEFAULT = SCENARIOS / "default.toml"
SMALL = ["population.size=1500", "run.days=90", "seed_users.count=30", "population.employees=10"]
TWO_LATER = ["generations.enabled=true", "generations.products=[{launch_day=30}, {launch_day=60}]"]


# --- rules ----------------------------------------------------------------------------------------


def test_newest_generation_counts_the_launches_so_far():
    days = [10.0, 20.0]
    assert [rules.newest_generation(d, days) for d in (0, 9.99, 10, 19, 20, 500)] == [1, 1, 2, 2, 3, 3]
    assert rules.newest_generation(5.0, []) == 1


def test_satisfaction_is_a_logistic_of_the_lived_margin_and_a_threshold_at_zero_width():
    assert gen.satisfaction(0.0, 0.1) == pytest.approx(0.5)
    assert gen.satisfaction(0.3, 0.1) > 0.95 > 0.05 > gen.satisfaction(-0.3, 0.1)
    np.testing.assert_array_equal(gen.satisfaction(np.array([-0.01, 0.0, 2.0]), 0.0), [0.0, 1.0, 1.0])


def test_loyalty_ignores_the_tie_at_zero_weight_and_is_the_tie_at_full_weight():
    ties = np.array([0.0, 0.3, 1.0])
    np.testing.assert_allclose(gen.loyalty(ties, 0.0), 1.0)
    np.testing.assert_allclose(gen.loyalty(ties, 1.0), ties)
    np.testing.assert_allclose(gen.loyalty(ties, 0.5), [0.5, 0.65, 1.0])


def test_fans_lead_satisfied_owners_upgrade_and_the_hazard_gives_a_step_probability():
    h = gen.upgrade_hazard(np.array([0.5, 0.5, -0.5]), 0.5, np.array([True, False, False]), 0.01, 0.1, 0.5, 3.0)
    assert h[0] == pytest.approx(3 * h[1]) and h[2] < h[1] / 100
    assert gen.upgrade_probability(0.2, 0.1) == pytest.approx(1 - np.exp(-0.02))
    assert gen.upgrade_probability(0.0, 1.0) == 0.0


# --- configuration --------------------------------------------------------------------------------


def test_launch_days_must_increase():
    with pytest.raises(ScenarioError, match="strictly increasing"):
        load_scenario(None, ["generations.enabled=true", "generations.products=[{launch_day=20}, {launch_day=10}]"])
    with pytest.raises(ScenarioError, match="launch_day"):
        load_scenario(None, ["generations.products=[{quality_gain=0.1}]"])


def test_count_is_one_unless_switched_on_with_later_products():
    assert load_scenario(None, ["generations.products=[{launch_day=5}]"]).generations.count == 1
    assert load_scenario(None, ["generations.enabled=true"]).generations.count == 1
    assert load_scenario(None, TWO_LATER).generations.count == 3


# --- the model ------------------------------------------------------------------------------------


def frame(overrides, seed=3):
    model = WomModel(load_scenario(DEFAULT, SMALL + overrides), seed)
    model.run()
    return pd.DataFrame(model.records), model


def test_one_generation_records_no_new_column_and_draws_nothing_new():
    plain, _ = frame([])
    one, _ = frame(["generations.enabled=true", "generations.upgrade_rate=0.5"])
    pd.testing.assert_frame_equal(plain, one, check_exact=True)
    assert not any(c.startswith(("owners_gen", "purchases_")) for c in plain.columns)


@pytest.mark.parametrize("backend", ["vector", pytest.param("agents", marks=pytest.mark.slow)])
def test_the_product_line_keeps_its_books(backend):
    """Seed 3, 400 people, 90 days, launches on days 30 and 60: every owner owns one generation, every
    purchase is counted once, and upgrades happen only after a launch."""
    small = ["population.size=400", "seed_users.count=20", "generations.upgrade_rate=0.05", f"run.backend={backend}"]
    df, model = frame([*TWO_LATER, *small])
    owners = df[[f"owners_gen{g}" for g in (1, 2, 3)]].sum(axis=1)
    np.testing.assert_array_equal(owners, df.adopters + df.fans + df.detractors)
    np.testing.assert_array_equal(df.purchases_total, df[[f"purchases_gen{g}" for g in (1, 2, 3)]].sum(axis=1))
    assert (df.purchases_total >= df.adopted_total).all()
    before = df[df.time <= 30]
    assert (before.purchases_total == before.adopted_total).all() and (before.owners_gen2 == 0).all()
    last = df.iloc[-1]
    assert last.purchases_gen3 > 0 and 0 < last.repeat_buyers <= last.adopted_total
    assert last.purchases_total - last.adopted_total >= last.repeat_buyers  # an upgrade per repeat buyer at least
    assert last.quality == pytest.approx(load_scenario(DEFAULT).engine.quality)  # generation 3 has no gain


@pytest.mark.slow
def test_fans_upgrade_first():
    """Seed 3, the MIUI-like scenario shortened to 400 days (Mi 2 on day 365): 35 days after the launch a
    larger share of fans than of other owners owns Mi 2."""
    sc = load_scenario(SCENARIOS / "playbook" / "miui_generations.toml", ["run.days=400", "population.size=3000"])
    model = WomModel(sc, 3)
    model.run()
    owners = model.people.adopter_indices()
    fan = model.people.state[owners] == 3
    upgraded = model.people.owned[owners] == 2
    assert fan.any() and (~fan).any()
    assert upgraded[fan].mean() > 2 * upgraded[~fan].mean()


# --- docking ----------------------------------------------------------------------------------------

#: Stated before looking, as the Bass docking's: |mean share owning generation g - closed form| at every
#: recorded time and for every generation.
DOCKING_TOLERANCE = 0.02


@pytest.mark.slow
def test_docking_with_the_closed_form():
    """scenarios/docking/generations.toml: 10 replicates, N = 10,000, dt = 0.1, seed 1969, p = 0.03,
    q = 0.38, launches on days 10 and 20, upgrade_rate 0.2 per day."""
    sc = load_scenario(DOCKING)
    assert (sc.run.replicates, sc.population.size, sc.run.dt, sc.run.seed) == (10, 10_000, 0.1, 1969)
    ts = run_scenario(sc).timeseries
    mean = ts.groupby("time")[[f"owners_gen{g}" for g in (1, 2, 3)]].mean() / sc.population.size
    launches = [p.launch_day for p in sc.generations.products]
    closed = theory.generation_owners(mean.index.to_numpy(), 0.03, 0.38, launches, sc.generations.upgrade_rate)
    err = np.abs(mean.to_numpy().T - closed)
    assert err.max() < DOCKING_TOLERANCE, f"max deviation per generation {err.max(axis=1)}"
    assert mean.to_numpy()[-1].sum() > 0.95 and mean.to_numpy()[-1, 0] < 0.1  # the curves were covered


# --- word-of-mouth substitution: Norton and Bass (1987) ---------------------------------------------
NORTON_BASS = SCENARIOS / "docking" / "norton_bass.toml"
#: Stated before looking: the fitted p and q of the model's own output within this relative error.
FIT_TOLERANCE = 0.10


def test_want_probability_is_a_bass_step_and_the_level_an_unbroken_run():
    assert gen.want_probability(0.03, 0.38, 0.0, 1.0) == pytest.approx(1 - np.exp(-0.03))
    assert gen.want_probability(0.03, 0.38, 0.5, 0.1) == pytest.approx(1 - np.exp(-(0.03 + 0.19) * 0.1))
    # bit g - 1 = wants generation g: nothing, 2, 2 and 3, 3 only (broken run), 2 and 4 (broken at 3)
    wanted = np.array([0, 0b10, 0b110, 0b100, 0b1010], dtype=np.int16)
    assert gen.wanted_level(wanted, 4).tolist() == [1, 2, 3, 1, 2]
    assert gen.wanted_level(wanted, 2).tolist() == [1, 2, 2, 1, 2]


def test_word_of_mouth_substitution_needs_each_product_to_be_wanted_by_someone():
    later = "generations.products=[{launch_day=10, innovation=0.02}, {launch_day=20}]"
    with pytest.raises(ScenarioError, match="generations.products.1.innovation: must be > 0 with"):
        load_scenario(DEFAULT, ["generations.enabled=true", 'generations.substitution="word_of_mouth"', later])


@pytest.mark.slow
@pytest.mark.parametrize(
    "p, q, launches, days", [(0.03, 0.38, (10, 20), 40), (0.01, 0.5, (12, 24), 50)], ids=["p03-q38", "p01-q50"]
)
def test_word_of_mouth_substitution_docks_with_norton_bass(p, q, launches, days):
    """scenarios/docking/norton_bass.toml (10 replicates, N = 10,000, dt = 0.05, seed 1969) with common p and q
    for the first product (advertising's p, word of mouth's q) and the two later ones: every generation's
    mean owner share within DOCKING_TOLERANCE of S_1 = F_1 (1 - F_2), S_2 = F_1 F_2 (1 - F_3),
    S_3 = F_1 F_2 F_3 at every recorded time; and `fit_norton_bass` on the mean owners recovers p and q
    within FIT_TOLERANCE."""
    later = ", ".join(f"{{launch_day = {day}, innovation = {p}, imitation = {q}}}" for day in launches)
    sets = [f"advertising.p_max={p}", f"wom.q={q}", f"generations.products=[{later}]", f"run.days={days}"]
    sc = load_scenario(NORTON_BASS, sets)
    assert (sc.run.replicates, sc.population.size, sc.run.dt, sc.run.seed) == (10, 10_000, 0.05, 1969)
    owners = run_scenario(sc).timeseries.groupby("time")[[f"owners_gen{g}" for g in (1, 2, 3)]].mean()
    closed = theory.norton_bass(owners.index.to_numpy(), p, q, [1.0, 0.0, 0.0], launches)
    err = np.abs(owners.to_numpy().T / sc.population.size - closed)
    assert err.max() < DOCKING_TOLERANCE, f"max deviation per generation {err.max(axis=1)}"
    assert owners.to_numpy()[-1, 2] / sc.population.size > 0.95  # the curves were covered
    fit = fit_norton_bass(owners.index.to_numpy(), owners.to_numpy().T, launches)
    assert norton_bass_problem(fit) is None
    assert fit.p == pytest.approx(p, rel=FIT_TOLERANCE) and fit.q == pytest.approx(q, rel=FIT_TOLERANCE)

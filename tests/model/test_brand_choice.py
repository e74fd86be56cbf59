"""Prices and ties in the choice of a brand (issue 26 part 2, `[choice]`; docs/model.md 5.8): the strongest
persuading tie per brand read off the network's contacts, the choice in the model (one step against the exact
logit; a run against the stationary split), a common price changing nothing, the tie's brand favoured on a
network, and the choice still drawing one `Purpose.BRAND_CHOICE` uniform per chooser."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config.scenario import read_scenario_dict, scenario_from_dict
from sim.model import brand_choice, rules
from sim.model.brand_contacts import strongest_ties
from sim.model.brands import NO_BRAND, make_model
from sim.model.funnel import Contacts
from sim.model.streams import Purpose
from sim.run.runner import run_scenario

COMPETITION = Path(__file__).resolve().parents[2] / "scenarios" / "docking" / "competition.toml"
#: Two identical brands (quality 1 against expectation 0 for everyone) entering together, ads only (no talk),
#: the logit's scale 0.1; b is the cheaper by 10 currency units.
ADS_ONLY = [
    "run.dt=1",
    "brands.b.entry_day=0",
    "brands.b.advertising.p_max=0.01",
    "wom.q=0",
    "wom.q_cross=0",
    "engine.sensitivity=0.1",
    "brands.a.money.price=20",
    "brands.b.money.price=10",
]


def competition(overrides=()):
    """The docking scenario of two brands with overrides."""
    data = read_scenario_dict(COMPETITION)
    return scenario_from_dict(data, list(overrides), source=str(COMPETITION), base_dir=COMPETITION.parent)


def test_strongest_ties_keep_the_strongest_within_brand_persuasion_per_brand_and_person():
    """Owners 1 (brand 0), 2 (brand 1), 3 (brand 0) and 4 (no brand) reach people 5, 6, 7: only persuading,
    positive contacts from owners count, each for its sender's brand, the strongest per (brand, person);
    a reader outside `people` and a block without strengths are ignored."""
    brand = np.full(10, NO_BRAND, dtype=np.int8)
    brand[[1, 2, 3]] = [0, 1, 0]
    c = Contacts()
    c.add(
        np.array([5, 5, 6, 6, 7, 9]),
        1,
        False,
        np.array([True, True, True, False, True, True]),
        strength=np.array([0.3, 0.6, 0.9, 1.0, 0.4, 1.0]),
        source=np.array([1, 3, 2, 1, 4, 1]),
    )
    c.add(np.array([7]), 1, True, np.array([True]), strength=1.0, source=np.array([1]))  # negative: no tie bonus
    c.add(np.array([7]), 1, False, np.array([True]), source=np.array([3]))  # no strengths reported
    got = strongest_ties(c, np.array([5, 6, 7]), brand, 2)
    assert got[0].tolist() == [0.6, -np.inf, -np.inf]
    assert got[1].tolist() == [-np.inf, 0.9, -np.inf]
    assert strongest_ties(c, np.array([], dtype=np.int64), brand, 2).shape == (2, 0)


def test_the_first_step_buys_follow_the_logit_with_prices():
    """One step, ads only (each brand reaches each person with chance pi = p dt = 0.3), N = 100,000, identical
    brands (margin 1 for everyone, so each converts with the same chance c), b cheaper by 10 at price_weight
    0.02 (0.2 value units): one reached by both chooses b with the logit's w_b = 1 / (1 + exp(-0.2 / 0.1)).
    Expected buyers of brand i: N c (pi (1 - pi) + pi^2 w_i). Tolerance: 4 standard deviations of a binomial
    count, fixed before running (seed 7, keyed draws)."""
    n, pi, s = 100_000, 0.3, 0.1
    sc = competition(
        [*ADS_ONLY, f"population.size={n}", "run.days=2", f"advertising.p_max={pi}", f"brands.b.advertising.p_max={pi}"]
    )
    sc = scenario_from_dict(sc.model_dump(mode="json"), ["choice.price_weight=0.02"])
    m = make_model(sc, 7)
    m.step()
    c = float(rules.conversion_probability(1.0, 0.0, s, 1.0))
    w_b = 1 / (1 + np.exp(-0.02 * 10 / s))
    expected = n * c * (pi * (1 - pi) + pi**2 * np.array([1 - w_b, w_b]))
    sd = np.sqrt(expected * (1 - expected / n))
    print(f"owners {m.owners.tolist()} expected {expected.round(1).tolist()} (sd {sd.round(1).tolist()})")
    assert np.all(np.abs(m.owners - expected) < 4 * sd)


def test_the_cheaper_of_two_identical_brands_takes_the_logit_share_of_the_market():
    """Ads only, each brand reaching each person with chance f = 0.3 a day, identical brands, b cheaper by 10
    at price_weight 0.02 and sensitivity 0.1 (logit weight w_b = 1 / (1 + exp(-2)) = 0.881 when both reach a
    person in a step). Every purchase splits the same way whatever the day, so b's expected share of the owners
    is (1 - f + f w_b) / (2 - f) = 0.567; with equal prices 0.5. N = 10,000, 30 days, 3 replicates, seed 2009:
    the mean share within 0.02 of each (the competition docking's tolerance), fixed before running."""
    f = 0.3
    base = [*ADS_ONLY, "population.size=10000", "run.days=30", "run.replicates=3", f"advertising.p_max={f}"]
    base.append(f"brands.b.advertising.p_max={f}")
    for price_b, weight in ((10, 0.02), (20, 0.02), (10, 0.0)):
        sc = competition([*base, f"brands.b.money.price={price_b}", f"choice.price_weight={weight}"])
        w_b = 1 / (1 + np.exp(-weight * (20 - price_b) / 0.1))
        expected = (1 - f + f * w_b) / (2 - f)
        last = run_scenario(sc).timeseries.groupby("replicate").last()
        share = float((last.owners_b / (last.owners_a + last.owners_b)).mean())
        print(f"price_b {price_b}, weight {weight}: share of b {share:.4f}, expected {expected:.4f}")
        assert abs(share - expected) < 0.02


def test_a_common_price_or_no_weight_changes_nothing():
    """Equal prices at any weight, or unequal prices at weight 0: byte-identical runs (a lively market of two
    brands, logit choice, rejection, negative talk)."""
    lively = [
        "population.size=2000",
        "run.days=40",
        "run.dt=1",
        "run.replicates=2",
        "brands.b.entry_day=0",
        "engine.expectation_mean=0.6",
        "engine.expectation_sd=0.3",
        "engine.sensitivity=0.2",
        "engine.max_conversion=0.8",
        "engine.rejection=0.2",
        "engine.experience_sd=0.4",
        "engine.quality=0.5",
        "brands.b.engine.quality=0.7",
        "advertising.p_max=0.05",
        "brands.b.advertising.p_max=0.05",
    ]
    base = run_scenario(competition(lively)).timeseries
    same_price = ["money.price=500", "choice.price_weight=0.3"]
    no_weight = ["brands.a.money.price=500", "brands.b.money.price=100"]
    for extra in (same_price, no_weight):
        pd.testing.assert_frame_equal(run_scenario(competition([*lively, *extra])).timeseries, base)
    cheaper_b = run_scenario(competition([*lively, *no_weight, "choice.price_weight=0.3"])).timeseries
    assert not cheaper_b.equals(base)  # the test can fail: unequal prices with a weight do change the run


def test_the_choice_draws_one_brand_choice_uniform_per_chooser_whatever_it_weighs():
    """The same step with [choice] off and on draws the same uniforms (purpose, slot, ids): prices and ties change
    the weights the choice's one `Purpose.BRAND_CHOICE` uniform is inverted on, not the draws."""
    drawn = {}
    for on in (False, True):
        over = ["population.size=5000", "run.days=3", "advertising.p_max=0.3", "brands.b.advertising.p_max=0.3"]
        sc = competition([*ADS_ONLY, *over, *(["choice.price_weight=0.05"] if on else [])])
        m = make_model(sc, 3)
        calls = drawn[on] = []
        uniform = m.draws.uniform

        def spy(purpose, ids, *args, _uniform=uniform, _calls=calls, **kw):
            _calls.append((purpose, args, kw, np.asarray(ids).tolist()))
            return _uniform(purpose, ids, *args, **kw)

        m.draws.uniform = spy
        m.step()
        m.step()
    assert drawn[False] == drawn[True]
    assert sum(1 for purpose, *_ in drawn[True] if purpose == Purpose.BRAND_CHOICE) == 2  # one call a step


#: Two identical brands on a small-world network: a spreads by its owners' talk alone (seed users, no ads),
#: b by its ads alone (its owners never talk: nobody lives it above an advocate margin of 10). Someone a
#: friend persuaded toward a in the step b's ad reached them considers both, and a's tie is the only tie.
NETWORK = {
    "run": {"days": 60, "replicates": 3, "seed": 26},
    "population": {"size": 3000, "official_accounts": 0},
    "network": {"kind": "small_world"},
    "relationship": {"participation_rate": 0.0},
    "wom": {"transmission": 0.3},
    "engine": {"quality": 0.7, "expectation_mean": 0.5, "sensitivity": 0.1},
    "advertising": {"spend_per_day": 1e6},
    "brands": {
        "a": {"seed_users": {"count": 30}},
        "b": {"seed_users": {"count": 0}, "advertising": {"p_max": 0.05}, "engine": {"advocate_margin": 10.0}},
    },
}


def test_a_tie_bonus_moves_choosers_toward_the_brand_their_friend_spoke_for():
    """With choice.tie_bonus = 0.3 value units (a factor exp(3) on a's logit weight where a friend persuaded
    toward a and only b's ad toward b), a ends with more owners than without it in each of 3 replicates (seed
    26, 3,000 people, 60 days; the criterion fixed before running); b's ads reach the same people either way."""
    last = {}
    for bonus in (0.0, 0.3):
        sc = scenario_from_dict(NETWORK, [f"choice.tie_bonus={bonus}"])
        last[bonus] = run_scenario(sc).timeseries.groupby("replicate").last()
    print({bonus: frame[["owners_a", "owners_b"]].to_dict("list") for bonus, frame in last.items()})
    assert (last[0.3].owners_a > last[0.0].owners_a).all()
    assert (last[0.3].owners_b < last[0.0].owners_b).all()


finite = st.floats(-5, 5, allow_nan=False)


@settings(max_examples=60, deadline=None, derandomize=True, database=None)
@given(
    brands=st.integers(1, 8),
    people=st.integers(0, 6),
    data=st.data(),
    weight=st.floats(0, 1000),
    bonus=st.floats(0, 10),
    sensitivity=st.sampled_from([0.0, 0.05, 1.0]),
)
def test_whatever_prices_and_ties_the_choice_picks_a_brand_considered(brands, people, data, weight, bonus, sensitivity):
    """Random margins, prices (0 to 10^12), strongest ties (some none) and considered sets: the weights are
    finite, 0 exactly off the set, positive somewhere on every non-empty set, and the pick is a brand considered."""
    shape = (brands, people)
    margins = np.array(data.draw(st.lists(finite, min_size=brands * people, max_size=brands * people))).reshape(shape)
    consider = np.array(data.draw(st.lists(st.booleans(), min_size=brands * people, max_size=brands * people)), bool)
    consider = consider.reshape(shape)
    prices = data.draw(st.lists(st.floats(0, 1e12), min_size=brands, max_size=brands))
    ties = data.draw(
        st.lists(st.sampled_from([-np.inf, 0.2, 0.8, 1.0]), min_size=brands * people, max_size=brands * people)
    )
    values = brand_choice.brand_choice_values(margins, consider, prices, weight, np.array(ties).reshape(shape), bonus)
    w = brand_choice.brand_choice_weights(values, sensitivity, consider)
    assert np.isfinite(w).all() and (w[~consider] == 0).all()
    some = consider.any(axis=0)
    assert (w[:, some] > 0).any(axis=0).all()
    u = np.array(data.draw(st.lists(st.floats(0, 1, exclude_max=True), min_size=people, max_size=people)))
    picked = brand_choice.pick_by_weights(w, u)
    assert consider[picked[some], np.flatnonzero(some)].all()


def test_ready_to_buy_people_weigh_every_brand_they_know_when_the_choice_considers_the_known():
    """choice.consider = 'known': one step in which only a's ads reach people (chance pi = 0.3), N = 100,000,
    everyone already knowing both brands: each reached person chooses between a and b by the logit (b cheaper by
    10 at weight 0.02, sensitivity 0.1: w_b = 1 / (1 + exp(-2))) and buys with the same chance c. Expected
    owners of b: N pi c w_b, of a: N pi c (1 - w_b); with 'persuaded' (the default) b gets none. Tolerance:
    4 standard deviations of a binomial count, fixed before running (seed 7, keyed draws)."""
    n, pi, s = 100_000, 0.3, 0.1
    owners = {}
    for consider in ("persuaded", "known"):
        sc = competition(
            [
                *ADS_ONLY,
                f"population.size={n}",
                "run.days=2",
                f"advertising.p_max={pi}",
                "brands.b.advertising.p_max=0",
                "choice.price_weight=0.02",
                f"choice.consider='{consider}'",
            ]
        )
        m = make_model(sc, 7)
        m.people.known[:] = 0b11
        m.step()
        owners[consider] = m.owners.copy()
    c = float(rules.conversion_probability(1.0, 0.0, s, 1.0))
    w_b = 1 / (1 + np.exp(-0.02 * 10 / s))
    expected = n * pi * c * np.array([1 - w_b, w_b])
    sd = np.sqrt(expected * (1 - expected / n))
    print(f"owners {owners} expected with 'known' {expected.round(1).tolist()} (sd {sd.round(1).tolist()})")
    assert owners["persuaded"][1] == 0 and np.all(np.abs(owners["known"] - expected) < 4 * sd)


# --- the choice of a brand with prices and ties (`[choice]`) ---------------------------------------------


def test_a_price_common_to_the_brands_considered_changes_no_value():
    margins = np.array([[0.2, -0.1], [0.0, 0.3], [0.5, 0.1]])
    consider = np.array([[True, True], [True, True], [False, True]])
    for price in (0.0, 7.0, 1e6):
        values = brand_choice.brand_choice_values(margins, consider, [price] * 3, 0.4)
        assert (values == margins).all()


def test_a_cheaper_brand_gets_more_weight_in_the_exact_logit_proportion():
    """Equal margins, prices 10 and 30 at 0.01 value units per currency unit, sensitivity 0.1: the cheaper
    brand's weight is exp(0.01 x 20 / 0.1) = exp(2) times the other's; shifting both prices changes nothing,
    even with sensitivities that differ (the reference is the cheapest price considered)."""
    margins, consider = np.full((2, 1), 0.1), np.ones((2, 1), bool)
    values = brand_choice.brand_choice_values(margins, consider, [10.0, 30.0], 0.01)
    assert values[:, 0].tolist() == pytest.approx([0.1, 0.1 - 0.2])
    w = brand_choice.brand_choice_weights(values, 0.1, consider)
    assert w[0, 0] / w[1, 0] == pytest.approx(np.exp(2.0))
    sensitivity = np.array([[0.1], [0.3]])
    shifted = brand_choice.brand_choice_values(margins, consider, [110.0, 130.0], 0.01)
    assert (
        brand_choice.brand_choice_weights(shifted, sensitivity, consider)
        == brand_choice.brand_choice_weights(values, sensitivity, consider)
    ).all()


def test_the_reference_price_is_the_cheapest_brand_the_person_considers():
    consider = np.array([[False, True], [True, True], [True, True]])
    values = brand_choice.brand_choice_values(np.zeros((3, 2)), consider, [1.0, 5.0, 9.0], 0.1)
    assert values[:, 0].tolist() == pytest.approx([0.0, 0.0, -0.4])  # brand 0 not considered: brand 1 is the cheapest
    assert values[:, 1].tolist() == pytest.approx([0.0, -0.4, -0.8])


def test_under_a_hard_threshold_a_price_premium_counts_against_meeting_expectation():
    """Sensitivity 0: both brands beat expectation by 0.1; a premium of 1 at weight 0.05 leaves the dearer one
    meeting it (equally likely), at weight 0.2 below it (never chosen while the cheaper one meets it)."""
    margins, consider = np.full((2, 1), 0.1), np.ones((2, 1), bool)
    for weight, expected in ((0.05, [1.0, 1.0]), (0.2, [1.0, 0.0])):
        values = brand_choice.brand_choice_values(margins, consider, [2.0, 3.0], weight)
        assert brand_choice.brand_choice_weights(values, 0.0, consider)[:, 0].tolist() == expected


def test_the_tie_bonus_goes_to_the_brand_of_the_strongest_persuading_tie_among_those_considered():
    none = -np.inf
    strongest = np.array([[0.8, 0.5, 0.9, none], [0.5, 0.5, 0.2, none], [none, none, 0.3, none]])
    consider = np.array([[True, True, False, True], [True, True, True, True], [True, False, True, True]])
    values = brand_choice.brand_choice_values(np.zeros((3, 4)), consider, [0.0] * 3, 0.0, strongest, 0.25)
    assert values[:, 0].tolist() == [0.25, 0.0, 0.0]  # the strongest tie's brand
    assert values[:, 1].tolist() == [0.25, 0.25, 0.0]  # equally strong ties: both brands
    assert values[:, 2].tolist() == [0.0, 0.0, 0.25]  # the strongest (brand 0) not considered: the next
    assert values[:, 3].tolist() == [0.0, 0.0, 0.0]  # no tie persuaded them (ads, category talk)


# --- what a brand itself is worth (engine.brand_value; issue 27, seed S04) ----------------------------------


def test_the_first_step_buys_follow_the_logit_with_a_brand_value():
    """As the first-step test with prices: ads only, each brand reaching each person with chance pi = 0.3 in one
    step, N = 100,000, identical products, equal prices, b's brand worth 0.2 value units more at sensitivity 0.1:
    one reached by both chooses b with w_b = 1 / (1 + exp(-0.2 / 0.1)); expected buyers of brand i
    N c (pi (1 - pi) + pi^2 w_i). Tolerance 4 binomial standard deviations, fixed before running (seed 7)."""
    n, pi, s = 100_000, 0.3, 0.1
    sc = competition(
        [
            *ADS_ONLY,
            "brands.a.money.price=10",
            f"population.size={n}",
            "run.days=2",
            f"advertising.p_max={pi}",
            f"brands.b.advertising.p_max={pi}",
            "brands.b.engine.brand_value=0.2",
        ]
    )
    m = make_model(sc, 7)
    m.step()
    c = float(rules.conversion_probability(1.0, 0.0, s, 1.0))
    w_b = 1 / (1 + np.exp(-0.2 / s))
    expected = n * c * (pi * (1 - pi) + pi**2 * np.array([1 - w_b, w_b]))
    sd = np.sqrt(expected * (1 - expected / n))
    assert np.all(np.abs(m.owners - expected) < 4 * sd), (m.owners, expected, sd)


def test_a_brand_value_needs_a_market_of_brands():
    from sim.config.errors import ScenarioError
    from sim.config.scenario import load_scenario

    with pytest.raises(ScenarioError, match="engine.brand_value"):
        load_scenario("default", ["engine.brand_value=0.1"])

"""A market of brands (`sim.model.brands`, issue 26 parts 2 and 6): the choice rule, the per-person brand
state, the per-brand columns and shares, and that one brand in a [brands] table is the one-brand model's
market (docked to Bass as the one-brand model is)."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.config.scenario import read_scenario_dict, scenario_from_dict
from sim.model import brand_choice, theory
from sim.model.brand_contacts import bits, to_mask
from sim.model.brands import NO_BRAND, BrandsModel, make_model
from sim.model.model import WomModel
from sim.model.state import Funnel
from sim.run.brand_metrics import brand_metric
from sim.run.metrics import metric_label
from sim.run.runner import run_scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
COMPETITION = SCENARIOS / "docking" / "competition.toml"
BASS = SCENARIOS / "docking" / "bass.toml"
#: A small market of two brands that does something in 60 days (b enters on day 10, better and noisier).
SMALL = ["population.size=2000", "run.days=60", "run.dt=1", "run.replicates=2", "brands.b.engine.quality=1.5"]


def competition(overrides=(), brands=None):
    """The docking scenario of two brands (or with `brands` replacing its brand tables), with overrides."""
    data = read_scenario_dict(COMPETITION)
    if brands is not None:
        data["brands"] = brands
    return scenario_from_dict(data, list(overrides), source=str(COMPETITION), base_dir=COMPETITION.parent)


def lively(overrides=()):
    """Two brands with imperfect conversion, rejection, noisy experience and negative talk."""
    return competition(
        [
            *SMALL,
            "engine.expectation_mean=0.6",
            "engine.expectation_sd=0.3",
            "engine.sensitivity=0.2",
            "engine.max_conversion=0.8",
            "engine.rejection=0.2",
            "engine.experience_sd=0.4",
            "engine.quality=0.5",
            "engine.detractor_margin=-0.2",
            "seed_users.count=10",
            *overrides,
        ]
    )


# --- the choice rule ---------------------------------------------------------------------------------


def test_choice_weights_are_a_logit_on_value_against_expectation_over_the_considered_brands():
    margins = np.array([[0.2, 0.0], [-0.1, 0.0], [0.5, 0.0]])
    consider = np.array([[True, True], [True, False], [False, True]])
    w = brand_choice.brand_choice_weights(margins, 0.1, consider)
    share = w[:, 0] / w[:, 0].sum()
    assert share[0] / share[1] == pytest.approx(np.exp(0.3 / 0.1)) and share[2] == 0
    assert w[1, 1] == 0 and w[0, 1] == w[2, 1] == 1.0  # equal margins, equal chances


def test_a_hard_threshold_makes_the_brands_meeting_expectation_equally_likely():
    margins = np.array([[0.3, -0.2], [0.0, -0.5], [-0.1, -0.1]])
    w = brand_choice.brand_choice_weights(margins, 0.0, np.ones((3, 2), bool))
    assert w[:, 0].tolist() == [1.0, 1.0, 0.0]
    assert np.allclose(w[:, 1], 1.0)  # nobody meets it: all considered brands equally likely


def test_pick_by_weights_inverts_the_uniform_on_the_cumulative_weights():
    w = np.array([[1.0, 0.0, 2.0], [1.0, 1.0, 0.0], [2.0, 0.0, 2.0]])
    picked = brand_choice.pick_by_weights(w, np.array([0.2, 0.5, 0.99]))
    assert brand_choice.pick_by_weights(np.array([[0.0], [1.0]]), np.array([0.0])).tolist() == [1]  # never a 0 weight
    assert picked.tolist() == [0, 1, 2]
    u = np.random.default_rng(1).random(40_000)
    freq = np.bincount(brand_choice.pick_by_weights(np.repeat(w[:, :1], len(u), axis=1), u), minlength=3) / len(u)
    assert np.allclose(freq, [0.25, 0.25, 0.5], atol=0.01)  # 4 sd of a share at n = 40,000 is about 0.009


def test_masks_round_trip():
    flags = np.array([[True, False, True], [False, False, True], [True, True, False]])
    assert to_mask(flags).tolist() == [5, 4, 3]
    assert (bits(to_mask(flags), 3) == flags).all()


# --- the model --------------------------------------------------------------------------------------


def test_make_model_builds_the_one_brand_model_without_brands():
    assert type(make_model(scenario_from_dict({}, ["population.size=200"]))) is WomModel
    assert type(make_model(competition(["population.size=200"]))) is BrandsModel


def test_brand_state_stays_consistent_over_a_run():
    """Owners add up to the adopted, every owner owns a brand they know, rejecters turned from every brand,
    nobody hears of or owns b before its entry, and the columns say the same."""
    sc = lively()
    m = make_model(sc, 3)
    p = m.people
    for step in range(1, sc.run.n_steps + 1):
        m.step()
        owners = p.brand != NO_BRAND
        assert owners.sum() == p.adopted_total == m.owners.sum() == m.adopted_by_brand.sum()
        assert np.array_equal(np.bincount(p.brand[owners], minlength=2), m.owners)
        assert (bits(p.known, 2)[p.brand[owners], np.flatnonzero(owners)]).all()
        assert np.isin(p.state[owners], [Funnel.ADOPTER, Funnel.DETRACTOR]).all()
        assert (p.turned_from[p.state == Funnel.REJECTER] == 3).all()
        if step * sc.run.dt <= 10:
            assert not (p.known & 2).any() and m.owners[1] == 0
    df = m.datacollector.get_model_vars_dataframe()
    assert (df.owners_a + df.owners_b == df.adopted_total).all()
    assert (df.adopted_total_a == df.owners_a).all()  # no switching or leaving yet
    assert df.rejecters.iloc[-1] > 0 and df.detractors.iloc[-1] > 0 and df.owners_b.iloc[-1] > 0


def test_runs_of_brands_are_reproducible_and_seeds_differ():
    a = run_scenario(lively(), seed=5).timeseries
    b = run_scenario(lively(), seed=5).timeseries
    c = run_scenario(lively(), seed=6).timeseries
    assert a.equals(b) and not a.equals(c)


def test_per_brand_columns_and_shares_only_with_two_brands_or_more():
    two = run_scenario(lively())
    assert {"owners_a", "owners_b", "adopted_total_a", "adopted_total_b"} <= set(two.timeseries.columns)
    mean = two.summary["metrics"]["mean"]
    assert mean["share_final_a"] + mean["share_final_b"] == pytest.approx(1.0)
    assert mean["share_peak_a"] == pytest.approx(1.0)  # a alone owned the market before b entered
    assert 0 < mean["share_final_b"] <= mean["share_peak_b"] <= 1
    one = run_scenario(competition(SMALL[:-1], brands={"a": {"seed_users": {"count": 5}}}))
    assert not [c for c in one.timeseries.columns if c.startswith(("owners_", "adopted_total_"))]
    assert not [k for k in one.summary["metrics"]["mean"] if k.startswith("share_")]
    assert metric_label("share_final_b") == "Final market share of b (% of owners)"
    assert brand_metric("share_peak_a").share and brand_metric("bass_p") is None


def test_a_better_brand_takes_the_larger_share_when_both_persuade_equally():
    """Same ads, same entry, no talk: a person reached by both chooses by the logit, and a reached by one
    buys with its conversion chance; a brand far better than expectation outsells one below it."""
    sc = competition(
        [
            *SMALL,
            "brands.b.entry_day=0",
            "brands.b.advertising.p_max=0.01",
            "engine.sensitivity=0.1",
            "brands.b.engine.quality=0.0",
            "engine.expectation_mean=0.5",
            "wom.q=0",
            "wom.q_cross=0",
        ]
    )
    last = run_scenario(sc).timeseries.groupby("replicate").last()
    assert (last.owners_a > 20 * last.owners_b).all(), last[["owners_a", "owners_b"]]


@pytest.mark.slow
def test_one_brand_in_a_brands_table_docks_to_bass_like_the_one_brand_model():
    """bass.toml (p = 0.03, q = 0.38), N = 10,000, 20 replicates, seed 1969, dt = 0.05, with its
    brand given as [brands.a]: mean adoption within 0.02 of Bass's closed form (the one-brand docking's
    tolerance, fixed before running)."""
    data = read_scenario_dict(BASS) | {"brands": {"a": {}}}
    sc = scenario_from_dict(data, [], base_dir=BASS.parent)
    assert isinstance(
        make_model(sc.model_copy(update={"population": sc.population.model_copy(update={"size": 10})})), BrandsModel
    )
    ts = run_scenario(sc).timeseries
    mean = ts.groupby("time").adopted_total.mean() / sc.population.size
    err = np.abs(mean.to_numpy() - theory.bass_cdf(mean.index.to_numpy(), 0.03, 0.38))
    print(f"one brand in [brands]: max |mean - Bass| = {err.max():.4f}")
    assert err.max() < 0.02 and mean.iloc[-1] > 0.95


# --- on a network -----------------------------------------------------------------------------------

#: Two brands on a small-world network, a with seed users, b with none and no ads: b can only be reached
#: by a's owners' category talk (wom.transmission_cross).
NETWORK = {
    "run": {"days": 80, "replicates": 2},
    "population": {"size": 3000, "official_accounts": 0},
    "network": {"kind": "small_world"},
    "relationship": {"participation_rate": 0.0},
    "seed_users": {"count": 10},
    "wom": {"transmission": 0.2},
    "brands": {"a": {}, "b": {"seed_users": {"count": 0}}},
}


def test_on_a_network_only_category_talk_brings_a_brand_without_seeds_or_ads_its_owners():
    last = {}
    for cross in (0.0, 0.05):
        sc = scenario_from_dict(NETWORK, [f"wom.transmission_cross={cross}"])
        ts = run_scenario(sc).timeseries
        last[cross] = ts.groupby("replicate").last()
        assert (last[cross].owners_a > 10).all()  # a's within-brand talk spreads on the network
    assert (last[0.0].owners_b == 0).all()
    assert (last[0.05].owners_b > 10).all()


def test_network_contacts_move_listeners_toward_the_senders_brand_and_cross_toward_the_others():
    """One block of three contacts from owners of brands 0, 1 and 0 (the last persuading across), read by open
    people 5, 6 and 7, and a negative block to 6 and 9 (9 not listening): the tables say who was persuaded
    toward which brand, over the people reached only."""
    from sim.model.brand_contacts import ContactList, network_contacts
    from sim.model.funnel import Contacts

    brand = np.full(10, NO_BRAND, dtype=np.int8)
    brand[[1, 2, 3]] = [0, 1, 0]
    contacts = Contacts()
    contacts.add(
        np.array([5, 6, 7]),
        1,
        False,
        np.array([True, False, False]),
        source=np.array([1, 2, 3]),
        cross=np.array([False, False, True]),
    )
    contacts.add(np.array([6, 9]), 1, True, np.array([True, True]), source=np.array([1, 3]))
    listening = np.zeros(10, dtype=bool)
    listening[[5, 6, 7, 8]] = True
    out = ContactList(3)
    network_contacts(out, listening, contacts, brand, np.array([True, True, False]))
    tables = out.tables()
    assert tables.people.tolist() == [5, 6, 7]
    assert tables.pos.tolist() == [[True, False, False], [False, False, True], [False] * 3]
    assert tables.neg.tolist() == [[False, True, False], [False] * 3, [False] * 3]
    assert tables.seen.tolist() == [[True, True, True], [False, True, True], [False] * 3]


# --- switching and leaving ([switching]) --------------------------------------------------------------

SWITCHING = [
    "switching.persuasion=0.3",
    "switching.dissatisfaction=1",
    "switching.leave=0.2",
    "engine.experience_sd=0.3",
    "engine.expectation_sd=0.2",
]


def test_reconsider_chance_follows_dissatisfaction_persuasion_and_loyalty():
    from sim.model.switching import reconsider_chance

    c = reconsider_chance(np.array([0.5, -0.2, -0.2, 0.5]), np.array([False, False, True, True]), 0.0, 2.0, 0.3, 0.0, 1)
    assert c[0] == 0 and c[1] == pytest.approx(1 - np.exp(-0.4)) and c[3] == pytest.approx(0.3)
    assert c[2] == pytest.approx(1 - np.exp(-0.4) * 0.7)
    assert reconsider_chance(-0.2, True, 0.5, 2.0, 0.3, 1.0, 1) == pytest.approx((1 - np.exp(-0.4) * 0.7) * 0.5)


def test_switching_keeps_the_books_and_moves_owners_to_the_better_brand():
    """Owners switch (each switch out of one brand is a switch into another), leave, and come back; the
    columns agree with the people; b, far better, gains from switching."""
    sc = lively(SWITCHING)
    m = make_model(sc, 4)
    p = m.people
    for _ in range(sc.run.n_steps):
        m.step()
        owners = p.brand != NO_BRAND
        ever = p.owned != 0
        assert np.array_equal(np.bincount(p.brand[owners], minlength=2), m.owners)
        assert ever.sum() == p.adopted_total and (ever | ~owners).all()
        assert np.array_equal(m.adopted_by_brand, bits(p.owned, 2).sum(axis=1))
        assert m.switched_in.sum() == m.switched_out.sum()
        assert np.isin(p.state[ever & ~owners], [Funnel.AWARE, Funnel.REJECTER]).all()  # leavers: open or gone
    df = m.datacollector.get_model_vars_dataframe()
    last = df.iloc[-1]
    assert last.switched_in_b > last.switched_in_a > 0 and last.left_a > 0
    assert last.switched_out_a == last.switched_in_b  # two brands: what a loses b gains


def test_switching_is_off_by_default_and_only_with_brands():
    sc = lively()
    assert not sc.switching.on
    assert "switched_in_a" not in run_scenario(sc).timeseries.columns
    with pytest.raises(Exception, match="switching"):
        scenario_from_dict({}, ["switching.persuasion=0.1"])


def test_a_loyal_owner_never_reconsiders():
    """loyalty 1 and every brand tie 1 (relationship.initial_brand_tie = 1): nobody switches or leaves."""
    sc = lively([*SWITCHING, "switching.loyalty=1", "relationship.initial_brand_tie=1"])
    last = run_scenario(sc).timeseries.iloc[-1]
    assert last.switched_in_a == last.switched_in_b == last.left_a == last.left_b == 0


def test_the_first_step_buys_follow_the_choice_rule():
    """One step, ads only (each brand reaches each person with chance pi = p dt), N = 100,000, sensitivity 0.2,
    qualities 0.9 and 0.7 against expectation 0.6, max conversion 0.8: the expected buyers of a are
    N pi (1 - pi) c_a + N pi^2 w_a c_a (w_a the logit weight of a when both reached the person, c the
    conversion chance); the same for b. Tolerance: 4 standard deviations of a binomial count, fixed before
    running (seed 7, keyed draws)."""
    n, p_ads, s, mean = 100_000, 0.3, 0.2, 0.6
    sc = competition(
        [
            f"population.size={n}",
            "run.dt=1",
            "run.days=2",
            "brands.b.entry_day=0",
            f"advertising.p_max={p_ads}",
            f"brands.b.advertising.p_max={p_ads}",
            "wom.q=0",
            "wom.q_cross=0",
            f"engine.sensitivity={s}",
            f"engine.expectation_mean={mean}",
            "engine.max_conversion=0.8",
            "brands.a.engine.quality=0.9",
            "brands.b.engine.quality=0.7",
        ]
    )
    m = make_model(sc, 7)
    m.step()
    pi = sc.brands["a"].advertising.p * sc.run.dt
    margin = np.array([0.9 - mean, 0.7 - mean])
    c = 0.8 / (1 + np.exp(-margin / s))
    w = np.exp(margin / s) / np.exp(margin / s).sum()
    expected = n * (pi * (1 - pi) * c + pi**2 * w * c)
    sd = np.sqrt(expected * (1 - expected / n))
    print(f"owners {m.owners.tolist()} expected {expected.round(1).tolist()} (sd {sd.round(1).tolist()})")
    assert np.all(np.abs(m.owners - expected) < 4 * sd)


# --- supply: capacity and waiting lists ([supply]) --------------------------------------------------------


class _People:
    """The two per-person arrays `Supply` changes."""

    def __init__(self, n):
        self.waiting = np.full(n, -1, dtype=np.int8)
        self.turned_from = np.zeros(n, dtype=np.uint8)


#: Owners per brand for `Supply.start_step` when nobody hands out F-codes.
NO_OWNERS = np.zeros(2, dtype=np.int64)


def _supply(capacity, give_up=0.0, f_codes=0.0):
    from types import SimpleNamespace

    from sim.config.brands import SupplyConfig
    from sim.model.supply import Supply

    brands = [
        SimpleNamespace(supply=SupplyConfig(capacity_per_day=capacity, give_up=give_up, f_codes_per_owner=f_codes)),
        SimpleNamespace(supply=SupplyConfig()),
    ]
    return Supply(brands, dt=1.0)


def test_supply_serves_the_capacity_first_come_first_served():
    from sim.model.streams import StepDraws, replicate_seed

    draws, people = StepDraws(replicate_seed(1, 0)), _People(20)
    supply = _supply(2.0)
    assert supply.start_step(people, draws, NO_OWNERS)[0][0].tolist() == []
    served, _ = supply.admit(0, np.arange(5), np.zeros(5, np.int8), people, draws)
    waiting = supply.queue[0].tolist()
    assert len(served) == 2 and len(waiting) == 3 and set(served) | set(waiting) == set(range(5))
    assert (people.waiting[waiting] == 0).all() and (people.waiting[served] == -1).all()
    first, _ = supply.start_step(people, draws, NO_OWNERS)[0]
    assert first.tolist() == waiting[:2]  # the list, in its order, before anyone new
    late, _ = supply.admit(0, np.array([10]), np.zeros(1, np.int8), people, draws)
    assert len(late) == 0 and supply.queue[0].tolist() == [waiting[2], 10]
    assert supply.admit(1, np.arange(11, 20), np.zeros(9, np.int8), people, draws)[0].tolist() == list(range(11, 20))


def test_supply_waiting_people_give_up_and_turn_from_the_brand():
    from sim.model.streams import StepDraws, replicate_seed

    draws, people = StepDraws(replicate_seed(1, 0)), _People(10)
    supply = _supply(0.0, give_up=100.0)  # nobody is ever served; everyone gives up at once
    supply.start_step(people, draws, NO_OWNERS)
    supply.admit(0, np.arange(4), np.zeros(4, np.int8), people, draws)
    assert supply.waiting(0) == 4
    assert len(supply.start_step(people, draws, NO_OWNERS)[0][0]) == 0
    assert supply.waiting(0) == 0 and (people.turned_from[:4] == 1).all() and (people.waiting == -1).all()


def test_f_code_holders_are_served_before_everyone_without_a_code():
    """Capacity 1 a day, 30 people waiting, owners handing out codes: holders stand at the front of the list,
    those with older codes ahead of newer ones, and each step the person served holds a code while anyone
    waiting does; without owners nobody gets a code and the list is served first come, first served."""
    from sim.model.streams import StepDraws, replicate_seed

    draws, people = StepDraws(replicate_seed(3, 0)), _People(40)
    supply = _supply(1.0, f_codes=0.05)
    supply.start_step(people, draws, NO_OWNERS)
    supply.admit(0, np.arange(1, 31), np.zeros(30, np.int8), people, draws)
    joined = supply.queue[0].tolist()
    owners = np.array([60, 0], dtype=np.int64)  # 60 owners x 0.05 codes a day: about 3 codes a day
    served_coded, before = 0, []
    for step in range(1, 8):
        draws.step = step
        served = supply.start_step(people, draws, owners)[0][0].tolist()  # codes go out before serving
        holders = supply.holders(0).tolist()
        assert supply.queue[0].tolist()[: len(holders)] == holders  # holders stand at the front
        still = [p for p in before if p not in served]
        assert holders[: len(still)] == still  # older codes ahead of newer ones
        new = holders[len(still) :]
        assert new == [p for p in joined if p in new]  # codes of one step: in the order people joined
        served_coded += bool(served) and (served[0] in before or not before)
        before = holders
    assert served_coded > 0
    plain = _supply(1.0, f_codes=0.05)
    plain.start_step(people, draws, NO_OWNERS)
    plain.admit(0, np.arange(1, 31), np.zeros(30, np.int8), people, draws)
    order = plain.queue[0].tolist()
    served = [plain.start_step(people, draws, NO_OWNERS)[0][0].tolist() for _ in range(5)]
    assert sum(served, []) == order[:5] and len(plain.holders(0)) == 0


def test_f_codes_shorten_the_holders_wait_in_a_run():
    """A scarce brand with owners handing out codes: by the end more of the people served held a code than the
    list's share of holders would give if codes did nothing (holders wait less); with 0 codes the run is the
    run without the key (defaults change nothing)."""
    base = ["brands.b.supply.capacity_per_day=15", "engine.rejection=0"]
    plain = run_scenario(lively(base)).timeseries
    zero = run_scenario(lively([*base, "brands.b.supply.f_codes_per_owner=0"])).timeseries
    pd.testing.assert_frame_equal(plain, zero)
    coded = run_scenario(lively([*base, "brands.b.supply.f_codes_per_owner=0.2"])).timeseries
    assert not coded.equals(plain)  # codes reorder who is served, and so who talks and when


def test_a_scarce_brand_sells_no_more_than_its_capacity_and_buyers_wait():
    """b serves 15 buyers a day (dt = 1, so at most 15 new owners a step plus one carried fraction; its 10 seed
    users, placed when it enters, are not sales)."""
    sc = lively(["brands.b.supply.capacity_per_day=15", "engine.rejection=0"])
    ts = run_scenario(sc).timeseries
    for _, one in ts.groupby("replicate"):
        gained = np.diff(one.adopted_total_b.to_numpy())
        gained[np.argmax(gained > 0)] -= sc.brands["b"].seed_users.count  # the entry step
        assert gained.max() <= 16 and (one.waiting_b > 0).any()
        assert one.waiting_a.max() == 0
    unlimited = run_scenario(lively(["engine.rejection=0"])).timeseries
    assert "waiting_b" not in unlimited.columns
    assert unlimited.groupby("replicate").owners_b.last().mean() > ts.groupby("replicate").owners_b.last().mean()


def test_in_a_growing_market_only_eligible_people_own_a_brand():
    """market.kind = "guseo_guidolin" with two brands: every owner is inside the market on the last day, and
    the market column is recorded."""
    from sim.model.market import ALWAYS

    sc = lively(['market.kind="guseo_guidolin"', "market.potential=0.4", "market.pc=0.02", "market.qc=0.2"])
    m = make_model(sc, 2)
    m.run()
    owners = np.flatnonzero(m.people.brand != NO_BRAND)
    share = m.market.share(sc.run.days)
    assert len(owners) and (m.market.rank[owners] < share).all()
    assert (m.market.rank[owners] == ALWAYS).sum() >= sc.brands["a"].seed_users.count  # seed users admitted
    assert "eligible" in m.datacollector.get_model_vars_dataframe().columns


def test_no_sender_stays_spent_while_someone_it_reaches_can_be_moved():
    """On a network with a scarce brand whose waiting buyers give up: at the end of every step, no offline
    sender marked spent reaches anyone open now. People waiting are closed only while they wait; a sender spent
    because all its readers were waiting or owners is un-spent when a waiting reader leaves the list
    (`Channel.reopen`)."""
    sc = competition(
        [
            "population.size=1500",
            "run.days=40",
            "run.dt=1",
            "run.replicates=1",
            "network.kind='small_world'",
            "network.mean_degree=6",
            "wom.transmission=0.4",
            "brands.b.supply.capacity_per_day=3",
            "brands.b.supply.give_up=0.3",
            "seed_users.count=20",
        ]
    )
    model = BrandsModel(sc, 11)
    offline = model.channels["offline"]
    checked = 0
    for _ in range(40):
        model.step()
        spent = np.flatnonzero(~offline.readable(np.arange(model.n)))
        if len(spent) == 0:
            continue
        open_now = (model.people.state <= Funnel.AWARE) & (model.people.waiting == -1)
        layer = offline.layer
        reach = np.concatenate([layer.indices[layer.indptr[s] : layer.indptr[s + 1]] for s in spent])
        assert not open_now[reach].any()
        checked += 1
    assert checked > 0

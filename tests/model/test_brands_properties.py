"""Property-based checks of a market of brands: whatever the brands (2 to 4, entry days, qualities, ads,
talk, switching, supply, prices and what the choice weighs, the relationship chain and brand-ready mechanisms
per brand, the forum, Weibo and WeChat), a short keyed run keeps its books: funnel counts add up to the
population, everyone made aware is credited to one channel once, every owner owns a brand they know and have
owned, owners per brand match the people, nobody owns a brand before it enters, people waiting are open and
not owners, every fan owns a brand, a brand counts no participation before it enters, the participations
column is every brand's, and the share metrics are shares."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from sim.config.scenario import scenario_from_dict
from sim.model.brand_contacts import bits
from sim.model.brands import NO_BRAND, make_model
from sim.model.state import Funnel
from sim.model.supply import NOT_WAITING
from sim.run.series_metrics import brand_share_metrics

PROPERTY = settings(max_examples=40, deadline=None, derandomize=True, database=None)
DAYS = 20

brand = st.fixed_dictionaries(
    {
        "entry_day": st.sampled_from([0, 0, 3, 12]),
        "engine": st.fixed_dictionaries({"quality": st.floats(0.0, 1.5), "experience_sd": st.sampled_from([0, 0.3])}),
        "advertising": st.fixed_dictionaries(
            {"p_max": st.sampled_from([0.0, 0.02, 0.2]), "spend_per_day": st.just(1e6)}
        ),
        "seed_users": st.fixed_dictionaries({"count": st.integers(0, 8)}),
        "money": st.fixed_dictionaries({"price": st.sampled_from([0.0, 50.0, 200.0])}),
        "fan_building": st.fixed_dictionaries({"enabled": st.booleans(), "super_users": st.sampled_from([0, 2])}),
        "meetups": st.fixed_dictionaries(
            {
                "enabled": st.booleans(),
                "every_days": st.just(2.0),
                "min_attendees": st.just(2),
                "max_attendees": st.just(5),
            }
        ),
        "supply": st.fixed_dictionaries(
            {
                "capacity_per_day": st.sampled_from([float("inf"), 0.0, 3.0]),
                "give_up": st.sampled_from([0.0, 0.5]),
                "scarcity_talk": st.sampled_from([0.0, 1.0]),
                "f_codes_per_owner": st.sampled_from([0.0, 0.5]),
            }
        ),
    }
)
market = st.fixed_dictionaries(
    {
        "wom": st.fixed_dictionaries(
            {"q": st.sampled_from([0.0, 0.4]), "q_cross": st.sampled_from([0.0, 0.1]), "transmission": st.just(0.3)}
        ),
        "engine": st.fixed_dictionaries(
            {
                "expectation_sd": st.sampled_from([0.0, 0.3]),
                "sensitivity": st.sampled_from([0.0, 0.2]),
                "rejection": st.sampled_from([0.0, 0.3]),
            }
        ),
        "switching": st.fixed_dictionaries(
            {
                "persuasion": st.sampled_from([0.0, 0.3]),
                "dissatisfaction": st.sampled_from([0.0, 1.0]),
                "leave": st.sampled_from([0.0, 0.5]),
            }
        ),
        "network": st.sampled_from([{"kind": "well_mixed"}, {"kind": "small_world", "mean_degree": 4}]),
        "choice": st.fixed_dictionaries(
            {
                "price_weight": st.sampled_from([0.0, 0.01]),
                "tie_bonus": st.sampled_from([0.0, 0.5]),
                "consider": st.sampled_from(["persuaded", "known"]),
            }
        ),
        "relationship": st.fixed_dictionaries(
            {
                "participation_rate": st.sampled_from([0.0, 0.5]),
                "use_brand_growth": st.sampled_from([0.0, 0.1]),
                "fan_threshold": st.sampled_from([0.2, 0.6]),
                "fan_exit": st.just(0.15),
            }
        ),
        "channels": st.sampled_from(
            [
                {},
                {"forum": {"enabled": True, "board_size": 50, "membership": 0.5}},
                {"weibo": {"enabled": True, "persistence": 2.0}},
                {"wechat": {"enabled": True}, "forum": {"enabled": True, "board_size": 50}},
            ]
        ),
    }
)


@PROPERTY
@given(brands=st.lists(brand, min_size=2, max_size=4), settings_=market, seed=st.integers(0, 3))
def test_a_market_of_brands_keeps_its_books(brands, settings_, seed):
    if settings_["network"]["kind"] != "well_mixed":
        for b in brands:
            b["supply"]["scarcity_talk"] = 0.0
    else:  # a well-mixed market has no ties to favour
        settings_["choice"]["tie_bonus"] = 0.0
    data = {
        **settings_,
        "run": {"days": DAYS},
        "population": {"size": 300, "official_accounts": 0},
        "brands": {f"b{i}": b for i, b in enumerate(brands)},
    }
    sc = scenario_from_dict(data)
    m = make_model(sc, seed)
    p, count = m.people, len(brands)
    for step in range(1, sc.run.n_steps + 1):
        m.step()
        owners = p.brand != NO_BRAND
        assert p.counts.sum() == sc.population.size
        assert np.array_equal(np.bincount(p.state, minlength=len(p.counts)), p.counts)
        assert np.array_equal(np.bincount(p.brand[owners], minlength=count), m.owners)
        column = np.flatnonzero(owners)
        assert bits(p.known, count)[p.brand[owners], column].all()
        assert bits(p.owned, count)[p.brand[owners], column].all()
        assert (p.owned != 0).sum() == p.adopted_total == int(np.count_nonzero(p.owned))
        assert np.array_equal(m.adopted_by_brand, bits(p.owned, count).sum(axis=1))
        aware = p.state != Funnel.UNAWARE  # each credited to a channel once, when made aware
        assert (p.aware_channel[aware] >= 0).all() and p.aware_by_channel.sum() == aware.sum()
        waiting = p.waiting != NOT_WAITING
        assert not (waiting & owners).any() and (p.state[waiting] <= 1).all()
        assert [m.supply.waiting(b) for b in range(count)] == np.bincount(p.waiting[waiting], minlength=count).tolist()
        assert (p.brand[p.state == Funnel.FAN] != NO_BRAND).all()
        for b, cfg in enumerate(sc.brands.values()):
            if cfg.entry_day >= step * sc.run.dt:  # not entered during this step's start
                assert m.owners[b] == 0 and not (p.known & (1 << b)).any()
                assert m.playbooks[b].participations == 0
    df = m.datacollector.get_model_vars_dataframe()
    assert df.participations.iloc[-1] == sum(playbook.participations for playbook in m.playbooks)
    df["replicate"] = 0
    shares = brand_share_metrics(df)
    finals = [shares[f"share_final_b{i}"] for i in range(count)]
    assert all(0 <= s <= shares[f"share_peak_b{i}"] <= 1 for i, s in enumerate(finals))
    assert sum(finals) == 0 or abs(sum(finals) - 1) < 1e-9

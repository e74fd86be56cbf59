"""The relationship chain in a market of brands (issue 26, part 1; docs/model.md 5.8): each brand's advocates
and fans take part through that brand's playbook, the fans they become are fans of the brand they own, and the
tie they build is the loyalty that keeps them from switching.

Statistical tests state their replicates, seed and tolerance in their docstrings; all were fixed before the
tests were first run."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.config.scenario import load_scenario
from sim.model.brands import NO_BRAND, BrandsModel
from sim.model.state import Funnel
from sim.model.streams import replicate_seed

COMPETITION = Path(__file__).resolve().parents[2] / "scenarios" / "docking" / "competition.toml"
#: Two identical brands entering together, well mixed, an imperfect product (some advocates, some quiet,
#: some detractors), seed users, the relationship chain on (participation 0.3 a day).
TWINS = [
    "population.size=3000",
    "run.days=120",
    "run.dt=1",
    "seed_users.count=20",
    "brands.b.entry_day=0",
    "brands.b.advertising.p_max=0.01",
    "engine.quality=0.6",
    "engine.expectation_mean=0.5",
    "engine.expectation_sd=0.3",
    "engine.sensitivity=0.2",
    "engine.max_conversion=0.8",
    "engine.experience_sd=0.3",
    "engine.detractor_margin=-0.2",
    "relationship.participation_rate=0.3",
]
#: Owners reconsider when a rival persuades them, held back by their brand tie (loyalty 1).
SWITCHING = ["switching.persuasion=0.3", "switching.loyalty=1", "wom.q_cross=0.1"]


def market(overrides=()):
    return load_scenario(COMPETITION, [*TWINS, *overrides])


def run(sc, seed: int, replicate: int) -> BrandsModel:
    model = BrandsModel(sc, replicate_seed(seed, replicate))
    model.run()
    return model


def fans_of(model: BrandsModel) -> np.ndarray:
    """Fans of each brand (fans own the brand they are fans of)."""
    p = model.people
    return np.bincount(p.brand[p.state == Funnel.FAN], minlength=model.count)


def test_the_chain_runs_in_a_market_of_brands_and_its_fans_own_their_brand():
    """With the chain on, both brands make fans, every fan owns a brand, and each brand's playbook counts
    participations only from the day it has owners (b entering on day 60 counts none before)."""
    sc = market(["brands.b.entry_day=60"])
    model = BrandsModel(sc, 11)
    p = model.people
    for step in range(1, sc.run.n_steps + 1):
        model.step()
        assert (p.brand[p.state == Funnel.FAN] != NO_BRAND).all()
        if step * sc.run.dt <= 60:
            assert model.playbooks[1].participations == 0
    assert (fans_of(model) > 0).all()
    assert model.playbooks[0].participations > 0 and model.playbooks[1].participations > 0
    df = model.datacollector.get_model_vars_dataframe()
    assert df.participations.iloc[-1] == sum(pb.participations for pb in model.playbooks)
    assert df.fans.iloc[-1] == fans_of(model).sum()
    assert (df.fans_a + df.fans_b == df.fans).all() and df.fans_a.iloc[-1] == fans_of(model)[0]


def test_without_participation_a_market_of_brands_makes_no_fans():
    """The chain off (participation 0, no use growth, nothing building ties): nobody becomes a fan, and the
    series has no per-brand fan columns (the outputs of such a market are as before)."""
    model = run(market(["relationship.participation_rate=0"]), 5, 0)
    assert fans_of(model).sum() == 0 and all(pb.participations == 0 for pb in model.playbooks)
    assert "fans_a" not in model.datacollector.get_model_vars_dataframe()  # no per-brand fans without a chain


@pytest.mark.slow
def test_two_identical_brands_with_the_chain_on_split_evenly():
    """Seed 2026, 10 replicates, 3,000 people, 120 days: the mean final share of a among owners and a's mean
    share of the fans are within 0.05 of 1/2 (tolerance fixed before running)."""
    sc = market()
    shares, fan_shares = [], []
    for r in range(10):
        model = run(sc, 2026, r)
        shares.append(model.owners[0] / model.owners.sum())
        fans = fans_of(model)
        fan_shares.append(fans[0] / fans.sum())
    assert abs(np.mean(shares) - 0.5) <= 0.05, shares
    assert abs(np.mean(fan_shares) - 0.5) <= 0.05, fan_shares


@pytest.mark.slow
def test_the_chain_makes_fans_and_keeps_owners_from_switching():
    """Switching on (a rival's persuasion makes an owner reconsider, held back by loyalty x brand tie). Seed
    2027, 4 replicates with the same draws in both arms: with the chain on, every replicate has more fans of
    each brand and fewer switches out of each brand than with it off (directions fixed before running)."""
    for r in range(4):
        on = run(market(SWITCHING), 2027, r)
        off = run(market([*SWITCHING, "relationship.participation_rate=0"]), 2027, r)
        assert (fans_of(on) > fans_of(off)).all()
        assert (on.switched_out < off.switched_out).all(), (on.switched_out, off.switched_out)


def test_use_brand_growth_builds_ties_to_the_brand_owned():
    """relationship.use_brand_growth, market-wide: satisfied use alone makes fans of each brand (its advocates'
    ties to the brand they own grow every day), with participation off."""
    model = run(market(["relationship.participation_rate=0", "relationship.use_brand_growth=0.05"]), 7, 0)
    assert (fans_of(model) > 0).all()
    assert all(pb.participations == 0 for pb in model.playbooks)


def test_a_new_owner_starts_at_the_initial_brand_tie():
    """A buyer's brand tie is the tie to the brand just bought: what a leaver built with a brand before does not
    carry over (the switching rule resets it the same way)."""
    sc = market()
    model = BrandsModel(sc, 3)
    p = model.people
    leaver = np.flatnonzero(p.state == Funnel.UNAWARE)[:5]
    p.set_brand_tie(leaver, np.full(5, 0.9), 0.0)  # as if they had been fans of a brand and left
    model.adopt_brand(1, leaver, np.zeros(5, dtype=np.int8), 1, 0.0)
    assert np.allclose(p.brand_tie_now(leaver, sc.run.dt), sc.relationship.initial_brand_tie)
    assert (p.brand[leaver] == 1).all()


def test_people_a_brands_action_makes_buy_now_own_that_brand(monkeypatch):
    """A brand's end-of-step action may return people who buy now (as purchase codes do for one brand): the
    open ones become owners of that brand, an owner of another brand among them is left alone. No ads and no
    talk, so nobody else is reached."""
    quiet = ["advertising.p_max=0", "brands.b.advertising.p_max=0", "wom.q=0", "wom.q_cross=0"]
    model = BrandsModel(market(quiet), 2)
    p = model.people
    open_people = np.flatnonzero(p.state == Funnel.UNAWARE)[:3]
    owner = np.flatnonzero(p.brand == 0)[:1]
    who = np.concatenate([open_people, owner])
    monkeypatch.setattr(model.playbooks[1], "end_of_step", lambda view, step, day: (who, np.zeros(len(who), np.int8)))
    owners = model.owners.copy()
    model.step()
    assert (p.brand[open_people] == 1).all() and p.brand[owner[0]] == 0
    assert model.owners.tolist() == [owners[0], owners[1] + 3]


@pytest.mark.slow
def test_a_brands_fan_building_keeps_its_own_owners():
    """Switching on as above, brand a alone runs fan building (its defaults). Seed 2029, 4 replicates paired with
    the same runs without it: in every replicate a has more fans than b, and a smaller share of the people who
    ever owned a switched out of it than without fan building (directions fixed before running).

    Also stated before running, and false: "a smaller share switched out of a than of b's out of b in every
    replicate". It held in 3 of 4 replicates (a 0.466-0.500, b 0.475-0.498; replicate 1 equal at 0.475): against
    the market-wide chain at 0.3 a day, which already makes 840-990 fans per brand, a's fan building adds only
    87-110 fans (about 10%), and the unpaired comparison with b is within the noise. Kept here as measured, not
    asserted."""
    for r in range(4):
        on = run(market([*SWITCHING, "brands.a.fan_building.enabled=true"]), 2029, r)
        off = run(market(SWITCHING), 2029, r)
        out_on, out_off = on.switched_out / on.adopted_by_brand, off.switched_out / off.adopted_by_brand
        fans = fans_of(on)
        assert fans[0] > fans[1], fans
        assert out_on[0] < out_off[0], (out_on, out_off)


# --- fans screen out outside information (switching.fan_screening; issue 27, seed S75) ----------------------


def test_a_fan_who_screens_everything_out_is_not_moved_by_a_rivals_message():
    """Every owner of a is persuaded by the rival in one step (persuasion 1, no dissatisfaction, no loyalty): with
    fan_screening = 1 no fan reconsiders, while every other owner does (chance 1) and some of them choose b; with
    0 some fans move too."""
    from sim.model.brand_contacts import BrandContacts
    from sim.model.switching import reconsider

    def owners_left_after(screening: float) -> tuple[np.ndarray, np.ndarray]:
        sc = market(
            [*SWITCHING, "switching.persuasion=1", "switching.loyalty=0", f"switching.fan_screening={screening}"]
        )
        model = BrandsModel(sc, replicate_seed(75, 0))
        model.run(60)
        p = model.people
        owners = np.flatnonzero(p.brand == 0)
        fans = p.state[owners] == Funnel.FAN
        assert fans.any() and (~fans).any()  # the set-up has both (participation 0.3 a day for 60 days)
        k = len(owners)
        rival = np.zeros((2, k), dtype=bool)
        rival[1] = True  # brand b persuaded every owner of a
        seen = rival.copy()
        reconsider(
            model, owners, BrandContacts(owners, rival, np.zeros((2, k), bool), np.zeros((2, k), bool), seen), 61, 60.0
        )
        return owners, fans, p.brand[owners]

    owners, fans, brand = owners_left_after(1.0)
    assert (brand[fans] == 0).all()  # no fan moved
    assert (brand[~fans] == 1).any()  # the others reconsider, and those the logit sends to the rival switch
    _, fans0, brand0 = owners_left_after(0.0)
    assert (brand0[fans0] == 1).any()  # unscreened fans are moved like anyone

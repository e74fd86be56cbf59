"""Market segments (issue 27, seed S85: from the enthusiasts to the mass market, Moore's chasm): enthusiasts
expect less and talk more; the mass market expects more and doubts the product until enough of it adopted."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.config.scenario import load_scenario
from sim.model import rules
from sim.model.model import WomModel
from sim.model.streams import replicate_seeds
from sim.playbook.segments import ENTHUSIAST, MASS
from sim.run.runner import run_replicate
from tests.playbook.test_contract import BASE

ON = [*BASE, "segments.enabled=true"]
SEED = 85


def test_the_doubt_falls_linearly_to_zero_at_the_proof_share():
    assert rules.segment_doubt(0.4, 0.0, 0.1) == pytest.approx(0.4)
    assert rules.segment_doubt(0.4, 0.05, 0.1) == pytest.approx(0.2)
    assert rules.segment_doubt(0.4, 0.1, 0.1) == 0.0
    assert rules.segment_doubt(0.4, 0.5, 0.1) == 0.0


def test_segments_are_drawn_seeds_are_enthusiasts_and_expectations_are_shifted():
    plain = WomModel(load_scenario(None, BASE), SEED)
    m = WomModel(load_scenario(None, [*ON, "segments.enthusiast_share=0.2"]), SEED)
    seg = m.people.segment
    seeds = np.flatnonzero(m.people.kind != 0)
    assert (seg[seeds] == ENTHUSIAST).all()
    public = np.flatnonzero(m.people.kind == 0)
    assert 0.13 < np.mean(seg[public] == ENTHUSIAST) < 0.27  # 0.2 of about 570 people: +-0.07 is 4 sd
    shift = np.where(seg == ENTHUSIAST, -0.1, 0.1)
    np.testing.assert_allclose(m.people.expectation, plain.people.expectation + shift)
    assert list(m.playbook.mechanism("segments").adopted) == [0, len(seeds)]


def test_the_mass_market_doubts_at_a_decision_and_enthusiasts_do_not():
    m = WomModel(load_scenario(None, ON), SEED)
    segments = m.playbook.mechanism("segments")
    people = np.arange(m.n)
    discount = segments.expectation_discount(m.view, people, 0.0)
    np.testing.assert_allclose(discount[m.people.segment == MASS], -0.2)  # no mass adopter yet
    assert (discount[m.people.segment == ENTHUSIAST] == 0.0).all()


def test_talk_is_scaled_per_segment():
    m = WomModel(load_scenario(None, [*ON, "segments.enthusiast_talk=3", "segments.mass_talk=0.5"]), SEED)
    factors = m.playbook.mechanism("segments").talk_multiplier(m.view, np.arange(m.n), 0.0)
    np.testing.assert_array_equal(factors, np.where(m.people.segment == ENTHUSIAST, 3.0, 0.5))


def test_enthusiasts_take_part_more():
    m = WomModel(load_scenario(None, [*ON, "segments.enthusiast_participation=3"]), SEED)
    factors = m.playbook.mechanism("segments").participation_multiplier(np.arange(m.n))
    np.testing.assert_array_equal(factors, np.where(m.people.segment == ENTHUSIAST, 3.0, 1.0))
    assert m.playbook.participation_multiplier(np.arange(m.n)).max() >= 3.0


def test_the_columns_count_each_segments_adopters():
    frame = run_replicate(load_scenario(None, ON), replicate_seeds(SEED, 1)[0], 0)
    assert (frame.enthusiasts_adopted + frame.mass_adopted == frame.adopted_total).all()
    assert frame.mass_adopted.iloc[-1] > 0


def test_the_enthusiasts_lead_and_doubt_delays_the_mass_market():
    """With doubt, the mass market's adopted share trails the enthusiasts' more on day 30 than without."""

    def shares(extra):
        sc = load_scenario(None, [*ON, "run.days=60", *extra])
        fr = [run_replicate(sc, s, r) for r, s in enumerate(replicate_seeds(SEED, 3))]
        m = WomModel(sc, SEED).playbook.mechanism("segments")
        mass, enth = m.size[MASS], m.size[ENTHUSIAST]
        return (
            np.mean([f.mass_adopted.iloc[15] for f in fr]) / mass,
            np.mean([f.enthusiasts_adopted.iloc[15] for f in fr]) / enth,
        )

    mass_doubt, enth_doubt = shares(["segments.mass_doubt=0.5"])
    mass_free, _ = shares(["segments.mass_doubt=0"])
    assert mass_doubt < enth_doubt and mass_doubt < mass_free


def test_with_equal_segments_nothing_moves():
    off = run_replicate(load_scenario(None, BASE), replicate_seeds(SEED, 1)[0], 0)
    neutral = [
        "segments.enthusiast_expectation=0",
        "segments.mass_expectation=0",
        "segments.enthusiast_talk=1",
        "segments.mass_doubt=0",
    ]
    on = run_replicate(load_scenario(None, [*ON, *neutral]), replicate_seeds(SEED, 1)[0], 0)
    pd.testing.assert_frame_equal(on.drop(columns=["enthusiasts_adopted", "mass_adopted"]), off, check_exact=True)

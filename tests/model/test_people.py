"""People (sim.model.people): declared states are allocated, the counts follow every change, and the
brand tie is read for the day asked."""

from __future__ import annotations

import numpy as np
import pytest

from sim.config.scenario import load_scenario
from sim.model.people import CORE_STATES, People, State
from sim.model.state import CHANNEL, CHANNELS, QUIET, Funnel
from sim.model.streams import StepDraws

SMALL = [
    "population.size=50",
    "seed_users.count=2",
    "population.employees=1",
    "relationship.initial_brand_tie=0.2",
    "relationship.brand_decay=0.1",
]


def people(states=CORE_STATES) -> People:
    return People(load_scenario(None, SMALL), StepDraws(np.random.SeedSequence(0)), states)


def test_declared_states_are_allocated_with_their_start():
    """The core states and one declared by another part (a scenario-dependent start) are arrays of n."""
    extra = State("loyal", np.float64, lambda sc: sc.relationship.initial_brand_tie * 2)
    p = people(CORE_STATES + (extra,))
    assert p.state.dtype == np.int8 and (p.state == Funnel.UNAWARE).all() and (p.valence == QUIET).all()
    assert p.loyal.shape == (50,) and np.allclose(p.loyal, 0.4) and np.allclose(p.brand_tie, 0.2)
    assert p.counts.tolist() == [50, 0, 0, 0, 0, 0] and p.expectation.shape == (50,) and p.city.shape == (50,)


@pytest.mark.parametrize("name", ["state", "counts", "set_state"])
def test_a_name_declared_twice_is_refused(name):
    with pytest.raises(ValueError, match=name):
        people(CORE_STATES + (State(name, np.int8, 0),))


def test_counts_follow_the_funnel_and_the_channels():
    """Awareness, adoption and other moves keep the counts equal to a recount of the arrays."""
    p = people()
    p.place_initial_users(np.array([3]), np.array([1, 7]))
    p.become_aware(np.array([10, 11, 12]), np.array([CHANNEL["forum"]] * 3, dtype=np.int8))
    p.adopt(np.array([10, 11]), np.array([1, -1], dtype=np.int8), CHANNEL["forum"], 2.0)
    p.set_state(np.array([12]), np.array([Funnel.REJECTER], dtype=np.int8))
    assert p.counts.tolist() == np.bincount(p.state, minlength=len(Funnel)).tolist()
    assert p.counts[Funnel.DETRACTOR] == 1 and p.adopted_total == 5
    assert (
        p.aware_by_channel.tolist()
        == np.bincount(p.aware_channel[p.aware_channel >= 0], minlength=len(CHANNELS)).tolist()
    )
    assert (
        p.adopt_by_channel.tolist()
        == np.bincount(p.adopt_channel[p.adopt_channel >= 0], minlength=len(CHANNELS)).tolist()
    )
    assert p.adopter_indices().tolist() == [1, 3, 7, 10] and p.adopt_day[10] == 2.0


def test_the_brand_tie_is_read_for_the_day_asked():
    """A tie set on day 5 reads as set on day 5 and relaxes toward the initial tie afterwards."""
    p = people()
    who = np.array([4])
    p.set_brand_tie(who, np.array([0.9]), 5.0)
    assert p.brand_tie_now(who, 5.0)[0] == pytest.approx(0.9)
    later = p.brand_tie_now(who, 15.0)[0]
    assert 0.2 < later < 0.9 and later == pytest.approx(0.2 + 0.7 * np.exp(-0.1 * 10))


def test_a_changed_valence_moves_the_state_and_the_counts():
    """A detractor won back (complaints) becomes an adopter, advocating or quiet; the counts follow."""
    p = people()
    p.become_aware(np.array([10, 11]), np.array([CHANNEL["forum"]] * 2, dtype=np.int8))
    p.adopt(np.array([10, 11]), np.array([-1, -1], dtype=np.int8), CHANNEL["forum"], 2.0)
    assert p.counts[Funnel.DETRACTOR] == 2
    p.change_valence(np.array([10, 11]), np.array([1, 0], dtype=np.int8))
    assert p.counts[Funnel.DETRACTOR] == 0 and p.counts[Funnel.ADOPTER] == 2
    assert p.valence[[10, 11]].tolist() == [1, 0] and p.adopted_total == 2
    assert p.counts.tolist() == np.bincount(p.state, minlength=len(Funnel)).tolist()

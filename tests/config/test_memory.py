"""The up-front memory estimate (sim.config.memory)."""

from __future__ import annotations

import pytest

from sim.config import memory
from sim.config.errors import InputError
from sim.config.scenario import load_scenario

#: Measured peak RSS (bytes) of `wom run` in the estimate's calibration; the estimate must bound each from above
#: by at most 60% (an estimate far above the measurement would refuse runs that fit).
MEASURED = [
    (["population.size=100000"], 341_073_920),
    (["population.size=1000000"], 732_897_280),
    (["population.size=1000000", "channels.weibo.enabled=false"], 530_235_392),
    (["population.size=20000", 'run.backend="agents"'], 324_939_776),
]


@pytest.mark.parametrize(("overrides", "measured"), MEASURED)
def test_estimate_bounds_the_measured_peak(overrides, measured):
    estimate = memory.estimate_bytes(load_scenario("default", overrides))
    assert measured <= estimate <= 1.6 * measured


def test_estimate_grows_with_replicates_held_at_once_and_ties():
    sc = load_scenario("default", ["population.size=100000"])
    assert memory.estimate_bytes(sc, 2) == 2 * memory.estimate_bytes(sc, 1)
    dense = load_scenario("default", ["population.size=100000", "network.mean_degree=80"])
    assert memory.estimate_bytes(dense) > memory.estimate_bytes(sc)


def test_a_run_larger_than_the_machine_is_refused_with_the_estimate(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: 24_000_000_000)
    big = load_scenario("default", ["population.size=50000000"])
    with pytest.raises(InputError) as err:
        memory.check_memory(big, 1, "default.toml")
    msg = str(err.value)
    assert "default.toml: too large for this machine" in msg and "GB" in msg and "available 24.0 GB" in msg
    small = load_scenario("default", ["population.size=1000"])
    assert memory.check_memory(small) == memory.estimate_bytes(small)


def test_unknown_available_memory_refuses_nothing(monkeypatch):
    monkeypatch.setattr(memory, "available_bytes", lambda: None)
    memory.check_memory(load_scenario("default", ["population.size=50000000"]))


def test_available_memory_is_read_on_linux():
    have = memory.available_bytes()
    assert have is None or have > 0


def test_a_market_of_brands_adds_its_per_person_bytes():
    from sim.config.memory import BYTES_PER_PERSON_BRAND, BYTES_PER_PERSON_BRANDS, SAFETY, estimate_bytes
    from sim.config.scenario import scenario_from_dict

    base = {"network": {"kind": "well_mixed"}, "relationship": {"participation_rate": 0.0}}
    one = scenario_from_dict(base)
    three = scenario_from_dict({**base, "brands": {"a": {}, "b": {}, "c": {}}})
    extra = one.population.size * (BYTES_PER_PERSON_BRANDS + 3 * BYTES_PER_PERSON_BRAND) * SAFETY
    assert estimate_bytes(three) - estimate_bytes(one) == pytest.approx(extra, abs=2)

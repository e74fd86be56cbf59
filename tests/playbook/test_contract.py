"""The contract every playbook mechanism keeps (issue 10), checked over the whole registry.

The same contract holds for the core switches (sim.playbook.core.CORE_SWITCHES: core parameters whose zero
switches a behaviour off), each with its own settings (SWITCH_SETTINGS) and SWITCH_REPLICATES replicates.

For each registered mechanism, on one small scenario chosen before looking at any result:
- switched off (its section present with its `example_settings` but enabled = false) it changes nothing:
  the time series is identical to the scenario without the section;
- the same seed gives the same result;
- switched on with its `example_settings`, it moves the outcome it documents (`Mechanism.effect`) in the
  documented direction:
  the mean over REPLICATES replicates (common seeds) of the column's final value.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.config.scenario import load_scenario
from sim.config.schema import Scenario
from sim.config.section import MechanismSection
from sim.model.streams import replicate_seeds
from sim.playbook.base import FACTORS, LOWERS, RAISES, Mechanism
from sim.playbook.registry import CORE_SWITCHES, MECHANISMS, factor_sections, switch_factor
from sim.run.runner import run_replicate

SEED = 20261130
REPLICATES = 4
#: A small population over two months, with the forum (30% members) and Weibo on, some employees.
BASE = [
    "population.size=600",
    "population.employees=10",
    "seed_users.count=20",
    "run.days=60",
    "channels.forum.enabled=true",
    "channels.forum.membership=0.3",
    "channels.weibo.enabled=true",
]


def scenario(extra: list[str]) -> Scenario:
    return load_scenario(None, BASE + extra)


def switched(mechanism: type[Mechanism], on: bool) -> Scenario:
    return scenario([f"{mechanism.section}.enabled={'true' if on else 'false'}", *mechanism.example_settings])


def series(sc: Scenario, replicates: int = 1) -> list[pd.DataFrame]:
    return [run_replicate(sc, seq, r) for r, seq in enumerate(replicate_seeds(SEED, replicates))]


def final_mean(frames: list[pd.DataFrame], column: str) -> float:
    return float(np.mean([f[column].iloc[-1] for f in frames]))


@pytest.fixture(scope="module")
def baseline() -> list[pd.DataFrame]:
    return series(scenario([]), REPLICATES)


def test_every_mechanism_section_has_one_mechanism_with_a_factor_and_an_effect():
    sections = [m.section for m in MECHANISMS]
    declared = [
        name
        for name, field in Scenario.model_fields.items()
        if isinstance(field.annotation, type) and issubclass(field.annotation, MechanismSection)
    ]
    assert sorted(sections) == sorted(declared) and len(set(sections)) == len(sections)
    for m in MECHANISMS:
        assert m.factor in FACTORS and m.effect is not None and m.effect.direction in (RAISES, LOWERS)


@pytest.mark.parametrize("mechanism", MECHANISMS, ids=lambda m: m.section)
def test_switched_off_changes_nothing(mechanism, baseline):
    off = series(switched(mechanism, False))[0]
    pd.testing.assert_frame_equal(off, baseline[0], check_exact=True)


@pytest.mark.parametrize("mechanism", MECHANISMS, ids=lambda m: m.section)
def test_same_seed_same_result(mechanism):
    on = switched(mechanism, True)
    pd.testing.assert_frame_equal(series(on)[0], series(on)[0], check_exact=True)


@pytest.mark.parametrize("mechanism", MECHANISMS, ids=lambda m: m.section)
def test_switched_on_moves_its_documented_outcome(mechanism, baseline):
    effect = mechanism.effect
    on = final_mean(series(switched(mechanism, True), REPLICATES), effect.column)
    off = final_mean(baseline, effect.column)
    assert np.sign(on - off) == effect.direction, f"{mechanism.section}: {effect.why} (on {on}, off {off})"


#: Settings under which each core switch has something to act on (chosen before looking at results):
#: a product short of most expectations (assurance narrows a shortfall); for fans answering back, a
#: quarter of the population fans from the start, every disappointed buyer complaining and no rejection
#: after a failed evaluation (so people turn away only because of complaints).
SWITCH_SETTINGS = {
    "relationship.tie_assurance": ["engine.quality=0.45"],
    "relationship.answer_back": [
        "engine.quality=0.45",
        "population.employees=150",
        "engine.rejection=0",
        "engine.detractor_margin=0",
    ],
}
SWITCH_REPLICATES = 8


def test_every_core_switch_has_a_setting_and_counts_in_a_factor():
    assert set(SWITCH_SETTINGS) == {s.key for s in CORE_SWITCHES}
    for s in CORE_SWITCHES:
        assert s.key.split(".")[0] in factor_sections()[switch_factor(s.key)]
        assert s.effect.direction in (RAISES, LOWERS)


@pytest.mark.parametrize("switch", CORE_SWITCHES, ids=lambda s: s.key)
def test_core_switch_at_zero_changes_nothing(switch):
    settings = SWITCH_SETTINGS[switch.key]
    zero = series(scenario([*settings, f"{switch.key}=0"]))[0]
    pd.testing.assert_frame_equal(zero, series(scenario(settings))[0], check_exact=True)


@pytest.mark.parametrize("switch", CORE_SWITCHES, ids=lambda s: s.key)
def test_core_switch_on_moves_its_documented_outcome(switch):
    settings = SWITCH_SETTINGS[switch.key]
    effect = switch.effect
    on = final_mean(series(scenario([*settings, f"{switch.key}={switch.on}"]), SWITCH_REPLICATES), effect.column)
    off = final_mean(series(scenario(settings), SWITCH_REPLICATES), effect.column)
    assert np.sign(on - off) == effect.direction, f"{switch.key}: {effect.why} (on {on}, off {off})"

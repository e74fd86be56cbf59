"""Keyed draws in the model (issue 25: every number keyed by what it decides): what they promise, checked on whole runs.

- The per-agent (Mesa) backend and the vector backend draw the same numbers for the same decisions, so
  their time series are byte-identical: on the docking scenarios at the sizes below (fast), and on every
  shipped scenario at 3,000 people over 40 days (slow).
- Results do not depend on how an edge channel cuts its senders into chunks (97 out-ties against 2^20).
- Nor on reading the receivers in parts (2 or 3 ranges of person ids against one).
- Posts nobody can read are drawn only when a mechanism asks who posted, and then give what drawing them all
  would have given.
- Two scenarios that differ only in strategy give the same person the same numbers (paired comparisons):
  with more advertising, everyone made aware on the first step by less advertising is made aware too.
These are exact properties of the draws (no tolerance, no replicates): each holds bit for bit or fails.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from sim.config.scenario import load_scenario
from sim.model import backends, edge_channel, rules
from sim.model.model import WomModel
from sim.model.state import Funnel
from sim.model.streams import Purpose

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"
#: Shipped scenarios of one brand (a market of brands runs on the vector backend only: tests/model/test_brands.py).
SHIPPED = sorted(
    str(p.relative_to(SCENARIOS).with_suffix("")) for p in SCENARIOS.rglob("*.toml") if "[brands." not in p.read_text()
)
DOCKING = [s for s in SHIPPED if s.startswith("docking/")]
SEED = 11


def records(name: str, *overrides: str, seed: int = SEED) -> list[dict]:
    """The recorded rows of one replicate of a shipped scenario."""
    return WomModel(load_scenario(SCENARIOS / f"{name}.toml", list(overrides)), seed).run()


def backends_agree(name: str, *overrides: str) -> None:
    vector = records(name, "run.backend=vector", *overrides)
    agents = records(name, "run.backend=agents", *overrides)
    assert vector == agents
    assert vector[-1]["unaware"] < vector[0]["unaware"]  # something happened: word of mouth reached people


@pytest.mark.parametrize("name", DOCKING)
def test_backends_agree_on_the_docking_scenarios(name):
    backends_agree(name, "population.size=400", "run.days=30")


@pytest.mark.slow
@pytest.mark.parametrize("name", [s for s in SHIPPED if s not in DOCKING])
def test_backends_agree_on_every_playbook_scenario(name):
    backends_agree(name, "population.size=3000", "run.days=40")


def test_chunk_size_does_not_change_results(monkeypatch):
    """Edge channels' senders in chunks of 97 out-ties give the run of chunks of 2^20."""
    whole = records("default", "population.size=2000", "run.days=60")
    monkeypatch.setattr(edge_channel, "CHUNK_CONTACTS", 97)
    assert records("default", "population.size=2000", "run.days=60") == whole


def test_the_same_people_get_the_same_numbers_in_two_scenarios():
    """Paired runs: with advertising reaching more people per day and nothing else changed, the people made
    aware on step 1 by the weaker advertising are all made aware by the stronger one (each person's field draw
    is the same number in both; a sequential stream would give them different numbers)."""
    aware = []
    for p_max in (0.02, 0.08):
        scenario = load_scenario(
            SCENARIOS / "docking" / "bass.toml",
            ["population.size=5000", "run.days=5", f"advertising.p_max={p_max}", "wom.q=0"],
        )
        model = WomModel(scenario, SEED)
        model.step()
        aware.append(set(np.flatnonzero(model.people.state != Funnel.UNAWARE).tolist()))
    weak, strong = aware
    assert weak and weak < strong


def test_runs_repeat_and_differ_between_seeds():
    first = records("default", "population.size=2000", "run.days=30")
    assert records("default", "population.size=2000", "run.days=30") == first
    assert records("default", "population.size=2000", "run.days=30", seed=SEED + 1) != first


@pytest.mark.parametrize("parts", [2, 3])
@pytest.mark.parametrize("name", ["default", "playbook/miui", "playbook/ads_first", "docking/threshold"])
def test_receivers_in_parts_do_not_change_results(monkeypatch, name, parts):
    """Receivers read in 2 or 3 separate parts (contiguous ranges of person ids; every channel, the official
    posts and the fields read for one part at a time) give the run of one part: each read is keyed by what it
    decides, whichever part it is made in. The groundwork of a population split across workers."""
    sets = ("population.size=2000", "run.days=60")
    whole = records(name, *sets)
    monkeypatch.setattr(backends, "RECEIVER_PARTS", parts)
    assert backends.receiver_parts(2000, parts)[-1].stop == 2000  # the parts are real: more than one range
    assert records(name, *sets) == whole


def test_posts_nobody_can_read_are_drawn_when_asked_for():
    """Work follows use: on a saturated network, posts that nobody a contact can move would read are not drawn
    when posting, yet `posted_now` (who posted this step, for a mechanism answering them) gives exactly the
    people whose keyed post number is below their chance, as drawing every post would."""
    model = WomModel(load_scenario(SCENARIOS / "default.toml", ["population.size=2000", "run.days=200"]), SEED)
    model.run(150)
    model.step()
    step, checked = model.step_index, 0
    pool = model.talk.members
    weights = model.talk_weights(pool, step, (step - 1) * model.dt)
    for ch in model.channels.values():
        on = ch.can_post(pool)
        unreadable = on & ~ch.readable(pool)
        chance = rules.post_probability(weights, ch.cfg.speed, model.dt)
        expected = np.sort(pool[on & (model.draws.uniform(Purpose.POST, pool, ch.code) < chance)])
        assert np.array_equal(ch.posted_now(step), expected), ch.name
        checked += int(unreadable.sum())
    assert checked > 0  # some posts were left undrawn: the lazy path was taken

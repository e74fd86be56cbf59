"""Iron-triangle attribution: Shapley values (efficiency, a known answer), combinations, the command."""

import itertools
import json
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from typer.testing import CliRunner

from sim.cli.research import register
from sim.config.errors import ScenarioError
from sim.config.scenario import load_scenario
from sim.research.attribution.method import (
    FACTOR_SECTIONS,
    FACTORS,
    MILESTONE,
    all_combinations,
    combo_scenario,
    run,
    shapley_values,
    write_outputs,
)
from sim.research.options import ResearchOptions
from sim.viz.research_charts import draw_attribution

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "scenarios" / "default.toml"

app = typer.Typer()
register(app)
cli = CliRunner()

# A value function with main effects and one interaction: v(S) = 0.1 + 0.2 e + 0.1 a + 0.05 r + 0.1 e a.
# Each player gets its main effect plus half of every pairwise interaction it is part of.
MAIN = {"engine": 0.2, "accelerator": 0.1, "relationship_chain": 0.05}
INTERACTION = 0.1
INTERCEPT = 0.1
KNOWN_SHAPLEY = {"engine": 0.25, "accelerator": 0.15, "relationship_chain": 0.05}


def known_value(on: frozenset) -> float:
    return INTERCEPT + sum(MAIN[f] for f in on) + INTERACTION * ({"engine", "accelerator"} <= on)


def test_shapley_known_answer_and_efficiency():
    phi = shapley_values(FACTORS, known_value)
    assert phi == pytest.approx(KNOWN_SHAPLEY)
    assert sum(phi.values()) == pytest.approx(known_value(frozenset(FACTORS)) - known_value(frozenset()))


def test_shapley_efficiency_and_symmetry_on_random_games():
    rng = np.random.default_rng(0)
    players = ("a", "b", "c", "d")
    for _ in range(20):
        table = {frozenset(c): rng.normal() for k in range(5) for c in itertools.combinations(players, k)}
        phi = shapley_values(players, table.__getitem__)
        assert sum(phi.values()) == pytest.approx(table[frozenset(players)] - table[frozenset()])
    # Two players that always add the same get the same value.
    symmetric = shapley_values(("x", "y"), lambda s: 2.0 * len(s))
    assert symmetric["x"] == symmetric["y"] == pytest.approx(2.0)


def test_combinations_take_factor_sections_from_the_right_side():
    scenario = load_scenario(DEFAULT)
    baseline = load_scenario(
        DEFAULT,
        ["engine.quality=0.4", "channels.weibo.enabled=false", "relationship.growth=0.0", "population.size=5000"],
    )
    combo = combo_scenario(scenario, baseline, frozenset({"engine"}))
    assert combo.engine.quality == scenario.engine.quality  # on: from the scenario
    assert combo.channels.weibo.enabled is False and combo.relationship.growth == 0.0  # off: baseline
    assert combo.population.size == scenario.population.size  # context: the scenario
    assert len(all_combinations()) == 2 ** len(FACTOR_SECTIONS)


def fake_runner(scenario, seed_seq, replicate):
    """A linear adoption ramp whose final share is `known_value` of the factors that are on, plus the
    same seed noise in every combination (common random numbers). On = the scenario's values below."""
    on = frozenset(
        f
        for f, is_on in (
            ("engine", scenario.engine.quality == 0.9),
            ("accelerator", scenario.channels.weibo.enabled),
            ("relationship_chain", scenario.relationship.growth > 0),
        )
        if is_on
    )
    noise = np.random.default_rng(seed_seq).normal(0, 0.01)
    final = known_value(on) + noise
    time = np.arange(scenario.run.days + 1.0)
    return pd.DataFrame(
        {
            "step": time.astype(int),
            "time": time,
            "adopted_total": final * scenario.population.size * time / scenario.run.days,
        }
    )


def test_attribute_with_a_known_answer(tmp_path):
    days, population = 100, 1000
    scenario = load_scenario(
        DEFAULT,
        [
            "engine.quality=0.9",
            "channels.weibo.enabled=true",
            "relationship.growth=0.1",
            f"run.days={days}",
            f"population.size={population}",
        ],
    )
    baseline = load_scenario(
        DEFAULT,
        [
            "engine.quality=0.5",
            "channels.weibo.enabled=false",
            "relationship.growth=0.0",
            f"run.days={days}",
            f"population.size={population}",
        ],
    )
    result = run(scenario, baseline, ResearchOptions(replicates=4, seed=1), runner=fake_runner)
    for factor, expected in KNOWN_SHAPLEY.items():
        # The noise is the same in every combination, so it cancels in every marginal contribution.
        assert result.shapley[factor]["final_adoption"] == pytest.approx(expected, abs=1e-9)
        assert result.standard_errors[factor]["final_adoption"] == pytest.approx(0, abs=1e-9)
    # Time to 50% of a ramp to `final` is 50 / final days, or the 100-day horizon if final < 0.5.
    full, none = frozenset(FACTORS), frozenset()
    assert result.mean(none, MILESTONE) == days  # 0.1 adoption: never reaches 50%, censored
    total = sum(result.shapley[f][MILESTONE] for f in FACTORS)
    assert total == pytest.approx(result.mean(full, MILESTONE) - result.mean(none, MILESTONE))
    files = write_outputs(result, tmp_path / "attr", draw=draw_attribution)
    doc = json.loads((tmp_path / "attr" / "attribution.json").read_text())
    assert doc["factors"]["engine"]["final_adoption"] == pytest.approx(0.25)
    assert len(doc["combos"]) == 8 and doc["baseline"]["final_adoption"] == pytest.approx(
        result.mean(none, "final_adoption")
    )
    assert [p.name for p in files] == ["attribution.json", "attribution.png", "combos.png"]


def test_attribute_command_on_the_model(tmp_path):
    """The real model, small: Shapley values add up to scenario - baseline (2 replicates, seed 5)."""
    out = tmp_path / "attr"
    result = cli.invoke(
        app,
        [
            "attribute",
            str(DEFAULT),
            "--baseline-set",
            "engine.quality=0.5",
            "--baseline-set",
            "channels.weibo.enabled=false",
            "--baseline-set",
            "relationship.growth=0",
            "--set",
            "population.size=500",
            "--set",
            "run.days=40",
            "--set",
            "seed_users.count=20",
            "-r",
            "2",
            "--seed",
            "5",
            "--out",
            str(out),
            "--quiet",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "engine" in result.output and "total (scenario - base)" in result.output
    doc = json.loads((out / "attribution.json").read_text())
    for metric in ("final_adoption", MILESTONE):
        total = sum(doc["factors"][f][metric] for f in FACTORS)
        assert total == pytest.approx(doc["scenario"][metric] - doc["baseline"][metric], abs=1e-9)
    assert (out / "attribution.png").stat().st_size > 0


def test_attribute_needs_a_different_baseline(tmp_path):
    result = cli.invoke(app, ["attribute", str(DEFAULT), "--baseline", str(DEFAULT), "--out", str(tmp_path / "a")])
    assert result.exit_code == 2 and "nothing to attribute" in result.output
    result = cli.invoke(app, ["attribute", str(DEFAULT)])
    assert result.exit_code == 2 and "--baseline" in result.output
    with pytest.raises(ScenarioError):
        run(load_scenario(DEFAULT), load_scenario(DEFAULT))


@pytest.mark.slow
def test_lifetime_and_generation_adoption_can_be_attributed(tmp_path):
    """The real model, small (500 people, 60 days, 2 replicates, seed 5): a scenario with a second product
    on day 20 against the same scenario with one product. Only the relationship chain differs, so it
    carries every point of lifetime adoption, and generation 2's adoption is 0 in the baseline."""
    out = tmp_path / "attr"
    sets = ["population.size=500", "run.days=60", "seed_users.count=20", "generations.enabled=true"]
    sets += ["generations.products=[{launch_day=20, quality_gain=0.1}]", "generations.upgrade_rate=0.05"]
    args = ["attribute", str(DEFAULT), "--baseline-set", "generations.enabled=false", "-r", "2", "--seed", "5"]
    args += [a for s in sets for a in ("--set", s)]
    args += ["--metric", "lifetime_adoption", "--metric", "adoption_gen2", "--out", str(out), "--quiet"]
    result = cli.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "lifetime_adoption" in result.output
    doc = json.loads((out / "attribution.json").read_text())
    assert doc["baseline"]["adoption_gen2"] == 0 and doc["scenario"]["adoption_gen2"] > 0
    gain = doc["scenario"]["lifetime_adoption"] - doc["baseline"]["lifetime_adoption"]
    assert gain > 0 and doc["factors"]["relationship_chain"]["lifetime_adoption"] == pytest.approx(gain)
    bad = cli.invoke(app, [*args[:-4], "--metric", "nonsense", "--out", str(tmp_path / "x"), "--quiet"])
    assert bad.exit_code == 2 and "nonsense" in bad.output

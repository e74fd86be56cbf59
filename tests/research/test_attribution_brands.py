"""Iron-triangle attribution in a market of brands: the factors switch one chosen brand's levers (or every
brand's) and market-wide sections, and the Shapley values of the brand's share and owners add up to its change."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import typer
from typer.testing import CliRunner

from sim.cli.research import register
from sim.config.errors import ScenarioError
from sim.config.scenario import load_scenario
from sim.research.attribution.method import (
    FACTORS,
    check_brand,
    combo_scenario,
    factor_paths,
    ignored_differences,
)

ROOT = Path(__file__).resolve().parents[2]
RIVALS = ROOT / "scenarios" / "playbook" / "rivals.toml"
#: The race, small: quick, every brand sells within 40 days.
SMALL = ["population.size=600", "run.days=40"]

app = typer.Typer()
register(app)
cli = CliRunner()


def _pair(scenario_sets: list[str], baseline_sets: list[str]):
    return load_scenario(RIVALS, [*SMALL, *scenario_sets]), load_scenario(RIVALS, [*SMALL, *baseline_sets])


BASELINE_SETS = [
    "brands.mi.engine.quality=0.5",
    "brands.mi.advertising.spend_per_day=0",
    "brands.rival.engine.quality=0.9",
    "relationship.initial_brand_tie=0.9",
]
SCENARIO_SETS = ["brands.mi.advertising.spend_per_day=3000"]


def test_a_chosen_brands_factors_take_its_own_tables_and_the_market_wide_sections():
    sc, base = _pair(SCENARIO_SETS, BASELINE_SETS)
    off = combo_scenario(sc, base, frozenset(), "mi")  # every factor off
    assert off.brands["mi"].engine == base.brands["mi"].engine  # the chosen brand's engine: the baseline's
    assert off.brands["mi"].advertising == base.brands["mi"].advertising  # its accelerator
    assert off.relationship == base.relationship  # the relationship chain is market-wide
    assert off.brands["rival"].engine == sc.brands["rival"].engine  # a rival keeps the scenario's levers
    assert off.brands["mi"].seed_users == sc.brands["mi"].seed_users  # context, as in one-brand attribution
    engine_only = combo_scenario(sc, base, frozenset({"engine"}), "mi")
    assert engine_only.brands["mi"].engine == sc.brands["mi"].engine
    assert engine_only.brands["mi"].advertising == base.brands["mi"].advertising
    assert "brands.rival.engine" in ignored_differences(sc, base, "mi")  # said, not silently used
    assert ("brands", "mi", "engine") in factor_paths(sc, "mi")["engine"]


def test_without_a_chosen_brand_the_factors_switch_every_brands_levers():
    sc, base = _pair(SCENARIO_SETS, BASELINE_SETS)
    off = combo_scenario(sc, base, frozenset())
    for name in sc.brands:
        assert off.brands[name].engine == base.brands[name].engine
        assert off.brands[name].advertising == base.brands[name].advertising
    assert ignored_differences(sc, base) == []


def test_a_brand_must_be_one_of_a_market_of_several_and_the_baseline_the_same_market():
    sc, base = _pair([], BASELINE_SETS)
    with pytest.raises(ScenarioError, match=r"--brand 'zz': unknown brand; allowed: mi, rival, copycat"):
        check_brand(sc, base, "zz")
    one = load_scenario(ROOT / "scenarios" / "default.toml")
    with pytest.raises(ScenarioError, match="--brand 'mi': needs a market of two brands or more"):
        check_brand(one, one, "mi")
    with pytest.raises(ScenarioError, match="the baseline's brands"):
        check_brand(sc, one, None)


@pytest.mark.slow
def test_attribution_of_a_brands_share_sums_to_its_change(tmp_path):
    """The real model, small (600 people, 40 days, 2 replicates, seed 5): brand mi's engine and ads and the
    market's relationship chain (switching on, so loyalty to the brand tie acts) against a baseline. The
    Shapley values of mi's final share and owners, and of the category's adoption, add up to scenario -
    baseline (efficiency, to 1e-9), and a rival's lever that differs is named as ignored."""
    switching = ["switching.dissatisfaction=1.0", "switching.persuasion=0.2", "switching.loyalty=1.0"]
    args = ["attribute", str(RIVALS), "--brand", "mi", "-r", "2", "--seed", "5", "--quiet"]
    args += [a for s in [*SMALL, *switching, *SCENARIO_SETS] for a in ("--set", s)]
    args += [a for s in BASELINE_SETS for a in ("--baseline-set", s)]
    out = tmp_path / "attr"
    result = cli.invoke(app, [*args, "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "share_final_mi" in result.output and "brands.rival.engine" in result.output
    doc = json.loads((out / "attribution.json").read_text())
    assert doc["brand"] == "mi"
    for metric in ("share_final_mi", "owners_final_mi", "final_adoption"):
        total = sum(doc["factors"][f][metric] for f in FACTORS)
        assert total == pytest.approx(doc["scenario"][metric] - doc["baseline"][metric], abs=1e-9)
    assert doc["scenario"]["share_final_mi"] != doc["baseline"]["share_final_mi"]  # something to attribute
    assert sorted(p.name for p in out.iterdir() if p.suffix == ".png") == ["attribution.png", "combos.png"]


def test_an_unknown_brand_is_one_line_and_exit_2(tmp_path):
    result = cli.invoke(
        app, ["attribute", str(RIVALS), "--brand", "nokia", "--baseline-set", "engine.quality=0.5", "--quiet"]
    )
    assert result.exit_code == 2
    assert result.output.strip() == "error: --brand 'nokia': unknown brand; allowed: mi, rival, copycat"

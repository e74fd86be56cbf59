"""Attribution maps (sim.research.attribution.map): the spec, the points, the runs shared between points,
and Shapley values against a runner with a known answer; the command's bad-input handling."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from sim.cli.main import app
from sim.research.attribution.map import MapSpec, MapSpecError, load_spec, map_runs, points, run, write_outputs

SPEC = """
name = "toy-map"
scenario = "default.toml"
baseline = "baseline.toml"
set = ["run.days=10", "population.size=100"]
replicates = 3
seed = 5
[grid.x]
key = "relationship.tie_assurance"
values = [0.0, 1.0]
[grid.y]
key = "relationship.answer_back"
values = [0.0, 0.5, 1.0]
[[lines]]
key = "relationship.brand_growth"
values = [0.05, 0.2]
[line_settings]
off = []
on = ["relationship.tie_assurance=1"]
"""


@pytest.fixture
def spec_dir(tmp_path):
    (tmp_path / "default.toml").write_text('name = "toy"\n[engine]\nquality = 0.9\n')
    (tmp_path / "baseline.toml").write_text('name = "toy-base"\n[engine]\nquality = 0.5\n[relationship]\ngrowth = 0\n')
    (tmp_path / "map.toml").write_text(SPEC)
    return tmp_path


def known_runner(scenario, seed_seq, replicate):
    """Final adoption = 0.2 (engine on: quality 0.9) + 0.1 * (1 + tie_assurance + answer_back) (relationship
    on: growth > 0) + 0.01 * brand_growth / 0.05 (relationship on; default brand_growth 0.1 gives 0.02) + seed noise shared by all combinations."""
    engine = 0.2 if scenario.engine.quality == 0.9 else 0.0
    rel = scenario.relationship
    relationship = (
        0.1 * (1 + rel.tie_assurance + rel.answer_back) + 0.01 * rel.brand_growth / 0.05 if rel.growth > 0 else 0
    )
    final = 0.3 + engine + relationship + np.random.default_rng(seed_seq).normal(0, 0.01)
    time = np.arange(scenario.run.days + 1.0)
    return pd.DataFrame({"time": time, "adopted_total": final * scenario.population.size * time / scenario.run.days})


def test_points_and_runs(spec_dir):
    spec = load_spec(spec_dir / "map.toml")
    pts = points(spec)
    assert len(pts) == 2 * 3 + 2 * 2  # the grid, then each line once per setting
    assert pts[0]["overrides"] == ["relationship.tie_assurance=0", "relationship.answer_back=0"]
    assert pts[-1]["overrides"] == ["relationship.tie_assurance=1", "relationship.brand_growth=0.2"]
    # the 4 combinations without the relationship chain run once, the 4 with it at every point
    assert map_runs(spec) == 3 * (4 + 4 * len(pts))


def test_shapley_values_at_each_point_follow_the_known_answer(spec_dir):
    spec = load_spec(spec_dir / "map.toml")
    calls = []

    def counting(scenario, seed_seq, replicate):
        calls.append(1)
        return known_runner(scenario, seed_seq, replicate)

    table = run(spec, spec_dir, runner=counting)
    assert len(calls) == map_runs(spec)
    # no interactions in the known answer: each factor's Shapley value is its own additive part
    np.testing.assert_allclose(table["phi_engine"], 0.2, atol=1e-9)
    np.testing.assert_allclose(table["phi_accelerator"], 0.0, atol=1e-9)
    grid = table[table["kind"] == "grid"]
    np.testing.assert_allclose(grid["phi_relationship_chain"], 0.1 * (1 + grid["x"] + grid["y"]) + 0.02, atol=1e-9)
    np.testing.assert_allclose(grid["relationship_chain_minus_engine"], grid["phi_relationship_chain"] - 0.2)
    np.testing.assert_allclose(table["share_engine"], 0.2 / (0.2 + table["phi_relationship_chain"]))
    on = table[(table["kind"] == "line") & (table["setting"] == "on")]
    np.testing.assert_allclose(on["phi_relationship_chain"], 0.2 + 0.01 * on["x"] / 0.05, atol=1e-9)


@pytest.mark.parametrize(
    "change, message",
    [
        (("relationship.brand_growth", "engine.quality"), "not in the relationship_chain sections"),
        (("replicates = 3", "replicates = 0"), "replicates"),
        (("seed = 5", 'metric = "nonsense"\nseed = 5'), "metric"),
    ],
)
def test_bad_specs_name_the_problem(spec_dir, change, message):
    (spec_dir / "map.toml").write_text(SPEC.replace(*change))
    with pytest.raises(MapSpecError, match=message):
        load_spec(spec_dir / "map.toml")


def test_the_command_reports_a_bad_spec_in_one_line(spec_dir):
    (spec_dir / "map.toml").write_text(SPEC.replace("relationship.brand_growth", "engine.quality"))
    result = CliRunner().invoke(app, ["attribute-map", str(spec_dir / "map.toml"), "-o", str(spec_dir / "out")])
    assert result.exit_code == 2
    assert "map.toml" in result.output and "Traceback" not in result.output


def test_the_shipped_map_spec_is_valid():
    spec = load_spec("experiments/maps/relationship_chain.toml")
    assert isinstance(spec, MapSpec) and map_runs(spec) <= 400  # the documented budget: minutes on 2 cores


def test_values_that_differ_in_the_seventh_digit_run_as_two_points(spec_dir):
    """1234567 and 1234568 are two settings: each runs with its own value and keeps it in map.csv."""
    spec = load_spec(spec_dir / "map.toml")
    grid = spec.grid.model_copy(update={"x": spec.grid.x.model_copy(update={"values": [1234567.0, 1234568.0]})})
    spec = spec.model_copy(update={"grid": grid})
    overrides = [p["overrides"][0] for p in points(spec) if p["kind"] == "grid"]
    assert overrides[:2] == ["relationship.tie_assurance=1234567", "relationship.tie_assurance=1234568"]
    assert [p["overrides"][0] for p in points(load_spec(spec_dir / "map.toml"))[:2]] == [
        "relationship.tie_assurance=0",
        "relationship.tie_assurance=1",
    ]


def test_map_csv_keeps_every_digit_of_a_swept_value(spec_dir):
    spec = load_spec(spec_dir / "map.toml")
    grid = spec.grid.model_copy(update={"x": spec.grid.x.model_copy(update={"values": [0.1234567, 0.1234568]})})
    spec = spec.model_copy(update={"grid": grid, "lines": []})
    table = run(spec, spec_dir, runner=known_runner)
    write_outputs(spec, table, "summary", spec_dir / "out")
    written = pd.read_csv(spec_dir / "out" / "map.csv")
    assert sorted(set(written["x"])) == [0.1234567, 0.1234568]


@pytest.mark.parametrize(
    "change, message",
    [
        ('key = "relationship.answer_back"', "x and y are both relationship.tie_assurance"),
        ("values = [0.0, 0.5, 1.0]", "0.5 is given twice"),
    ],
)
def test_an_axis_is_two_keys_and_distinct_values(spec_dir, change, message):
    replacement = {
        'key = "relationship.answer_back"': 'key = "relationship.tie_assurance"',
        "values = [0.0, 0.5, 1.0]": "values = [0.0, 0.5, 0.5]",
    }[change]
    (spec_dir / "map.toml").write_text(SPEC.replace(change, replacement))
    with pytest.raises(MapSpecError, match=message):
        load_spec(spec_dir / "map.toml")
    result = CliRunner().invoke(app, ["attribute-map", str(spec_dir / "map.toml"), "-o", str(spec_dir / "out")])
    assert result.exit_code == 2 and "Traceback" not in result.output
    assert "map.toml" in result.output and message in result.output


def test_a_shipped_scenario_name_serves_as_scenario_and_baseline(spec_dir):
    (spec_dir / "map.toml").write_text(SPEC.replace('"baseline.toml"', '"seeds_random"'))
    rows = run(load_spec(spec_dir / "map.toml"), spec_dir, runner=known_runner)
    assert len(rows) == len(points(load_spec(spec_dir / "map.toml")))
    (spec_dir / "map.toml").write_text(SPEC.replace('"baseline.toml"', '"bas"'))
    with pytest.raises(MapSpecError, match="baseline: 'bas' is neither a file beside the spec .*did you mean 'bass'"):
        run(load_spec(spec_dir / "map.toml"), spec_dir, runner=known_runner)

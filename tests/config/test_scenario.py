"""Scenario files: every kind of bad input gets one clear error naming the file and the key."""

import re
from pathlib import Path

import pytest

from sim.config.errors import ScenarioError
from sim.config.scenario import load_scenario, parse_override
from sim.config.schema import Scenario

SCENARIOS = Path(__file__).resolve().parents[2] / "scenarios"


def write(tmp_path, text, name="s.toml"):
    p = tmp_path / name
    p.write_text(text)
    return p


def test_every_shipped_scenario_is_valid():
    files = sorted(SCENARIOS.rglob("*.toml"))
    assert files, "no scenarios shipped"
    for f in files:
        assert isinstance(load_scenario(f), Scenario), f


def test_empty_file_gives_defaults(tmp_path):
    assert load_scenario(write(tmp_path, "")) == Scenario()


@pytest.mark.parametrize(
    "text, key, allowed",
    [
        ("[engine]\nmax_conversion = 1.5\n", "engine.max_conversion", "<= 1"),
        ("[population]\nsize = -5\n", "population.size", ">= 1"),
        ("[engine]\nqualty = 0.5\n", "engine.qualty", "allowed keys here: advocate_margin"),
        ("[bogus]\nx = 1\n", "bogus", "allowed keys here:"),
        ('[run]\nbackend = "gpu"\n', "run.backend", "'vector' or 'agents'"),
        ('[population]\nsize = "many"\n', "population.size", "must be an integer"),
        ('[network]\nkind = "edgelist"\n', "network", "network.path is required"),
        ("[wom]\nactive_steps = 0\n", "wom.active_steps", "forever"),
        ("[seed_users]\ncount = 200\n[population]\nsize = 100\n", "seed_users.count", "cannot exceed population.size"),
        (
            '[seed_users]\ncount = 5\n[population]\nsize = 100\n[network]\nkind = "community_blocks"\nblocks = 101\n',
            "network.blocks",
            "cannot exceed population.size",
        ),
        ("[network]\nmixing = 1.5\n", "network.mixing", "<= 1"),
    ],
)
def test_bad_values_name_file_key_and_what_is_allowed(tmp_path, text, key, allowed):
    path = write(tmp_path, text)
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    msg = str(err.value)
    assert str(path) in msg
    assert key in msg
    assert allowed in msg


def test_malformed_toml(tmp_path):
    path = write(tmp_path, "[engine\nquality = 1\n")
    with pytest.raises(ScenarioError, match="malformed TOML"):
        load_scenario(path)


def test_missing_file(tmp_path):
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(tmp_path / "nope.toml")


def test_missing_edgelist_file_names_key_and_path(tmp_path):
    path = write(tmp_path, '[network]\nkind = "edgelist"\npath = "graph.txt"\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert "network.path" in str(err.value) and "graph.txt" in str(err.value)


def test_edgelist_path_is_relative_to_scenario_file(tmp_path):
    (tmp_path / "graph.txt").write_text("0 1\n1 2\n")
    sc = load_scenario(write(tmp_path, '[network]\nkind = "edgelist"\npath = "graph.txt"\n'))
    assert Path(sc.network.path) == (tmp_path / "graph.txt").resolve()


def test_overrides_are_typed_and_validated(tmp_path):
    path = write(tmp_path, "")
    sc = load_scenario(
        path,
        [
            "engine.quality=0.9",
            "channels.forum.enabled=true",
            'run.backend="agents"',
            "run.backend=agents",
            "advertising.stop_day=inf",
        ],
    )
    assert sc.engine.quality == 0.9 and sc.channels.forum.enabled and sc.run.backend == "agents"
    assert sc.advertising.stop_day == float("inf")
    with pytest.raises(ScenarioError, match="engine.quality"):
        load_scenario(path, ["engine.quality=high"])
    with pytest.raises(ScenarioError, match="wom.nope"):
        load_scenario(path, ["wom.nope=1"])
    with pytest.raises(ScenarioError, match="KEY=VALUE"):
        load_scenario(path, ["engine.quality"])


def test_parse_override_reads_toml_values():
    assert parse_override("a.b=3") == ("a.b", 3)
    assert parse_override("a=0.5") == ("a", 0.5)
    assert parse_override("a=[1, 2]") == ("a", [1, 2])
    assert parse_override("a=forever") == ("a", "forever")


def test_extends_merges_base_and_detects_cycles(tmp_path):
    write(tmp_path, "[engine]\nquality = 0.9\nsensitivity = 0.2\n[run]\ndays = 10\n", "base.toml")
    child = write(tmp_path, 'extends = "base.toml"\nname = "child"\n[engine]\nquality = 0.4\n', "child.toml")
    sc = load_scenario(child)
    assert (sc.engine.quality, sc.engine.sensitivity, sc.run.days, sc.name) == (0.4, 0.2, 10, "child")
    write(tmp_path, 'extends = "b.toml"\n', "a.toml")
    write(tmp_path, 'extends = "a.toml"\n', "b.toml")
    with pytest.raises(ScenarioError, match="circular"):
        load_scenario(tmp_path / "a.toml")
    with pytest.raises(ScenarioError, match="extends: file not found"):
        load_scenario(write(tmp_path, 'extends = "nope.toml"\n', "c.toml"))


@pytest.mark.parametrize("where", ["file", "override"])
def test_renamed_key_names_its_new_path(tmp_path, where):
    path = tmp_path / "old.toml"
    path.write_text('[run]\nengine = "agents"\n' if where == "file" else "")
    overrides = ['run.engine="agents"'] if where == "override" else []
    with pytest.raises(ScenarioError, match=r"run\.engine: renamed to run\.backend"):
        load_scenario(path, overrides)


@pytest.mark.parametrize(
    "products, key",
    [
        ("[{launch_day=10, quality_gain=-0.1}]", "generations.products.0.quality_gain: must be >= 0"),
        (
            "[{launch_day=10, quality_gain=0.2}, {launch_day=20, quality_gain=0.1}]",
            "generations.products.1.quality_gain: must be >= the previous product's quality_gain (0.2), got 0.1",
        ),
    ],
)
def test_a_later_product_worse_than_the_one_before_is_refused(products, key):
    """Owners upgrade to the newest product whatever its quality, so a worse successor is not a case the model
    supports: it is refused, switched on or not."""
    for enabled in ("true", "false"):
        with pytest.raises(ScenarioError, match=rf"^<defaults>: invalid scenario\n  {re.escape(key)}"):
            load_scenario(None, [f"generations.enabled={enabled}", f"generations.products={products}"])


def test_later_products_as_good_or_better_are_accepted():
    sets = ["generations.enabled=true", "generations.products=[{launch_day=10}, {launch_day=20, quality_gain=0.3}]"]
    assert load_scenario(None, sets).generations.count == 3

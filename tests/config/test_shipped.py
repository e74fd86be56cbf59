"""Shipped scenarios by name (sim.config.shipped): `wom run miui` from any folder, a path as before."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.config.errors import InputError, ScenarioError
from sim.config.scenario import load_scenario
from sim.config.shipped import (
    copy_shipped,
    example_files,
    resolve_scenario,
    scenario_beside,
    shipped_folder,
    shipped_scenarios,
)

ROOT = Path(__file__).resolve().parents[2]


def test_every_shipped_scenario_has_a_unique_name_and_a_description():
    files = sorted(shipped_folder("scenarios").rglob("*.toml"))
    rows = shipped_scenarios()
    assert len(rows) == len(files), "two shipped scenarios share a file name"
    assert all(description for _, description in rows.values())
    assert next(iter(rows)) == "default"


@pytest.mark.parametrize("name", ["miui", "miui.toml", "playbook/miui", "scenarios/playbook/miui.toml"])
def test_names_resolve_from_any_folder(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    assert resolve_scenario(name) == shipped_folder("scenarios") / "playbook" / "miui.toml"
    assert load_scenario(name).name == "miui"


def test_an_existing_path_wins_over_a_shipped_name(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    Path("miui").write_text('name = "mine"\n', encoding="utf-8")
    assert load_scenario("miui").name == "mine"


@pytest.mark.parametrize("name", ["../scenarios/default", "/no/such/file", "nosuch", "playbook/../../x"])
def test_other_names_are_not_found(tmp_path, monkeypatch, name):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError, match="file not found"):
        load_scenario(name)


def test_copy_keeps_relative_paths_and_never_overwrites(tmp_path):
    out = copy_shipped(tmp_path / "mine")
    assert (out / "scenarios" / "playbook" / "miui.toml").is_file()
    assert {p.name for p in (out / "data").iterdir()} >= {p.name for p in example_files()}
    with pytest.raises(InputError, match="already exists"):
        copy_shipped(out)


def test_a_mistyped_name_gets_the_closest_shipped_names(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    with pytest.raises(ScenarioError, match="did you mean 'miui'"):
        load_scenario("miiu")


def test_extends_takes_a_shipped_name_and_suggests_on_a_typo(tmp_path):
    (tmp_path / "mine.toml").write_text('extends = "bass"\nname = "mine"\n', encoding="utf-8")
    assert load_scenario(tmp_path / "mine.toml").population.size == load_scenario("bass").population.size
    (tmp_path / "typo.toml").write_text('extends = "bas"\n', encoding="utf-8")
    with pytest.raises(ScenarioError, match="extends: file not found.*did you mean 'bass'"):
        load_scenario(tmp_path / "typo.toml")


def test_a_spec_names_its_scenario_by_a_path_beside_it_or_a_shipped_name(tmp_path, monkeypatch):
    """Specs (sweep, map, claim arms, optimize) find `scenario` beside the spec file, else by shipped name;
    never relative to the working folder; neither is an error naming both places and the closest names."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "bass.toml").write_text('name = "cwd"\n', encoding="utf-8")  # in the working folder only
    spec_dir = tmp_path / "specs"
    spec_dir.mkdir()
    assert scenario_beside(spec_dir, "bass") == shipped_folder("scenarios") / "docking" / "bass.toml"
    (spec_dir / "bass").write_text('name = "mine"\n', encoding="utf-8")
    assert scenario_beside(spec_dir, "bass") == spec_dir / "bass"
    with pytest.raises(InputError, match=r"'bas' is neither a file beside the spec .*did you mean 'bass'"):
        scenario_beside(spec_dir, "bas")

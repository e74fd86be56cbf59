"""Checks across sections: a scenario that asks one section for what another does not provide is refused
when it is built, naming the file, the key at fault and what it needs, so `wom validate`, `wom run`,
the research commands and the Python API all refuse it the same way before any model is built."""

import pytest

from sim.config.errors import ScenarioError
from sim.config.scenario import load_scenario, scenario_from_dict

SMALL = ["population.size=100", "seed_users.count=5"]


@pytest.mark.parametrize(
    "overrides, key, needs",
    [
        (["seed_users.count=90", "population.employees=20"], "seed_users.count", "cannot exceed population.size"),
        (["fan_building.enabled=true", "fan_building.super_users=6"], "fan_building.super_users", "seed_users.count"),
        (['network.kind="community_blocks"', "network.blocks=101"], "network.blocks", "every community needs"),
        (['wom.rule="threshold"', 'network.kind="well_mixed"'], "wom.rule_layer", "network.kind other than"),
        (['wom.rule="threshold"', "network.enabled=false"], "wom.rule_layer", "network.enabled = true"),
        (['wom.rule="dose_response"', 'wom.rule_layer="weibo"'], "wom.rule_layer", "channels.weibo.enabled = true"),
        (['seed_users.choice="community"'], "seed_users.community", "channels.forum.enabled = true"),
        (
            ['seed_users.choice="community"', 'seed_users.community="wechat"', "channels.forum.enabled=true"],
            "seed_users.community",
            "channels.wechat.enabled = true",
        ),
        (
            ["community.enabled=true", 'community.peer_reach="ties"', 'network.kind="well_mixed"'],
            "community.peer_reach",
            "network.kind other than 'well_mixed'",
        ),
    ],
)
def test_a_section_asking_for_what_another_lacks_is_refused_naming_the_file_and_key(tmp_path, overrides, key, needs):
    path = tmp_path / "s.toml"
    path.write_text("")
    with pytest.raises(ScenarioError) as err:
        load_scenario(path, [*SMALL, *overrides])
    head, line = str(err.value).split("\n")
    assert head == f"{path}: invalid scenario"
    assert line.startswith(f"  {key}: ") and needs in line


@pytest.mark.parametrize(
    "overrides",
    [
        ['wom.rule="threshold"'],  # the default offline small world
        ['wom.rule="dose_response"', 'wom.rule_layer="weibo"', "channels.weibo.enabled=true"],
        ['seed_users.choice="community"', "channels.forum.enabled=true"],
        ['seed_users.choice="community"', 'seed_users.community="wechat"', "channels.wechat.enabled=true"],
        ["community.enabled=true", 'community.peer_reach="ties"'],
        ["network.enabled=false"],  # the independent rule needs no layer
        ["seed_users.count=80", "population.employees=20"],  # exactly everyone
    ],
)
def test_what_the_sections_provide_is_accepted(overrides):
    assert load_scenario(None, [*SMALL, *overrides]) is not None


def test_a_dict_is_refused_the_same_way_as_a_file():
    with pytest.raises(ScenarioError, match=r"^<dict>: invalid scenario\n  wom.rule_layer: "):
        scenario_from_dict({"wom": {"rule": "threshold"}, "network": {"kind": "well_mixed"}})

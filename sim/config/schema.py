"""The whole scenario: its root `Scenario`, one field per section, and the checks across sections
(what one section asks of another, depending on the scenario alone: checked when it is built).

A scenario file (TOML) is validated against these pydantic models: unknown keys, wrong types and
out-of-range values are rejected with the key path and what is allowed. Units: time in days,
probabilities in [0, 1], rates per day, money in the scenario's currency.

Validation is strict (`sim.config.section.Section`): no string-to-number, bool-to-number or
number-to-bool coercion (`size = "500"`, `count = true`, `enabled = "yes"`, `enabled = 1` are errors; an
integer is accepted where a real number is expected), and every number is finite and bounded
(sim.config.limits): only the "never" days (`stop_day`, `brand_steps_back_day`) may be `inf`. Each
section is defined in the module of its part of the model: sim.config.run, sim.config.population,
sim.config.behaviour (engine, word of mouth, relationship chain), sim.config.channels (advertising, the
network and the channels), sim.config.market (who can buy at all, over time), sim.config.budget, and the playbook's mechanisms in sim.config.mechanisms, one
module per mechanism.

The fields, in the order they are written out (the resolved scenario, the JSON schema, the docs' tables):
the core sections of `CoreSections`, then one per mechanism in `position` order (`MECHANISM_SECTIONS`:
`python -c "from sim.config.mechanisms import MECHANISM_SECTIONS; print(list(MECHANISM_SECTIONS))"`), then
`budget`. A new mechanism's section is found in its module and comes after the existing ones.
"""

from __future__ import annotations

from pydantic import Field, create_model, model_validator

from sim.config.behaviour import EngineConfig, RelationshipConfig, WomConfig
from sim.config.brands import BrandConfig, SupplyConfig, SwitchingConfig, check_brands, inherit_brand_sections
from sim.config.budget import BudgetConfig
from sim.config.channels import AdvertisingConfig, ChannelsConfig, NetworkConfig, OfficialConfig
from sim.config.graphs import GRAPH_KINDS
from sim.config.limits import MAX_TEXT
from sim.config.market import MarketConfig
from sim.config.mechanisms import MECHANISM_SECTIONS
from sim.config.money import MoneyConfig
from sim.config.names import NAME_PATTERN, NAME_RULE
from sim.config.population import MAX_BETWEENNESS_PEOPLE, PopulationConfig, SeedUsersConfig
from sim.config.run import RunConfig
from sim.config.section import KeyConflict, Section


class CoreSections(Section):
    """The sections every scenario has (the first fields of `Scenario`), each with its defaults."""

    name: str = Field(
        "scenario",
        pattern=NAME_PATTERN.pattern,
        description=f"Short name used in outputs and as the default output folder results/<name>: {NAME_RULE}.",
    )
    description: str = Field("", max_length=MAX_TEXT, description="What the scenario represents.")
    run: RunConfig = RunConfig()
    population: PopulationConfig = PopulationConfig()
    seed_users: SeedUsersConfig = SeedUsersConfig()
    engine: EngineConfig = EngineConfig()
    wom: WomConfig = WomConfig()
    advertising: AdvertisingConfig = AdvertisingConfig()
    network: NetworkConfig = NetworkConfig()
    channels: ChannelsConfig = ChannelsConfig()
    official: OfficialConfig = OfficialConfig()
    relationship: RelationshipConfig = RelationshipConfig()


#: The sections after the mechanisms' (fields of `Scenario` itself), in order.
LAST_SECTIONS = ("budget", "market", "brands", "switching", "supply", "money")


def _with_mechanisms() -> type[CoreSections]:
    """`CoreSections` followed by one field per mechanism section (`MECHANISM_SECTIONS`, in order), each
    defaulting to its config class's defaults (switched off)."""
    clashes = [name for name in MECHANISM_SECTIONS if name in CoreSections.model_fields or name in LAST_SECTIONS]
    if clashes:
        raise TypeError(f"sim/config/mechanisms/{clashes[0]}.py: '{clashes[0]}' is a core section of the scenario")
    fields = {name: (cls, cls()) for name, cls in MECHANISM_SECTIONS.items()}
    return create_model("MechanismSections", __base__=CoreSections, __module__=__name__, **fields)


# Its fields: the core sections (`CoreSections`), the mechanism sections (`MECHANISM_SECTIONS`), `budget`, then
# the sections added since (`market`), last, so that the sections of every older scenario keep their order in outputs.
class Scenario(_with_mechanisms()):
    """A whole scenario: every section has defaults, so an empty file is a valid (plain) scenario."""

    budget: BudgetConfig = BudgetConfig()
    market: MarketConfig = MarketConfig()
    #: Competing brands (`sim.config.brands`): none, one market of one brand configured at the top level.
    brands: dict[str, BrandConfig] = Field(
        default_factory=dict,
        description="Competing brands, [brands.<name>] tables (1 to 8): each overrides the top-level brand-level "
        "sections and adds entry_day; none: one brand, the top-level sections.",
    )

    #: Owners switching brands or leaving the category (`sim.config.brands.SwitchingConfig`; off by default).
    switching: SwitchingConfig = SwitchingConfig()
    #: A brand's daily capacity and waiting list (`sim.config.brands.SupplyConfig`; every brand's default).
    supply: SupplyConfig = SupplyConfig()
    #: What a sale earns and how money is discounted (`sim.config.money.MoneyConfig`; every brand's default, off).
    money: MoneyConfig = MoneyConfig()

    @model_validator(mode="before")
    @classmethod
    def _brands_inherit(cls, data):
        """Each brand's table starts from the top-level brand-level sections (`inherit_brand_sections`)."""
        return inherit_brand_sections(data)

    @model_validator(mode="after")
    def _sections_agree(self) -> Scenario:
        """What one section asks of another, checked before any model is built (see `check_people`,
        `check_layers`, `check_brands`): every entry refuses the same scenario with the same message."""
        for check in (check_people, check_layers, check_brands):
            check(self)
        return self


#: What switches the offline network on (the layer `wom.rule_layer = 'offline'`, peer_reach 'ties', the
#: community's trust and friends need).
OFFLINE_NEEDS = "network.enabled = true and network.kind other than 'well_mixed'"


def has_offline_network(scenario: Scenario) -> bool:
    """Whether the scenario builds an offline network (switched on and not the well-mixed mean field)."""
    return scenario.network.enabled and scenario.network.kind != "well_mixed"


def check_people(scenario: Scenario) -> None:
    """Seed users and employees are distinct people; super users are seed users; communities need members."""
    pop, seeds, fb, net = scenario.population, scenario.seed_users, scenario.fan_building, scenario.network
    if seeds.count + pop.employees > pop.size:
        raise KeyConflict(
            "seed_users.count",
            f"seed_users.count + population.employees ({seeds.count + pop.employees}) cannot exceed "
            f"population.size ({pop.size}): seed users are chosen among the people who are not employees",
        )
    if fb.enabled and fb.super_users > seeds.count:
        raise KeyConflict(
            "fan_building.super_users",
            f"fan_building.super_users ({fb.super_users}) cannot exceed seed_users.count ({seeds.count}): "
            "super users are chosen among the seed users",
        )
    if net.kind == "community_blocks" and net.blocks > pop.size:
        raise KeyConflict(
            "network.blocks",
            f"network.blocks ({net.blocks}) cannot exceed population.size ({pop.size}): every community needs a member",
        )


def check_layers(scenario: Scenario) -> None:
    """A rule, a seed choice or a mechanism that works on one layer needs that layer switched on."""
    wom, seeds, community = scenario.wom, scenario.seed_users, scenario.community
    if wom.rule != "independent":
        if wom.rule_layer == "offline" and not has_offline_network(scenario):
            raise KeyConflict("wom.rule_layer", f"wom.rule = '{wom.rule}' on the offline layer needs {OFFLINE_NEEDS}")
        if wom.rule_layer == "weibo" and not scenario.channels.weibo.enabled:
            raise KeyConflict(
                "wom.rule_layer", f"wom.rule = '{wom.rule}' on the weibo layer needs channels.weibo.enabled = true"
            )
    if seeds.choice == "community" and not getattr(scenario.channels, seeds.community).enabled:
        raise KeyConflict(
            "seed_users.community",
            f"seed_users.choice = 'community' in '{seeds.community}' needs channels.{seeds.community}.enabled = true",
        )
    if seeds.choice == "betweenness":
        if not has_offline_network(scenario):
            raise KeyConflict("seed_users.choice", f"seed_users.choice = 'betweenness' needs {OFFLINE_NEEDS}")
        if scenario.population.size > MAX_BETWEENNESS_PEOPLE:
            raise KeyConflict(
                "seed_users.choice",
                f"seed_users.choice = 'betweenness' is computed for at most {MAX_BETWEENNESS_PEOPLE:,} people "
                f"(population.size is {scenario.population.size:,}); use 'hubs' for larger populations",
            )
    if seeds.choice == "graph_community":
        if not (scenario.network.enabled and scenario.network.kind in GRAPH_KINDS):
            raise KeyConflict(
                "seed_users.choice",
                f"seed_users.choice = 'graph_community' needs a real graph as the offline network "
                f"(network.kind one of {', '.join(GRAPH_KINDS)}, switched on)",
            )
        if seeds.graph_community is None:
            raise KeyConflict("seed_users.graph_community", "seed_users.choice = 'graph_community' needs its name")
    if community.enabled and community.peer_reach == "ties" and not has_offline_network(scenario):
        raise KeyConflict("community.peer_reach", f"community.peer_reach = 'ties' needs {OFFLINE_NEEDS}")
    if community.enabled and community.trust > 0 and not has_offline_network(scenario):
        raise KeyConflict("community.trust", f"community.trust > 0 needs {OFFLINE_NEEDS}")
    if community.enabled and community.befriend and not has_offline_network(scenario):
        raise KeyConflict("community.befriend", f"community.befriend = true needs {OFFLINE_NEEDS}")
    if community.enabled and community.new_ties > 0:
        if not has_offline_network(scenario):
            raise KeyConflict("community.new_ties", f"community.new_ties > 0 needs {OFFLINE_NEEDS}")
        if wom.rule != "independent":  # the rules count neighbours on a graph read once, at the start
            raise KeyConflict("community.new_ties", "community.new_ties > 0 needs wom.rule = 'independent'")
    social = scenario.social_value
    if social.enabled and social.weight > 0 and social.reach == "ties" and not has_offline_network(scenario):
        raise KeyConflict("social_value.reach", f"social_value.reach = 'ties' needs {OFFLINE_NEEDS}")

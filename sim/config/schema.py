"""The whole scenario: its root `Scenario`, one field per section, and the checks across sections.

A scenario file (TOML) is validated against these pydantic models: unknown keys, wrong types and
out-of-range values are rejected with the key path and what is allowed. Units: time in days,
probabilities in [0, 1], rates per day, money in the scenario's currency.

Validation is strict (`sim.config.section.Section`): no string-to-number, bool-to-number or
number-to-bool coercion (`size = "500"`, `count = true`, `enabled = "yes"`, `enabled = 1` are errors; an
integer is accepted where a real number is expected), and every number is finite and bounded
(sim.config.limits): only the "never" days (`stop_day`, `brand_steps_back_day`) may be `inf`. Each
section is defined in the module of its part of the model: sim.config.run, sim.config.population,
sim.config.behaviour (engine, word of mouth, relationship chain), sim.config.channels (advertising, the
network and the channels), sim.config.mechanisms (the playbook), sim.config.generations and
sim.config.budget.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from sim.config.behaviour import EngineConfig, RelationshipConfig, WomConfig
from sim.config.budget import BudgetConfig
from sim.config.channels import AdvertisingConfig, ChannelsConfig, NetworkConfig, OfficialConfig
from sim.config.generations import GenerationsConfig
from sim.config.limits import MAX_TEXT
from sim.config.mechanisms import (
    CommunityConfig,
    EventsConfig,
    FanBuildingConfig,
    ForumServiceConfig,
    HitProductConfig,
    InteractionConfig,
    IterationConfig,
    MeetupsConfig,
    ParticipationNodesConfig,
    ReferralConfig,
    SelfMediaConfig,
)
from sim.config.names import NAME_PATTERN, NAME_RULE
from sim.config.population import PopulationConfig, SeedUsersConfig
from sim.config.run import RunConfig
from sim.config.section import Section


class Scenario(Section):
    """A whole scenario: every section has defaults, so an empty file is a valid (plain) scenario."""

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
    hit_product: HitProductConfig = HitProductConfig()
    fan_building: FanBuildingConfig = FanBuildingConfig()
    self_media: SelfMediaConfig = SelfMediaConfig()
    participation_nodes: ParticipationNodesConfig = ParticipationNodesConfig()
    interaction: InteractionConfig = InteractionConfig()
    events: EventsConfig = EventsConfig()
    iteration: IterationConfig = IterationConfig()
    forum_service: ForumServiceConfig = ForumServiceConfig()
    meetups: MeetupsConfig = MeetupsConfig()
    referral: ReferralConfig = ReferralConfig()
    community: CommunityConfig = CommunityConfig()
    generations: GenerationsConfig = GenerationsConfig()
    budget: BudgetConfig = BudgetConfig()

    @model_validator(mode="after")
    def _super_users_are_seeds(self) -> Scenario:
        fb = self.fan_building
        if fb.enabled and fb.super_users > self.seed_users.count:
            raise ValueError(
                f"fan_building.super_users ({fb.super_users}) cannot exceed seed_users.count "
                f"({self.seed_users.count}): super users are chosen among the seed users"
            )
        return self

    @model_validator(mode="after")
    def _seeds_fit(self) -> Scenario:
        if self.seed_users.count + self.population.employees > self.population.size:
            raise ValueError(
                f"seed_users.count + population.employees ({self.seed_users.count + self.population.employees}) "
                f"cannot exceed population.size ({self.population.size})"
            )
        return self

    @model_validator(mode="after")
    def _communities_fit(self) -> Scenario:
        if self.network.kind == "community_blocks" and self.network.blocks > self.population.size:
            raise ValueError(
                f"network.blocks ({self.network.blocks}) cannot exceed population.size "
                f"({self.population.size}): every community needs a member"
            )
        return self

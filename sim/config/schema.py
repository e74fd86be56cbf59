"""Typed, documented scenario parameters: the core sections and the whole `Scenario`.

A scenario file (TOML) is validated against these pydantic models: unknown keys, wrong types and
out-of-range values are rejected with the key path and what is allowed. Units: time in days,
probabilities in [0, 1], rates per day, money in the scenario's currency.

Validation is strict (`Section`): no string-to-number, bool-to-number or number-to-bool coercion
(`size = "500"`, `count = true`, `enabled = "yes"`, `enabled = 1` are errors; an integer is accepted
where a real number is expected), and every number is finite and bounded (sim.config.limits): only the
"never" days (`stop_day`, `brand_steps_back_day`) may be `inf`. The horizon is covered exactly:
`run.days` must be a whole multiple of `run.dt` (so `days = 5, dt = 10` or `days = 0.001` with the
default `dt = 1` are errors), and `days / dt` is at most `MAX_STEPS`. The playbook's mechanism sections
live in sim.config.mechanisms (product generations in sim.config.generations) and are re-exported here.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim.config.budget import BudgetConfig, ad_reach  # noqa: F401  (re-exported)
from sim.config.generations import MAX_GENERATIONS, GenerationsConfig, ProductConfig  # noqa: F401  (re-exported)
from sim.config.limits import MAX_DAYS, MAX_DT, MAX_MONEY, MAX_POPULATION, MAX_REPLICATES, MAX_SEED, MAX_STEPS, MAX_TEXT
from sim.config.mechanisms import (  # noqa: F401  (re-exported: the schema is one namespace)
    CommunityConfig,
    EventsConfig,
    FanBuildingConfig,
    ForumServiceConfig,
    HitProductConfig,
    IncentiveConfig,
    InteractionConfig,
    IterationConfig,
    MeetupsConfig,
    NodeConfig,
    ParticipationNodesConfig,
    ReferralConfig,
    SelfMediaConfig,
    TopicEventConfig,
)
from sim.config.names import NAME_PATTERN, NAME_RULE
from sim.config.section import FOREVER, NEVER, Mechanism, Probability, Section  # noqa: F401  (re-exported)

#: Relative tolerance when checking that run.days is a whole number of steps (floating-point dt such as 0.05).
STEP_TOLERANCE = 1e-9


class RunConfig(Section):
    """How long and how finely to simulate, and how many replicates."""

    days: float = Field(365.0, gt=0, le=MAX_DAYS, description="Simulated horizon (days); a whole multiple of dt.")
    dt: float = Field(
        1.0, gt=0, le=MAX_DT, description="Length of one step (days). Small dt approaches continuous time."
    )
    seed: int = Field(0, ge=0, le=MAX_SEED, description="Master seed; replicates get independent spawned streams.")
    replicates: int = Field(1, ge=1, le=MAX_REPLICATES, description="Independent runs of the scenario.")
    backend: Literal["vector", "agents"] = Field(
        "vector",
        description="'vector': whole population as numpy arrays (fast, default); "
        "'agents': one Mesa agent per person (readable reference, small populations).",
    )

    @model_validator(mode="after")
    def _whole_steps(self) -> RunConfig:
        steps = self.days / self.dt
        if self.dt > self.days:
            raise ValueError(f"run.dt ({self.dt:g}) must be <= run.days ({self.days:g})")
        if steps > MAX_STEPS:
            raise ValueError(
                f"run.days / run.dt = {steps:.6g} steps; at most {MAX_STEPS} steps are allowed "
                "(shorten run.days or lengthen run.dt)"
            )
        if abs(steps - round(steps)) > STEP_TOLERANCE * max(1.0, steps):
            raise ValueError(
                f"run.days ({self.days:g}) must be a whole multiple of run.dt ({self.dt:g}) so that the run "
                f"ends exactly at run.days (e.g. run.days = {round(steps) * self.dt:g})"
            )
        return self

    @property
    def n_steps(self) -> int:
        """Number of steps that cover `days` exactly."""
        return int(math.ceil(self.days / self.dt - 1e-9))


class PopulationConfig(Section):
    """Who lives in the model: the public, employees and the brand's official accounts."""

    size: int = Field(10_000, ge=1, le=MAX_POPULATION, description="Number of people (agents).")
    employees: int = Field(
        0,
        ge=0,
        le=MAX_POPULATION,
        description="Employees; they start as fans (the seed's 'employees become fans first').",
    )
    official_accounts: int = Field(1, ge=0, le=1000, description="Brand official accounts that post on the channels.")
    cities: int = Field(10, ge=1, le=MAX_POPULATION, description="Cities people live in (used by offline meetups).")

    @model_validator(mode="after")
    def _employees_fit(self) -> PopulationConfig:
        if self.employees > self.size:
            raise ValueError(f"population.employees ({self.employees}) cannot exceed population.size ({self.size})")
        return self


class SeedUsersConfig(Section):
    """The core users who have the product on day 0 (MIUI: 100 forum users)."""

    count: int = Field(100, ge=0, le=MAX_POPULATION, description="Number of seed users (people).")
    choice: Literal["random", "hubs", "community"] = Field(
        "random",
        description="'random': uniform; 'hubs': highest degree over all layers; "
        "'community': members of the named community (forum geeks).",
    )
    community: Literal["forum", "wechat"] = Field(
        "forum", description="The community seed users are chosen in when choice = 'community'."
    )


class EngineConfig(Section):
    """The product as engine: its value against each person's expectation.

    A person converts with probability max_conversion * logistic((quality - expectation) / sensitivity)
    (a hard threshold when sensitivity = 0). After adopting, experience = quality + noise - expectation
    decides advocate (>= advocate_margin), detractor (< detractor_margin) or quiet adopter.
    """

    quality: float = Field(0.7, ge=-10, le=10, description="Product value delivered (value units, 0-1 typical).")
    expectation_mean: float = Field(0.5, ge=-10, le=10, description="Mean expected value across people (value units).")
    expectation_sd: float = Field(0.15, ge=0, le=10, description="Spread of expectations across people (value units).")
    sensitivity: float = Field(
        0.1,
        ge=0,
        le=10,
        description="Width of the conversion curve around quality = expectation (value units); 0 = hard threshold.",
    )
    max_conversion: Probability = Field(
        0.5, ge=0, le=1, description="Conversion probability of a persuaded person when value far exceeds expectation."
    )
    rejection: Probability = Field(
        0.2,
        ge=0,
        le=1,
        description="Probability that a persuaded person who does not convert turns away for good (rejecter).",
    )
    experience_sd: float = Field(
        0.1, ge=0, le=10, description="Noise of the lived experience around quality (value units)."
    )
    advocate_margin: float = Field(
        0.0, ge=-10, le=10, description="Experience - expectation at or above which an adopter advocates."
    )
    detractor_margin: float = Field(
        -0.15, ge=-10, le=10, description="Experience - expectation below which an adopter becomes a detractor."
    )

    @model_validator(mode="after")
    def _margins_ordered(self) -> EngineConfig:
        if self.detractor_margin > self.advocate_margin:
            raise ValueError("engine.detractor_margin must be <= engine.advocate_margin")
        return self


class WomConfig(Section):
    """Word of mouth: who talks, for how long, and how persuasive a message is.

    Talking only in the step right after adopting (active_steps = 1) gives the independent cascade
    model; talking forever with no decay gives the Bass / SI model.
    """

    transmission: Probability = Field(
        0.1,
        ge=0,
        le=1,
        description="Probability that a seen positive message between two people with a full-strength tie persuades.",
    )
    q: float = Field(
        0.0,
        ge=0,
        le=100,
        description="Well-mixed word-of-mouth rate (per day): Bass imitation coefficient, used when network.kind = 'well_mixed'.",
    )
    active_steps: int | Literal["forever"] = Field(
        FOREVER, description='Steps after adopting during which an advocate talks (an integer >= 1, or "forever").'
    )
    decay_rate: float = Field(
        0.0, ge=0, le=100, description="Talk probability decays as exp(-decay_rate * days since adopting) (per day)."
    )
    negative_transmission_factor: float = Field(
        2.0,
        ge=0,
        le=100,
        description="Negative messages persuade this many times more often ('bad news travels a thousand li').",
    )
    negative_reach_factor: float = Field(
        1.5, ge=0, le=100, description="Negative messages are seen by this many times more contacts."
    )
    rule: Literal["independent", "threshold", "dose_response"] = Field(
        "independent",
        description="How peers on `rule_layer` persuade (docs/model.md, 'Adoption rules'): 'independent': "
        "every persuasive contact persuades on its own; 'threshold': once the share of a person's neighbours who "
        "adopted reaches their threshold (Watts); 'dose_response': once the persuasive contacts remembered "
        "for memory_days reach dose_threshold (Dodds-Watts; Centola with distinct_sources).",
    )
    rule_layer: Literal["offline", "weibo"] = Field(
        "offline",
        description="The pairwise layer the threshold and dose-response rules read (its channel must be on); "
        "on Weibo a person's neighbours are the accounts they follow.",
    )
    threshold: Probability = Field(
        0.18,
        ge=0,
        le=1,
        description="rule = 'threshold': mean share (0-1) of a person's neighbours who must have adopted "
        "(at least one neighbour always).",
    )
    threshold_sd: float = Field(
        0.0,
        ge=0,
        le=1,
        description="rule = 'threshold': spread of thresholds across people (share units; normal, clipped "
        "to 0-1); 0 = the same threshold for everyone.",
    )
    dose_threshold: int = Field(
        2,
        ge=1,
        le=1000,
        description="rule = 'dose_response': doses (persuasive contacts) in memory that persuade; 1 = independent.",
    )
    memory_days: float = Field(
        30.0,
        gt=0,
        le=MAX_DAYS,
        description="rule = 'dose_response': how long a dose is remembered (days; at least the step it came in).",
    )
    distinct_sources: bool = Field(
        False,
        description="rule = 'dose_response': count distinct senders in memory, not contacts "
        "(k distinct exposures: Centola's complex contagion).",
    )

    @field_validator("active_steps")
    @classmethod
    def _positive_steps(cls, v):
        if isinstance(v, int) and v < 1:
            raise ValueError('must be an integer >= 1 or "forever"')
        return v

    @property
    def active_limit(self) -> float:
        """Active steps as a number (inf for forever)."""
        return math.inf if self.active_steps == FOREVER else float(self.active_steps)


class AdvertisingConfig(Section):
    """Mass media as external influence (Bass innovation coefficient p) bought by a daily spend.

    Reach follows from spend through the response curve `sim.config.budget.ad_reach`:
    p = p_max * (1 - exp(-spend_per_day / spend_scale)) ad contacts per person per day (diminishing
    returns); no spend, no reach. Each ad contact also costs cost_per_contact."""

    p_max: float = Field(
        0.022, ge=0, le=100, description="Ad contacts per person per day that unlimited spend would buy (per day)."
    )
    spend_scale: float = Field(
        50_000.0,
        gt=0,
        le=MAX_MONEY,
        description="Daily spend that buys 63% (1 - 1/e) of p_max: the scale of diminishing returns (currency/day).",
    )
    spend_per_day: float = Field(
        0.0, ge=0, le=MAX_MONEY, description="Advertising spend per day while running (currency/day)."
    )
    cost_per_contact: float = Field(
        0.0, ge=0, le=MAX_MONEY, description="Cost of each ad contact on top of the daily spend (currency/contact)."
    )
    start_day: float = Field(0.0, ge=0, le=MAX_DAYS, description="First day ads run.")
    stop_day: float = Field(NEVER, ge=0, le=NEVER, allow_inf_nan=True, description="Day ads stop (inf = never).")
    start_at_adoption: Probability = Field(
        0.0,
        ge=0,
        le=1,
        description="Ads wait until this share of the population has adopted (loyalty first; 0 = no wait).",
    )

    @property
    def p(self) -> float:
        """Ad contacts per person per day while ads run (Bass p): what spend_per_day buys (`ad_reach`)."""
        return ad_reach(self.p_max, self.spend_per_day, self.spend_scale)


class LayerConfig(Section):
    """What every accelerator layer has: its reach, speed, persistence and tie strength."""

    enabled: bool = Field(True, description="Switch the layer on or off.")
    speed: float = Field(1.0, ge=0, le=1000, description="Posts (talk events) per day by a person who is talking.")
    reach: Probability = Field(
        1.0, ge=0, le=1, description="Probability that a contact sees a post at some point during its life."
    )
    persistence: float = Field(
        0.0, ge=0, le=3650, description="How long a post stays visible (days); 0 = only in the step it is made."
    )
    tie_strength: Probability = Field(0.5, ge=0, le=1, description="Initial tie strength on this layer (0-1).")
    transmission_factor: float = Field(1.0, ge=0, le=100, description="Multiplies wom.transmission on this layer.")
    start_day: float = Field(0.0, ge=0, le=MAX_DAYS, description="Day the layer opens (channel sequencing).")
    stop_day: float = Field(
        NEVER, ge=0, le=NEVER, allow_inf_nan=True, description="Day the layer closes (inf = never)."
    )

    def is_open(self, day: float) -> bool:
        """Whether the layer runs on this day (switched on, and between its start and stop days)."""
        return self.enabled and self.start_day <= day < self.stop_day


class NetworkConfig(LayerConfig):
    """The offline social network (strong, clustered small-group ties) that everyone lives in."""

    kind: Literal["small_world", "erdos_renyi", "community_blocks", "well_mixed", "edgelist"] = Field(
        "small_world",
        description="Graph of offline ties; 'community_blocks' = communities with few ties between them "
        "(stochastic block model); 'well_mixed' = everyone meets everyone (mean field, uses wom.q).",
    )
    mean_degree: float = Field(
        8.0,
        ge=0,
        le=10_000,
        description="Average number of offline contacts per person (small_world uses the nearest even number).",
    )
    rewire: Probability = Field(
        0.1, ge=0, le=1, description="Small-world rewiring probability (0 = ring lattice, 1 = random)."
    )
    blocks: int = Field(
        100,
        ge=1,
        le=MAX_POPULATION,
        description="Number of communities when kind = 'community_blocks' (near-equal sizes, random membership).",
    )
    mixing: Probability = Field(
        0.1, ge=0, le=1, description="Share of a person's ties outside their community when kind = 'community_blocks'."
    )
    path: str | None = Field(
        None,
        max_length=4096,
        description="Edge-list file (two columns of node labels) when kind = 'edgelist'; relative to the scenario file.",
    )
    tie_strength: Probability = Field(0.8, ge=0, le=1, description="Initial offline tie strength (strong ties).")
    speed: float = Field(
        0.2,
        ge=0,
        le=1000,
        description="Conversations about the product per day by a person who is talking (slow: face to face).",
    )
    reach: Probability = Field(0.5, ge=0, le=1, description="Share of offline contacts present at such a conversation.")

    @model_validator(mode="after")
    def _path_for_edgelist(self) -> NetworkConfig:
        if self.kind == "edgelist" and not self.path:
            raise ValueError("network.path is required when network.kind = 'edgelist'")
        return self


class ForumConfig(LayerConfig):
    """A forum community: members see each other's posts on their board; posts persist (MIUI forum)."""

    enabled: bool = Field(False, description="Switch the channel on.")
    membership: Probability = Field(0.05, ge=0, le=1, description="Fraction of people who are forum members.")
    board_size: int = Field(
        500, ge=2, le=MAX_POPULATION, description="Members per board (sub-forum); a post is visible to its board."
    )
    speed: float = Field(0.3, ge=0, le=1000, description="Posts per day by a talking member.")
    reach: Probability = Field(0.2, ge=0, le=1, description="Share of the board that reads a post during its life.")
    persistence: float = Field(14.0, ge=0, le=3650, description="Days a forum post stays visible (posts persist).")
    tie_strength: Probability = Field(0.3, ge=0, le=1, description="Initial tie of a member to the community.")


class WeiboConfig(LayerConfig):
    """A broadcast follower layer like Weibo: directed, heavy-tailed followers, fast decay."""

    enabled: bool = Field(False, description="Switch the channel on.")
    follows_mean: float = Field(20.0, ge=0, le=10_000, description="Accounts followed per person (mean).")
    popularity_exponent: float = Field(
        2.0, gt=1, le=10, description="Tail exponent of follower counts (smaller = more heavy-tailed)."
    )
    official_followers: Probability = Field(
        0.02, ge=0, le=1, description="Fraction of people who follow the brand's official account."
    )
    speed: float = Field(0.5, ge=0, le=1000, description="Posts per day by a talking person.")
    reach: Probability = Field(0.3, ge=0, le=1, description="Share of followers who see a post before it scrolls away.")
    persistence: float = Field(0.5, ge=0, le=3650, description="Days a post stays in followers' feeds (fast decay).")
    tie_strength: Probability = Field(0.2, ge=0, le=1, description="Initial follower tie strength (weak ties).")


class WechatConfig(LayerConfig):
    """Close chat groups like WeChat groups: small circles, strong ties, a service channel."""

    enabled: bool = Field(False, description="Switch the channel on.")
    group_size: int = Field(8, ge=2, le=10_000, description="People per chat group.")
    groups_per_person: int = Field(2, ge=1, le=100, description="Chat groups each person is in.")
    speed: float = Field(0.3, ge=0, le=1000, description="Messages per day by a talking member.")
    reach: Probability = Field(0.8, ge=0, le=1, description="Share of a group that reads a message.")
    persistence: float = Field(1.0, ge=0, le=3650, description="Days a group message stays visible.")
    tie_strength: Probability = Field(
        0.6, ge=0, le=1, description="Initial tie of a member to the group (close circles)."
    )


class ChannelsConfig(Section):
    """The online accelerator layers."""

    forum: ForumConfig = ForumConfig()
    weibo: WeiboConfig = WeiboConfig()
    wechat: WechatConfig = WechatConfig()


class OfficialConfig(Section):
    """What the brand's official accounts do on the channels they are on."""

    posts_per_day: float = Field(
        1.0, ge=0, le=1000, description="Posts per day per official account on each open channel."
    )
    channels: list[Literal["forum", "weibo", "wechat"]] = Field(
        ["forum", "weibo"], description="Channels the official accounts post on."
    )


class RelationshipConfig(Section):
    """The relationship chain: tie strengths grow with interaction and decay without it.

    A message's persuasiveness is multiplied by the strength of the tie it travels along; the tie to
    the brand grows when a person participates, and an adopter whose brand tie passes fan_threshold
    becomes a fan (and falls back below fan_exit).
    """

    growth: Probability = Field(
        0.05, ge=0, le=1, description="Fraction of the gap to full strength closed by one interaction on a tie."
    )
    decay_rate: float = Field(
        0.01, ge=0, le=100, description="Ties relax back to their layer's initial strength at this rate (per day)."
    )
    initial_brand_tie: Probability = Field(
        0.1, ge=0, le=1, description="Tie to the brand of a person who has not participated."
    )
    brand_growth: Probability = Field(
        0.1, ge=0, le=1, description="Fraction of the gap to 1 closed by one participation."
    )
    brand_decay: float = Field(
        0.01, ge=0, le=100, description="Brand tie relaxes to initial_brand_tie at this rate (per day)."
    )
    participation_rate: float = Field(
        0.05, ge=0, le=100, description="Participations per day of an advocate or fan (posting feedback, joining in)."
    )
    fan_threshold: Probability = Field(0.6, ge=0, le=1, description="Brand tie at which an advocate becomes a fan.")
    renew_talk: bool = Field(
        True, description="A participation restarts the person's talk window (participation keeps people talking)."
    )
    fan_exit: Probability = Field(
        0.4, ge=0, le=1, description="Brand tie below which a fan falls back to an ordinary adopter."
    )
    tie_assurance: Probability = Field(
        0.0,
        ge=0,
        le=1,
        description="Strong ties in the decision: share of a shortfall of value below expectation closed per unit "
        "of the persuading tie's strength (0 = the decision ignores ties).",
    )
    answer_back: Probability = Field(
        0.0,
        ge=0,
        le=1,
        description="Fans who answer back: a complaint's persuasion falls by this share times the share of fans "
        "among its audience on forum boards, WeChat groups and Weibo followers (0 = fans stay silent).",
    )
    use_brand_growth: Probability = Field(
        0.0,
        ge=0,
        le=1,
        description="Fraction of the gap to 1 of an advocate's or fan's brand tie closed per day of satisfied "
        "use, without taking part (0: only participation builds brand ties; issue 14's falsification of claim 3).",
    )

    @model_validator(mode="after")
    def _exit_below_entry(self) -> RelationshipConfig:
        if self.fan_exit > self.fan_threshold:
            raise ValueError("relationship.fan_exit must be <= relationship.fan_threshold")
        return self


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

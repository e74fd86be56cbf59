"""The accelerators of a scenario: advertising, the offline network, the online channels and the official accounts.

Every layer people talk on (the offline network and each online channel) shares the fields of
`LayerConfig`: reach, speed, persistence, tie strength and the days it is open.
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.config.budget import ad_reach
from sim.config.limits import MAX_DAYS, MAX_POPULATION
from sim.config.section import NEVER, Money, Probability, Section


class AdvertisingConfig(Section):
    """Mass media as external influence (Bass innovation coefficient p) bought by a daily spend.

    Reach follows from spend through the response curve `sim.config.budget.ad_reach`:
    p = p_max * (1 - exp(-spend_per_day / spend_scale)) ad contacts per person per day (diminishing
    returns); no spend, no reach. Each ad contact also costs cost_per_contact."""

    p_max: float = Field(
        0.022, ge=0, le=100, description="Ad contacts per person per day that unlimited spend would buy (per day)."
    )
    spend_scale: Money = Field(
        50_000.0,
        gt=0,
        description="Daily spend that buys 63% (1 - 1/e) of p_max: the scale of diminishing returns (currency/day).",
    )
    spend_per_day: Money = Field(0.0, description="Advertising spend per day while running (currency/day).")
    cost_per_contact: Money = Field(
        0.0, description="Cost of each ad contact on top of the daily spend (currency/contact)."
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
    start_at_adoption: Probability = Field(
        0.0,
        ge=0,
        le=1,
        description="The layer waits until this share of the population has adopted, as advertising's "
        "start_at_adoption (channel sequencing by users; 0 = no wait).",
    )

    def is_open(self, day: float) -> bool:
        """Whether the layer runs on this day by its days alone (switched on, and between its start and stop
        days); its start_at_adoption is checked against the population by the model (`WomModel.layer_open`)."""
        return self.enabled and self.start_day <= day < self.stop_day


#: Network kinds read from the file at network.path.
FILE_KINDS = ("edgelist", "graph_file")


class NetworkConfig(LayerConfig):
    """The offline social network (strong, clustered small-group ties) that everyone lives in."""

    kind: Literal[
        "small_world",
        "erdos_renyi",
        "community_blocks",
        "well_mixed",
        "edgelist",
        "graph_file",
        "karate",
        "davis",
        "florentine",
        "les_miserables",
    ] = Field(
        "small_world",
        description="Graph of offline ties; 'community_blocks' = communities with few ties between them "
        "(stochastic block model); 'well_mixed' = everyone meets everyone (mean field, uses wom.q); "
        "'edgelist' and 'graph_file' (GraphML, GML, Pajek) = a file at network.path; 'karate', 'davis', "
        "'florentine', 'les_miserables' = networkx's bundled real social graphs (the population is the graph's).",
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
        description="File of the network when kind = 'edgelist' (two node columns: text, .csv or .parquet) or "
        "'graph_file' (.graphml, .gml, .net); relative to the scenario file.",
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
        if self.kind in FILE_KINDS and not self.path:
            raise ValueError(f"network.path is required when network.kind = '{self.kind}'")
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

"""The scenario section of fan economy versus community economy (`sim.playbook.community`).

A mechanism section of sim.config.schema.Scenario (sim.config.mechanisms); the same strict, bounded
validation applies (sim.config.section.Section).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.config.limits import MAX_POPULATION
from sim.config.section import NEVER, MechanismSection, Probability

#: New ties a member makes in the community at most: the default (Dunbar's innermost circles hold about 15
#: people), and the largest a scenario may ask for (ties per person).
DEFAULT_MAX_NEW_TIES = 15
MAX_NEW_TIES = 150
#: Fewest members a community can split into parts of (a part of one person has nobody to befriend).
MIN_SPLIT_SIZE = 2


class CommunityConfig(MechanismSection):
    """Fan economy versus community economy.

    Vertical interaction (brand <-> fan) happens at relationship.participation_rate while the brand is
    active and stops on brand_steps_back_day. Horizontal interaction (fan <-> fan) happens at
    peer_rate * horizontal * (share of fans): it feeds on itself, so past a critical mass of fans a
    community keeps going when the brand steps back, and a fan base does not. peer_reach says whose fans
    count: 'population' (default) = the share of fans among advocates and fans everywhere, the same for
    everyone; 'ties' = the share of fans among a person's own offline contacts, so only people with fans
    around them are drawn in (the falsification run of claim 4, docs/experiments.md section 3).

    The community's members are its fans. It closes sales (trust > 0): a persuaded person weighs the product
    against an expectation lowered by trust * horizontal * (share of members among their offline contacts);
    members who take part in the same step become friends (befriend = true: the offline ties between them
    are used once more, so they grow); past split_size members it splits into parts, and friends are made
    only within a part; members taking part together make new friends (new_ties > 0: new offline ties
    between them, at most max_new_ties each); past intimacy_size members per part, trust and peer
    participation fade, so a split restores them. All five are off by default.
    """

    position = 11

    horizontal: Probability = Field(
        0.0, ge=0, le=1, description="How much fans interact with each other (0 = fan economy, 1 = community economy)."
    )
    peer_rate: float = Field(
        0.2, ge=0, le=100, description="Participations per day among peers when everyone is a fan."
    )
    peer_reach: Literal["population", "ties"] = Field(
        "population",
        description="Whose fans draw a person into peer participation: 'population' = the share of fans "
        "among all advocates and fans; 'ties' = the share of fans among the person's offline contacts "
        "(needs the offline network).",
    )
    brand_steps_back_day: float = Field(
        NEVER,
        ge=0,
        le=NEVER,
        allow_inf_nan=True,
        description="Day the brand stops interacting with fans (inf = never).",
    )
    trust: float = Field(
        0.0,
        ge=0,
        le=1,
        description="The community closes the sale: value units taken off a persuaded person's expectation when "
        "all their offline contacts are members (fans) and horizontal = 1; it scales with the share of members "
        "among their contacts and with horizontal (0 = off; needs the offline network).",
    )
    befriend: bool = Field(
        False,
        description="Members (fans) who take part in the same step become friends: each offline tie between two "
        "of them is used once more that step and grows by relationship.growth (needs the offline network).",
    )
    new_ties: Probability = Field(
        0.0,
        ge=0,
        le=1,
        description="Members make new friends: the chance per step that a member (fan) taking part befriends one "
        "other member taking part in the same step (and the same part) whom they are not tied to yet; the new "
        "offline tie carries talk, counts among their contacts and grows with use like any other (0 = off; "
        "needs the offline network and wom.rule = 'independent').",
    )
    max_new_ties: int = Field(
        DEFAULT_MAX_NEW_TIES,
        ge=1,
        le=MAX_NEW_TIES,
        description="New ties a member makes in the community at most (ties per person): the bound of the "
        "friendships community.new_ties adds, and of the memory they take (16 bytes a tie, 24 when ties grow).",
    )
    split_size: int | None = Field(
        None,
        ge=MIN_SPLIT_SIZE,
        le=MAX_POPULATION,
        description="Members (people) past which the community splits into ceil(members / split_size) parts, each "
        "member drawn into one; friends are made only within a part, so it acts only with befriend = true "
        "(trust and the peer rate fade with a part's size only with intimacy_size; none = never splits).",
    )
    intimacy_size: int | None = Field(
        None,
        ge=1,
        le=MAX_POPULATION,
        description="Members per part (people) past which members know each other less: trust and peer "
        "participation are multiplied by intimacy_size / (members per part) (none = they never fade). A split "
        "(split_size) restores them.",
    )

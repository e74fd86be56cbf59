"""The participation playbook's sections of a scenario: strategies and tactics, each off unless enabled.

Part of the scenario schema (sections of sim.config.schema.Scenario); the same strict, bounded
validation applies (sim.config.section.Section).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from sim.config.limits import MAX_DAYS, MAX_LIST, MAX_POPULATION
from sim.config.section import NEVER, MechanismSection, Money, Probability, Section


class HitProductConfig(MechanismSection):
    """Hit product: a development budget split over k products.

    Each product gets budget/k; quality rises with (budget/k) ** budget_exponent, the square root by
    default (diminishing returns), so focus buys quality; a portfolio fits more tastes (expectations are
    met more closely, by variety_fit per doubling of k) but splits the participation the brand can
    sustain k ways. Adoption of any of the brand's products counts as adoption.
    """

    products: int = Field(1, ge=1, le=100, description="Number of products the budget is split over (k).")
    budget: float = Field(1.0, ge=0, le=1000, description="Development budget (budget units; 1 = one typical product).")
    quality_per_budget: float = Field(
        0.2,
        ge=0,
        le=10,
        description="Quality gained by a product with budget 1 (value units); scales as (budget/k) ** budget_exponent.",
    )
    budget_exponent: float = Field(
        0.5,
        ge=0,
        le=2,
        description="Returns to a product's budget (dimensionless): quality gain ~ (budget/k) ** exponent; "
        "0.5 = square root (diminishing returns), 1 = linear, 0 = splitting the budget costs no quality.",
    )
    variety_fit: float = Field(
        0.02, ge=0, le=1, description="Expectation gap closed per doubling of the number of products (value units)."
    )


class IncentiveConfig(Section):
    """One incentive for fans to participate: its extra participation, tie building and cost."""

    rate: float = Field(0.0, ge=0, le=100, description="Extra participations per day of an advocate or fan (per day).")
    tie_building: float = Field(
        1.0,
        ge=0,
        le=10,
        description="Brand-tie growth of one such participation relative to relationship.brand_growth.",
    )
    cost: Money = Field(0.0, description="Cost per participation (currency).")


class FanBuildingConfig(MechanismSection):
    """Fan building: incentives in the seed's order (function and information sharing, honour, material
    benefit) and an honour group of super users who test pre-releases."""

    sharing: IncentiveConfig = IncentiveConfig(rate=0.05, tie_building=1.0, cost=0.0)
    honour: IncentiveConfig = IncentiveConfig(rate=0.03, tie_building=1.5, cost=0.5)
    benefit: IncentiveConfig = IncentiveConfig(rate=0.05, tie_building=0.3, cost=5.0)
    super_users: int = Field(
        10, ge=0, le=MAX_POPULATION, description="Honour group of super users chosen among the seed users (MIUI: 10)."
    )
    super_user_participation: float = Field(
        0.5, ge=0, le=100, description="Participations per day of a super user (testing, feedback)."
    )
    super_user_feedback: float = Field(
        5.0, ge=0, le=1000, description="Feedback weight of one super-user participation (a pre-release test report)."
    )
    super_user_gift: Money = Field(
        0.0, description="Gifts to each honour-group member per day (currency per member per day)."
    )


class SelfMediaConfig(MechanismSection):
    """Self-media: official accounts as information nodes with a content mix and a posting frequency.

    Useful content persuades, emotional content is seen more, interactive content makes readers
    participate. Past `fatigue_posts_per_day`, each extra daily post makes followers unfollow and every
    post is read less (attention is split). Employees and fans act as spokespeople.
    """

    posts_per_day: float = Field(1.0, ge=0, le=1000, description="Posts per day per official account.")
    useful: Probability = Field(0.6, ge=0, le=1, description="Share of useful posts (information, service).")
    emotional: Probability = Field(0.2, ge=0, le=1, description="Share of emotional posts.")
    interactive: Probability = Field(
        0.2, ge=0, le=1, description="Share of interactive posts (questions, votes, games)."
    )
    useful_persuasion: float = Field(1.5, ge=0, le=10, description="Persuasion multiplier of a useful post.")
    emotional_reach: float = Field(1.5, ge=0, le=10, description="Reach multiplier of an emotional post.")
    interactive_participation: Probability = Field(
        0.2, ge=0, le=1, description="Chance a reader of an interactive post takes part."
    )
    fatigue_posts_per_day: float = Field(
        3.0, ge=0, le=1000, description="Posts per day a follower tolerates before fatigue."
    )
    unfollow_rate: float = Field(
        0.02, ge=0, le=10, description="Daily unfollow probability per post per day above the tolerance."
    )
    follow_on_adopt: Probability = Field(
        0.3, ge=0, le=1, description="Chance a new adopter follows the official account."
    )
    spokesperson_factor: float = Field(
        2.0, ge=0, le=100, description="Employees and fans post this many times more often."
    )

    @model_validator(mode="after")
    def _mix_sums_to_one(self) -> SelfMediaConfig:
        if abs(self.useful + self.emotional + self.interactive - 1.0) > 1e-6:
            raise ValueError("self_media.useful + emotional + interactive must sum to 1")
        return self


class NodeConfig(Section):
    """One participation node: how functional the need is and who benefits."""

    open: bool = Field(False, description="Whether the node is open to participation.")
    need: Probability = Field(
        0.5, ge=0, le=1, description="How functional the need is (more functional, more participants)."
    )
    user_benefit: Probability = Field(0.5, ge=0, le=1, description="What taking part gives the user.")
    brand_benefit: Probability = Field(
        0.5, ge=0, le=1, description="What it gives the brand; low benefit makes the brand neglect the node."
    )


class ParticipationNodesConfig(MechanismSection):
    """Open participation nodes in product, service, brand and sales.

    A node adds participations at rate base_rate * need * user_benefit; each builds the brand tie in
    proportion to the mutual benefit min(user, brand); the brand keeps a node alive in proportion to its
    own benefit, so a one-sided node fades (activity decays at neglect_rate * (1 - brand_benefit)).
    """

    base_rate: float = Field(
        0.2,
        ge=0,
        le=100,
        description="Participations per day of an advocate or fan at a fully open, fully useful node.",
    )
    neglect_rate: float = Field(
        0.02, ge=0, le=10, description="Daily decay of a node's activity per unit of missing brand benefit."
    )
    product: NodeConfig = NodeConfig()
    service: NodeConfig = NodeConfig()
    brand: NodeConfig = NodeConfig()
    sales: NodeConfig = NodeConfig()


class InteractionConfig(MechanismSection):
    """Interaction design: simple, beneficial, fun, authentic.

    Participation chances are multiplied by (simplicity + benefit + fun + authenticity) / 2 (1 at the
    neutral 0.5 scores); the sense of achievement (fun + authenticity) / 2 raises embedded sharing.
    """

    simplicity: Probability = Field(0.5, ge=0, le=1, description="How easy it is to take part (0-1).")
    benefit: Probability = Field(0.5, ge=0, le=1, description="What taking part gives the person (0-1).")
    fun: Probability = Field(0.5, ge=0, le=1, description="How enjoyable it is (0-1).")
    authenticity: Probability = Field(0.5, ge=0, le=1, description="How genuine it feels (0-1).")


class TopicEventConfig(Section):
    """An official topic event: a burst of talk for some days."""

    day: float = Field(..., ge=0, le=MAX_DAYS, description="Day the event starts.")
    days: float = Field(3.0, gt=0, le=365, description="How long it lasts (days).")
    talk_boost: float = Field(3.0, ge=1, le=100, description="Multiplier on everyone's posting during the event.")


class EventsConfig(MechanismSection):
    """WOM events: sharing embedded in the product, and official topic events (memes before launch)."""

    share_fraction: Probability = Field(
        0.0, ge=0, le=1, description="Share of new adopters whose use is posted automatically (embedded share)."
    )
    achievement_sharing: bool = Field(
        True, description="Participation with achievement raises sharing toward 100% (router example)."
    )
    launch_day: float = Field(
        0.0,
        ge=0,
        le=MAX_DAYS,
        description="Day the product can be bought; before it, talk spreads the meme (awareness) only.",
    )
    meme_talk: bool = Field(
        True, description="During topic events, aware non-adopters pass the meme on (talk without having the product)."
    )
    topics: list[TopicEventConfig] = Field(
        default_factory=list, max_length=MAX_LIST, description="Official topic events."
    )


class IterationConfig(MechanismSection):
    """Product iteration: a release every N days improves quality with the feedback gathered since the last."""

    every_days: float = Field(7.0, gt=0, le=3650, description="Days between releases (MIUI: weekly).")
    max_gain: float = Field(0.01, ge=0, le=10, description="Largest quality gain of one release (value units).")
    feedback_scale: float = Field(
        200.0, gt=0, le=1e12, description="Feedback items at which a release gets 63% of max_gain."
    )
    max_quality: float = Field(1.0, ge=-10, le=10, description="Quality ceiling.")


class ForumServiceConfig(MechanismSection):
    """Forum responsiveness: engineers answer feedback posts; answered feedback builds ties, unanswered erodes them."""

    engineers: int = Field(5, ge=0, le=MAX_POPULATION, description="Engineers answering posts.")
    replies_per_engineer: float = Field(
        150.0, ge=0, le=1e9, description="Replies per engineer per day (MIUI: about 150)."
    )
    answered_growth: Probability = Field(0.1, ge=0, le=1, description="Brand-tie growth of an answered poster.")
    unanswered_loss: Probability = Field(
        0.05, ge=0, le=1, description="Fraction of brand tie lost by an unanswered poster."
    )
    engagement_step: Probability = Field(
        0.2,
        ge=0,
        le=1,
        description="How much an answer raises (and silence lowers) the poster's willingness to participate.",
    )
    cost_per_reply: Money = Field(0.0, description="Staff time of one answered forum post (currency per reply).")


class MeetupsConfig(MechanismSection):
    """City meetups: every N days in the city with the most adopters, 30-50 attendees meet engineers."""

    every_days: float = Field(14.0, gt=0, le=3650, description="Days between meetups (Xiaomi: two weeks).")
    min_attendees: int = Field(30, ge=1, le=MAX_POPULATION, description="Fewest attendees of a meetup (Xiaomi: 30).")
    max_attendees: int = Field(50, ge=1, le=MAX_POPULATION, description="Most attendees of a meetup (Xiaomi: 50).")
    brand_growth: Probability = Field(0.3, ge=0, le=1, description="Brand-tie growth of an attendee.")
    cost: Money = Field(2000.0, description="Cost per meetup (currency).")

    @model_validator(mode="after")
    def _sizes(self) -> MeetupsConfig:
        if self.min_attendees > self.max_attendees:
            raise ValueError("meetups.min_attendees must be <= meetups.max_attendees")
        return self


class ReferralConfig(MechanismSection):
    """Referral gating (F-codes): buying needs a purchase code handed out by the community."""

    codes_per_fan: float = Field(0.05, ge=0, le=100, description="Codes a fan gives out per day.")
    codes_per_forum_senior: float = Field(
        0.02, ge=0, le=100, description="Codes per day per forum member who adopted at least senior_days ago."
    )
    senior_days: float = Field(
        30.0, ge=0, le=MAX_DAYS, description="Days of use that make an adopter senior / certified."
    )
    codes_per_owner: float = Field(0.01, ge=0, le=100, description="Codes per day per certified owner doing tasks.")
    codes_per_repost_event: float = Field(
        0.0, ge=0, le=1e9, description="Codes per day released through Weibo repost events."
    )
    cost_per_code: Money = Field(0.0, description="Logistics of one F-code handed out (currency per code).")


class CommunityConfig(MechanismSection):
    """Fan economy versus community economy.

    Vertical interaction (brand <-> fan) happens at relationship.participation_rate while the brand is
    active and stops on brand_steps_back_day. Horizontal interaction (fan <-> fan) happens at
    peer_rate * horizontal * (share of fans): it feeds on itself, so past a critical mass of fans a
    community keeps going when the brand steps back, and a fan base does not. peer_reach says whose fans
    count: 'population' (default) = the share of fans among advocates and fans everywhere, the same for
    everyone; 'ties' = the share of fans among a person's own offline contacts, so only people with fans
    around them are drawn in (the falsification run of claim 4, docs/experiments.md section 3).
    """

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

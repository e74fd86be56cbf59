"""The parameters of the behaviour rules (sim.model.rules): the engine, word of mouth, the relationship chain.

The engine is the product's value against each person's expectation, word of mouth is who talks, for
how long and how persuasively, and the relationship chain is how ties grow with interaction and decay
without it.
"""

from __future__ import annotations

import math
from typing import Literal

from pydantic import Field, field_validator, model_validator

from sim.config.limits import MAX_DAYS
from sim.config.section import FOREVER, Probability, Section


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
    brand_value: float = Field(
        0.0,
        ge=-10,
        le=10,
        description="What the brand itself is worth to people beyond the product (value units; seed S04, the brand "
        "era): added to the brand's value when people choose among brands or owners reconsider theirs (needs "
        "[brands]; whether to buy at all stays value against expectation).",
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
    q_cross: float = Field(
        0.0,
        ge=0,
        le=100,
        description="Cross-brand (category) word-of-mouth rate (per day), only with [brands] in a well-mixed market: "
        "each owner of one brand moves non-owners toward each other brand at this rate (Libai, Muller and Peres's "
        "q_cross; within-brand talk is wom.q).",
    )
    transmission_cross: Probability = Field(
        0.0,
        ge=0,
        le=1,
        description="Only with [brands] on a network: probability that a seen positive message from one brand's owner, "
        "on a full-strength tie, persuades toward the other brands (category talk; within-brand is "
        "wom.transmission; the two are exclusive outcomes of one message, their sum capped at 1).",
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

"""How a person ready to buy chooses among the brands that persuaded them (issue 26, part 2): the `[choice]`
section, market-wide (how people choose, whatever the brand), only with [brands].

A person chooses by a logit on each brand's value in the choice (`sim.model.brand_choice.brand_choice_values`):
its margin (quality minus their expectation of it), less `price_weight` times its price (each brand's
`money.price`) above the cheapest brand they consider, plus `tie_bonus` for the brand of the strongest tie
that persuaded them this step (on a network; a well-mixed market has no ties, so a bonus there is refused).
Both 0 by default: the choice is on value against expectation alone, as before. `consider` says which brands
are weighed: those that persuaded the person this step (the default, as before) or every brand they know
(docs/model.md 5.8).
"""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from sim.config.section import KeyConflict, Section

#: Largest weight of price in the choice (value units per currency unit): a value unit per thousandth of
#: the currency, beyond any price scale a scenario needs.
MAX_PRICE_WEIGHT = 1000.0
#: Largest bonus of the strongest persuading tie's brand (value units: the scale of quality and expectation).
MAX_TIE_BONUS = 10.0


class ChoiceConfig(Section):
    """What besides value against expectation a person weighs when choosing among brands: price and the tie
    that persuaded them. Off by default (both 0), and only with [brands] (a scenario of one brand is unchanged)."""

    price_weight: float = Field(
        0.0,
        ge=0,
        le=MAX_PRICE_WEIGHT,
        description="Value a person gives up per unit of a brand's price (money.price) above the cheapest brand "
        "they consider (value units per unit of price, a rate, not money): 0 = prices are not compared.",
    )
    tie_bonus: float = Field(
        0.0,
        ge=0,
        le=MAX_TIE_BONUS,
        description="Value added, in the choice, to the brand of the strongest tie that persuaded the person this "
        "step (value units; on a network only: a well-mixed market has no ties).",
    )

    consider: Literal["persuaded", "known"] = Field(
        "persuaded",
        description="The brands a person persuaded this step chooses among: 'persuaded' = the brands that persuaded "
        "them this step; 'known' = every brand they know and have not turned from (a message made them ready to buy).",
    )

    @property
    def on(self) -> bool:
        """Whether anything but value against expectation enters the weights of the choice."""
        return self.price_weight > 0 or self.tie_bonus > 0


def check_choice(scenario) -> None:
    """`[choice]` and a brand's value (`engine.brand_value`) need a market of brands, and the tie bonus a network
    (ties to persuade along)."""
    if not scenario.brands and scenario.engine.brand_value != 0:
        raise KeyConflict("engine.brand_value", "a brand's value weighs in a choice among brands: it needs [brands]")
    if scenario.choice == ChoiceConfig():
        return
    if not scenario.brands:
        raise KeyConflict("choice", "the choice between brands needs [brands] (a market of brands)")
    if scenario.choice.tie_bonus > 0 and (not scenario.network.enabled or scenario.network.kind == "well_mixed"):
        raise KeyConflict(
            "choice.tie_bonus",
            "a well-mixed market has no ties to persuade along: the bonus needs a network "
            "(network.enabled = true, network.kind other than 'well_mixed')",
        )

"""What a sale earns (issue 28): the `[money]` section, one per brand (top level, overridable under
`[brands.<name>]`).

A brand sells each unit at `price` and keeps `margin` of it (currency per unit: price minus the unit's
cost, so 0 <= margin <= price); money a brand earns or spends on day t is worth (1 + discount_rate)^(-t / 365)
of money today (`discount_rate` per year, in [0, 1)). With these the model keeps each brand's books of
discounted margins and spend (`sim.model.money`): customer lifetime value and the scenario's net present
value (docs/model.md, "Money: customer value and NPV"). The section is off while every margin is 0 (the
default): a run then records and reports nothing new.
"""

from __future__ import annotations

from pydantic import Field, model_validator

from sim.config.section import Money, Section

#: Days in the year the discount rate is quoted per (money on day t is discounted by (1 + rate)^(-t / DAYS_PER_YEAR)).
DAYS_PER_YEAR = 365.0


class MoneyConfig(Section):
    """A brand's price, unit margin and yearly discount rate (docs/model.md, "Money: customer value and NPV")."""

    price: Money = Field(0.0, description="Price of one unit sold (currency per unit).")
    margin: Money = Field(
        0.0,
        description="Margin the brand keeps on each unit sold: price minus the unit's cost (currency per unit; "
        "at most price; 0 = the money books are off).",
    )
    discount_rate: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="Yearly discount rate of money (per year, in [0, 1)): money on day t is worth "
        "(1 + rate)^(-t / 365) of money on day 0.",
    )

    @model_validator(mode="after")
    def _margin_within_price(self) -> MoneyConfig:
        if self.margin > self.price:
            raise ValueError(
                f"margin ({self.margin:g}) cannot exceed price ({self.price:g}): the margin is price minus unit cost"
            )
        return self

    @property
    def on(self) -> bool:
        """Whether a sale earns anything (margin above 0): only then are the money books kept."""
        return self.margin > 0

    def discount(self, day):
        """What money on `day` (days, a number or an array) is worth on day 0: (1 + rate)^(-day / 365)."""
        return (1.0 + self.discount_rate) ** (-(day / DAYS_PER_YEAR))

"""The scenario section of hit product: a development budget split over k products (`sim.playbook.hit_product`).

A mechanism section of sim.config.schema.Scenario (sim.config.mechanisms); the same strict, bounded
validation applies (sim.config.section.Section).
"""

from __future__ import annotations

from pydantic import Field

from sim.config.section import MechanismSection


class HitProductConfig(MechanismSection):
    """Hit product: a development budget split over k products.

    Each product gets budget/k; quality rises with (budget/k) ** budget_exponent, the square root by
    default (diminishing returns), so focus buys quality; a portfolio fits more tastes (expectations are
    met more closely, by variety_fit per doubling of k) but splits the participation the brand can
    sustain k ways. Adoption of any of the brand's products counts as adoption.
    """

    brand_ready = True  # it sets a brand's quality and expectation shift, nothing else

    position = 1

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

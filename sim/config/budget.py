"""Money: the scenario's `[budget]` section and the documented costs of paid actions.

Every paid action of the brand has a cost per action, set in the section of the mechanism that takes
it (docs/model.md, "Costs and the budget"): advertising per day and per ad contact
(`advertising.spend_per_day`, `advertising.cost_per_contact`), incentives per participation
(`fan_building.<incentive>.cost`), gifts to honour-group members per member and day
(`fan_building.super_user_gift`), meetups (`meetups.cost`), F-code logistics per code handed out
(`referral.cost_per_code`), staff time per forum reply (`forum_service.cost_per_reply`). The budget
caps what these may add up to: in total over the run and, optionally, per month of `MONTH_DAYS` days.
Without a `[budget]` section money is unlimited (both caps are `inf`).

Advertising reach follows from spend through a response curve with diminishing returns
(`ad_reach`): ad contacts per person per day p = p_max * (1 - exp(-spend_per_day / spend_scale)).
"""

from __future__ import annotations

import math

from pydantic import Field

from sim.config.section import MoneyCap, Section

#: Length of a budget month (days): month m covers days [m * MONTH_DAYS, (m + 1) * MONTH_DAYS).
MONTH_DAYS = 30.0
#: An unlimited amount of money (the default caps).
UNLIMITED = math.inf


class BudgetConfig(Section):
    """What the brand may spend on paid actions: a total over the run and a cap per month (inf = no cap).

    Paid actions ask the budget before acting; one the money left cannot pay for is not taken, and
    from then on the run is out of money (its day is recorded, `sim.model.budget.Ledger`)."""

    total: MoneyCap = Field(
        UNLIMITED,
        description="Total money for the run (currency; inf = no cap).",
    )
    per_month: MoneyCap = Field(
        UNLIMITED,
        description=f"Money per month of {MONTH_DAYS:g} days; unspent money does not carry over (currency; inf = no cap).",
    )

    @property
    def limited(self) -> bool:
        """Whether any cap is finite (else the run has unlimited money, as without the section)."""
        return math.isfinite(self.total) or math.isfinite(self.per_month)


def ad_reach(p_max: float, spend_per_day: float, spend_scale: float) -> float:
    """Ad contacts per person per day bought by `spend_per_day` (currency/day): the response curve
    p_max * (1 - exp(-spend_per_day / spend_scale)); the first money buys most (diminishing returns),
    spend_scale buys 63% of p_max, and p_max is never exceeded."""
    if spend_per_day <= 0 or p_max <= 0:
        return 0.0
    return p_max * -math.expm1(-spend_per_day / spend_scale)

"""The money books of a run (issue 28): each brand's discounted margins and spend, and each person's value.

Docs: docs/model.md, "Money: customer value and NPV". With a brand's `[money]` section on (a margin above 0,
`sim.config.money`), every unit the brand sells on day t earns margin x (1 + discount_rate)^(-t / 365), booked
to the brand and to the buyer; every amount the brand's ledger spends in the step ending on day t costs
amount x the same factor. A sale is a purchase of the product: a first purchase, an upgrade to a later
generation (product generations), a switch to the brand from a rival or a return after leaving the
category (a market of brands); seed users get the product (no sale). A sale is booked at the end of the
step it happens in, the day the model records as the buyer's `adopt_day`; spend at the end of its step.

- customer value of a person for brand b: the discounted margins b earned on that person's purchases
  within the horizon (`value[b, person]`); retention is what keeps those purchases coming: a customer who
  switches to a rival or leaves makes their next purchase elsewhere or never (nothing is earned for merely
  owning the product: no service or subscription margin);
- net present value of brand b: the sum of its customers' values minus its discounted spend (`npv(b)`):
  the `npv` column of the time series (every brand's together) and, with two brands or more, `npv_<brand>`.

Nothing is booked (and no column recorded) while every margin is 0: a run without money is unchanged.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from sim.config.money import MoneyConfig

#: The time-series column of the whole market's NPV (currency, cumulative), and the prefix of a brand's.
NPV_COLUMN = "npv"


class MoneyBooks:
    """Discounted margins and spend so far, per brand (currency), and each person's value per brand."""

    def __init__(self, configs: Sequence[MoneyConfig], n: int):
        self.cfg = list(configs)
        #: Whether any brand earns anything on a sale (else nothing is booked or recorded).
        self.on = any(c.on for c in self.cfg)
        count = len(self.cfg)
        #: Discounted margins (currency) per brand, and discounted spend (currency) per brand.
        self.earned = np.zeros(count)
        self.spent = np.zeros(count)
        #: Undiscounted spend already booked, per brand (the ledger's `spent` at the last step's end).
        self._spend_seen = np.zeros(count)
        #: Units sold per brand.
        self.units = np.zeros(count, dtype=np.int64)
        #: Discounted margins each person brought each brand (currency; brands x people; empty when off).
        self.value = np.zeros((count, n) if self.on else (count, 0))

    def sell(self, b: int, buyers: np.ndarray, day: float, units: np.ndarray | int = 1) -> None:
        """Brand b sells `units` (one each by default) to each of `buyers` (distinct people) on `day`."""
        if not self.on or len(buyers) == 0:
            return
        worth = self.cfg[b].margin * self.cfg[b].discount(day)
        earned = worth * np.asarray(units, dtype=float) if np.ndim(units) else np.full(len(buyers), worth * units)
        self.value[b, buyers] += earned
        self.earned[b] += float(earned.sum())
        self.units[b] += int(np.sum(units)) if np.ndim(units) else int(units) * len(buyers)

    def close_step(self, spent: Sequence[float], day: float) -> None:
        """Book the spend of the step ending on `day`: `spent` is each brand's ledger total so far (currency)."""
        if not self.on:
            return
        total = np.asarray(spent, dtype=float)
        factors = np.array([c.discount(day) for c in self.cfg])
        self.spent += (total - self._spend_seen) * factors
        self._spend_seen = total

    def npv(self, b: int | None = None) -> float:
        """Net present value so far (currency) of brand b, or of every brand together."""
        if b is None:
            return float(self.earned.sum() - self.spent.sum())
        return float(self.earned[b] - self.spent[b])


def npv_column(model, b: int | None = None) -> float:
    """The `npv` column (every brand) or `npv_<brand>` (brand b) of the step just recorded."""
    return model.money.npv(b)

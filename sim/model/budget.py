"""The ledger: the one place paid actions ask for money and book what they spend.

Every paid action of the playbook (ads, incentives, honour-group gifts, meetups, F-codes, forum
replies; their unit costs are declared by each part's `unit_costs` hook, `sim.playbook.base`) calls
`Ledger.buy(action, count, unit_cost, day)` before acting: it gets the number of actions the money
left pays for (all of them with unlimited money), books their cost, and acts only that many times.
The money left is the smaller of the total left and the current month's cap left
(`sim.config.budget`, months of MONTH_DAYS days; a month's unspent money does not carry over). The
first day an action is refused is the day the run ran out of money (`out_of_money_day`); with a
per-month cap paid actions resume next month.
"""

from __future__ import annotations

import math

from sim.config.budget import MONTH_DAYS, BudgetConfig

#: Time-series column (recorded only when a budget is set): 1 in a step where a paid action was refused.
OUT_OF_MONEY_COLUMN = "out_of_money"


class Ledger:
    """Spending so far (currency, cumulative: the `cost` column) against the scenario's budget."""

    def __init__(self, budget: BudgetConfig):
        self.total = budget.total
        self.per_month = budget.per_month
        self.limited = budget.limited
        #: Money spent so far (currency).
        self.spent = 0.0
        #: Money spent so far by action (currency).
        self.by_action: dict[str, float] = {}
        #: Actions taken so far by action, free ones included (count; e.g. participations through an incentive).
        self.taken: dict[str, int] = {}
        self._month = 0
        self._month_spent = 0.0
        #: First day a paid action was refused (NaN while every action was paid for).
        self.out_of_money_day = math.nan
        #: Whether an action was refused in the current step (reset by `new_step`).
        self.refused_this_step = False

    def new_step(self) -> None:
        """A new step begins: nothing refused yet."""
        self.refused_this_step = False

    def left(self, day: float) -> float:
        """Money the next paid action on `day` may use (inf without a budget)."""
        self._roll_month(day)
        return min(self.total - self.spent, self.per_month - self._month_spent)

    def buy(self, action: str, count: int, unit_cost: float, day: float) -> int:
        """Ask for `count` actions at `unit_cost` each (currency) on `day`: the number the money left pays
        for (at most `count`), booked. Free actions and unlimited money always get all of them."""
        if count <= 0 or unit_cost <= 0:
            self._take(action, max(count, 0))
            return max(count, 0)
        paid = count
        if self.limited:
            paid = min(count, int(self.left(day) // unit_cost))
            if paid < count:
                self.refused_this_step = True
                if math.isnan(self.out_of_money_day):
                    self.out_of_money_day = day
            if paid == 0:
                return 0
        self._take(action, paid)
        amount = unit_cost * paid
        self.spent += amount
        self._month_spent += amount
        self.by_action[action] = self.by_action.get(action, 0.0) + amount
        return paid

    def _take(self, action: str, count: int) -> None:
        """Count `count` more actions taken of `action`."""
        if count:
            self.taken[action] = self.taken.get(action, 0) + count

    def _roll_month(self, day: float) -> None:
        """Start a new month's allowance when `day` is past the current month."""
        month = int(day // MONTH_DAYS)
        if month != self._month:
            self._month = month
            self._month_spent = 0.0


def out_of_money(model) -> int:
    """The `out_of_money` column: 1 if a paid action was refused in the step just recorded."""
    return int(model.ledger.refused_this_step)

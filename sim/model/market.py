"""A market that grows (`[market]`, issue 26 part 5): who can buy at all on a given day.

Each person gets a fixed eligibility rank u, uniform in [0, 1), drawn once at build (`Purpose.ELIGIBILITY`,
a purpose of its own: switching the market on moves no other number). A person can buy on day t when u < share(t)
(`rules.eligible`): the share eligible follows the curve, and since the share never falls, eligibility
is for good. Employees and seed users are eligible from the start (`admit`). Ineligible people still
hear, are persuaded and become aware; only their chances to buy and to reject for good are 0 (`gate`): they
have not judged a product they cannot use yet. With `market.kind =
"fixed"` nothing is drawn and `gate` returns the chances it is given: the model is today's.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from sim.config.market import MarketConfig, read_curve
from sim.model import rules, theory
from sim.model.streams import Purpose, StepDraws

#: The rank of people eligible from the start (employees, seed users): below every share, 0 included.
ALWAYS = -1.0


def curve_share(day: float, days: np.ndarray, shares: np.ndarray) -> float:
    """The share eligible on `day` along a category curve: linear between its rows, flat before its first
    row and after its last (np.interp)."""
    return float(np.interp(day, days, shares))


def share_function(cfg: MarketConfig) -> Callable[[float], float]:
    """The share of the population eligible as a function of the day, for a market that grows."""
    if cfg.kind == "curve":
        days, shares = read_curve(cfg.curve)
        return lambda day: curve_share(day, days, shares)
    if cfg.kind == "guseo_guidolin":
        return lambda day: float(theory.gg_potential(day, cfg.potential, cfg.pc, cfg.qc))
    raise ValueError(f"market.kind = '{cfg.kind}' does not grow")


class Market:
    """Who can buy: everyone (`market.kind = "fixed"`), or those whose rank is below the day's share."""

    def __init__(self, cfg: MarketConfig, n: int, draws: StepDraws) -> None:
        """`draws` give everyone's rank, at build, when the market grows."""
        self.on = cfg.on
        if self.on:
            self.share = share_function(cfg)
            self.rank = draws.uniform(Purpose.ELIGIBILITY, np.arange(n, dtype=np.int64))

    def admit(self, people: np.ndarray) -> None:
        """Make `people` eligible from the start (employees and seed users, who own the product on day 0)."""
        if self.on:
            self.rank[people] = ALWAYS

    def gate(self, chance: float | np.ndarray, people: np.ndarray, day: float) -> np.ndarray:
        """The chance each of `people`, persuaded on `day`, buys (`WomModel.conversion`) or turns away for good
        (`WomModel.rejection`): 0 outside the market, else `chance` (returned as given when the market is fixed)."""
        if not self.on:
            return chance
        return rules.market_chance(chance, self.rank[people], self.share(day))

    def eligible_count(self, day: float) -> int:
        """How many people can buy on `day` (the `eligible` column)."""
        return int(np.count_nonzero(rules.eligible(self.rank, self.share(day))))

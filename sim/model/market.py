"""A market that grows (`[market]`, issue 26 part 5): who can buy at all on a given day.

Each person gets a fixed eligibility rank u, uniform in [0, 1), drawn once at build (`Purpose.ELIGIBILITY`,
a purpose of its own: switching the market on moves no other number). A person can buy on day t when u < share(t)
(`rules.eligible`): the share eligible follows the curve, and since the share never falls, eligibility
is for good. Employees and seed users are eligible from the start (`admit`). Ineligible people still
hear, are persuaded and become aware; only their chances to buy and to reject for good are 0 (`gate`): they
have not judged a product they cannot use yet. With `market.kind =
"fixed"` nothing is drawn and `gate` returns the chances it is given: the model is today's.

Two options bring Guseo and Guidolin's (2009) assumptions in (`sim.config.market.MarketConfig`):
`talk_share_of = "market"` makes well-mixed word of mouth a share of the people eligible (`talk_base`: the
owners' talk weight over the eligible, not over everyone), and `entrants = "at_penetration"` lets each person
entering the market in a step (`entrants`: their rank crossed the share) buy at once with chance equal to the
market's penetration then (`WomModel.grow_market`; one draw `Purpose.MARKET_ENTRY` each). With both, an
eligible non-adopter adopts at hazard p + q z/m and entrants arrive adopted at rate z m'/m, so the mean
adopted share solves z' = m (p + q z/m)(1 - z/m) + z m'/m, whose solution is their closed form z = m F
(`theory.guseo_guidolin`; docked in tests/model/test_market_docking.py).
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
        #: Whether well-mixed talk is a share of the eligible (`talk_base`) and entrants buy at penetration.
        self.talk_of_market = cfg.talk_share_of == "market"
        self.entrants_adopt = cfg.entrants == "at_penetration"
        self.n = n
        if self.on:
            self.share = share_function(cfg)
            self.rank = draws.uniform(Purpose.ELIGIBILITY, np.arange(n, dtype=np.int64))
            self._sort()

    def _sort(self) -> None:
        """People in order of rank, and the ranks sorted: who is eligible below a share is a prefix."""
        self.order = np.argsort(self.rank, kind="stable")
        self.sorted_rank = self.rank[self.order]

    def admit(self, people: np.ndarray) -> None:
        """Make `people` eligible from the start (employees and seed users, who own the product on day 0)."""
        if self.on:
            self.rank[people] = ALWAYS
            self._sort()

    def gate(self, chance: float | np.ndarray, people: np.ndarray, day: float) -> np.ndarray:
        """The chance each of `people`, persuaded on `day`, buys (`WomModel.conversion`) or turns away for good
        (`WomModel.rejection`): 0 outside the market, else `chance` (returned as given when the market is fixed)."""
        if not self.on:
            return chance
        return rules.market_chance(chance, self.rank[people], self.share(day))

    def eligible_count(self, day: float) -> int:
        """How many people can buy on `day` (the `eligible` column): those of rank below the day's share."""
        if not self.on:
            return self.n
        return int(np.searchsorted(self.sorted_rank, self.share(day), side="left"))

    def talk_base(self, day: float) -> int:
        """The number well-mixed talk weight is divided by on `day`: everyone, or with `talk_share_of =
        "market"` the people who can buy (0 while nobody can: then talk reaches nobody)."""
        return self.eligible_count(day) if self.talk_of_market else self.n

    def entrants(self, day: float, dt: float) -> np.ndarray:
        """The people who enter the market in the step starting on `day`: eligible on `day`, not on `day - dt`
        (none in the first step, whose eligible were there from the start), in order of rank."""
        if not (self.on and self.entrants_adopt) or day <= 0:
            return np.empty(0, dtype=np.int64)
        lo = np.searchsorted(self.sorted_rank, self.share(day - dt), side="left")
        hi = np.searchsorted(self.sorted_rank, self.share(day), side="left")
        return self.order[lo:hi]

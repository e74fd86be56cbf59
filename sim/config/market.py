"""The market section of a scenario: the share of people who can buy at all, over time (issue 26, part 5).

`kind = "fixed"` (the default) is today's model: everyone can buy from day 0. `kind = "curve"` reads the
share eligible by day from a CSV (`read_curve`: columns `day`, `share`; linearly interpolated, flat
before its first row and after its last); `kind = "guseo_guidolin"` follows the dynamic market potential
of Guseo and Guidolin (2009), m(t) = K sqrt(F_c(t)) with F_c the Bass cdf of the communication process
(pc, qc). The model (`sim.model.market`) gives each person a fixed eligibility rank u and lets them buy
on day t once u < share(t). Two of Guseo and Guidolin's assumptions are options (`talk_share_of = "market"`,
`entrants = "at_penetration"`): with both, the mean adoption path is their closed form z = m(t) F(t).
"""

from __future__ import annotations

from pathlib import Path
from typing import Literal

import numpy as np
from pydantic import Field, model_validator

from sim.config.errors import ScenarioError
from sim.config.section import Section

#: The columns of a category curve CSV: the day (days since the run's start) and the share eligible.
DAY_COLUMN, SHARE_COLUMN = "day", "share"
#: Row numbers in messages count the header as row 1, so the first data row is row 2.
FIRST_DATA_ROW = 2
#: Most rows a category curve may have (one a day for a century is far fewer).
MAX_CURVE_ROWS = 100_000
#: Largest rate (per day) of the communication process's parameters.
MAX_RATE = 10.0


class MarketConfig(Section):
    """Who can buy at all: everyone (fixed), a share growing along a category curve, or Guseo-Guidolin's
    dynamic market potential. People outside the market hear and become aware but cannot buy yet."""

    kind: Literal["fixed", "curve", "guseo_guidolin"] = Field(
        "fixed",
        description="'fixed': everyone can buy from day 0 (no market growth); 'curve': the share eligible by day "
        "from the CSV at market.curve; 'guseo_guidolin': the share K sqrt(F_c(t)), F_c the Bass cdf of pc, qc.",
    )
    curve: str | None = Field(
        None,
        max_length=4096,
        description="CSV of the share eligible by day when kind = 'curve' (columns day, share; shares in [0, 1], "
        "never decreasing); relative to the scenario file.",
    )
    potential: float = Field(
        1.0, gt=0, le=1, description="Guseo-Guidolin: the final market potential K (share of the population)."
    )
    pc: float = Field(
        0.01, gt=0, le=MAX_RATE, description="Guseo-Guidolin: innovation rate of the communication process (per day)."
    )
    qc: float = Field(
        0.1, ge=0, le=MAX_RATE, description="Guseo-Guidolin: imitation rate of the communication process (per day)."
    )

    talk_share_of: Literal["population", "market"] = Field(
        "population",
        description="What well-mixed word of mouth is a share of: 'population' (the talkers' weight over everyone: "
        "Bass's imitation on the whole population) or 'market' (over the people who can buy now: imitation by the "
        "adopters' share of the market, Guseo and Guidolin's assumption).",
    )
    entrants: Literal["wait", "at_penetration"] = Field(
        "wait",
        description="People entering the market: 'wait' (they buy when next persuaded, as everyone) or "
        "'at_penetration' (each buys at once with chance equal to the market's penetration, adopters over people "
        "eligible: Guseo and Guidolin's assumption that the newly eligible join at the current penetration).",
    )

    @property
    def on(self) -> bool:
        """Whether the market grows (anything but 'fixed')."""
        return self.kind != "fixed"

    @model_validator(mode="after")
    def _curve_for_curve(self) -> MarketConfig:
        if self.kind == "curve" and not self.curve:
            raise ValueError("market.curve is required when market.kind = 'curve'")
        if not self.on and (self.talk_share_of != "population" or self.entrants != "wait"):
            raise ValueError(
                "market.talk_share_of and market.entrants need a market that grows (market.kind other than 'fixed')"
            )
        return self


def _row_error(path: Path, row: int, rule: str) -> ScenarioError:
    """The one-line error about one row of a category curve (rows counted from the header, row 1)."""
    return ScenarioError(f"{path}: row {row}: {rule}")


def read_curve(path: str | Path) -> tuple[np.ndarray, np.ndarray]:
    """The (days, shares) of a category curve CSV, checked: columns `day` and `share`, numbers, days >= 0
    and increasing, shares in [0, 1] and never decreasing (eligibility is for good). Any problem raises
    ScenarioError naming the file and the row or column, so the command prints one line and exits 2."""
    import pandas as pd  # imported on use: only scenarios with a curve need it

    path = Path(path)
    if not path.is_file():
        raise ScenarioError(f"{path}: market.curve: file not found")
    try:
        frame = pd.read_csv(path, nrows=MAX_CURVE_ROWS + 1)
    except (pd.errors.ParserError, pd.errors.EmptyDataError, UnicodeDecodeError, ValueError) as exc:
        reason = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise ScenarioError(f"{path}: not a readable CSV file: {reason}") from None
    missing = [c for c in (DAY_COLUMN, SHARE_COLUMN) if c not in frame.columns]
    if missing:
        found = ", ".join(map(str, frame.columns)) or "none"
        raise ScenarioError(f"{path}: needs columns '{DAY_COLUMN}' and '{SHARE_COLUMN}'; found: {found}")
    if len(frame) == 0 or len(frame) > MAX_CURVE_ROWS:
        raise ScenarioError(f"{path}: needs 1 to {MAX_CURVE_ROWS} rows, found {len(frame)}")
    data = frame[[DAY_COLUMN, SHARE_COLUMN]].apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
    bad = ~np.isfinite(data).all(axis=1)
    if bad.any():
        row = int(np.flatnonzero(bad)[0]) + FIRST_DATA_ROW
        raise _row_error(path, row, f"'{DAY_COLUMN}' and '{SHARE_COLUMN}' must be finite numbers")
    days, shares = data[:, 0], data[:, 1]
    check_curve(path, days, shares)
    return days, shares


def check_curve(path: Path, days: np.ndarray, shares: np.ndarray) -> None:
    """Refuse a curve whose days are negative or not increasing, or whose shares leave [0, 1] or decrease."""
    rules = [
        (days < 0, f"'{DAY_COLUMN}' must be >= 0", 0),
        ((shares < 0) | (shares > 1), f"'{SHARE_COLUMN}' must be in [0, 1] (a share of the population)", 0),
        (np.diff(days) <= 0, f"'{DAY_COLUMN}' must increase from row to row", 1),
        (
            np.diff(shares) < 0,
            f"'{SHARE_COLUMN}' decreases; the share eligible never falls (eligibility is for good)",
            1,
        ),
    ]
    for broken, rule, offset in rules:
        if broken.any():
            raise _row_error(path, int(np.flatnonzero(broken)[0]) + offset + FIRST_DATA_ROW, rule)

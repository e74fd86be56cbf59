"""The ABC's target: one observed series, or several cumulative series on one time axis (issue 29, part 6).

A target CSV has a `time` column (days) and either one value column as `wom fit-bass` reads it
(`adopted_total` or `new_adopters`: `sim.research.calibrate.bass.load_series`), or several cumulative
columns, each named after the simulated column it is compared with: `adopted_total` (everyone who adopted)
and `adopted_total_<brand>` (who bought brand <brand> of a market of brands, `[brands.<brand>]`). A cell
left empty is a value not observed (a brand not yet sold, a year not reported); each column is checked as a
series of its own (numbers, >= 0, never decreasing) over the rows where it has a value. The distance of
the ABC pools every fitted point of every column, so a series with more points weighs more.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from sim.config.brands import BRAND_NAME
from sim.config.schema import Scenario
from sim.research.calibrate.bass import (
    CUMULATIVE,
    INCREMENTS,
    TIME_COLUMN,
    SeriesError,
    TargetSeries,
    Vary,
    check_keys,
    check_problem,
    check_ranges,
    check_within,
    fitted_mask,
    load_series,
    read_target_csv,
    series_from_frame,
)

#: Prefix of a brand's cumulative buyers, as the market of brands writes it (`adopted_total_<brand>`).
BRAND_PREFIX = CUMULATIVE + "_"
#: What a column of a target of several series may be named (for messages).
COLUMNS_RULE = f"'{CUMULATIVE}' or '{BRAND_PREFIX}<brand>' (cumulative people; a brand of the scenario's [brands])"


@dataclass
class Targets:
    """Observed series on one time axis: each a cumulative column (or the one series of a plain CSV)."""

    path: Path
    series: list[TargetSeries]

    @property
    def columns(self) -> list[str]:
        """The simulated column each series is compared with, in the file's order."""
        return [s.column for s in self.series]

    @property
    def time(self) -> np.ndarray:
        """Every time at which some series has a value, sorted."""
        return np.unique(np.concatenate([s.time for s in self.series]))


def load_targets(path: str | Path) -> Targets:
    """Read a target CSV of one or several series (module doc); problems raise SeriesError naming the file."""
    path = Path(path)
    frame = read_target_csv(path)
    brand_columns = [c for c in frame.columns if str(c).startswith(BRAND_PREFIX)]
    if not brand_columns:
        return Targets(path, [load_series(path)])
    if TIME_COLUMN not in frame.columns:
        raise SeriesError(
            f"{path}: needs a '{TIME_COLUMN}' column; found columns: {', '.join(map(str, frame.columns))}"
        )
    values = [c for c in frame.columns if c != TIME_COLUMN]
    for column in values:
        name = str(column)[len(BRAND_PREFIX) :] if str(column).startswith(BRAND_PREFIX) else None
        if column != CUMULATIVE and (name is None or not BRAND_NAME.match(name)):
            raise SeriesError(f"{path}: column '{column}': each value column must be {COLUMNS_RULE}")
    series = []
    for column in values:
        observed = frame[frame[column].notna()]
        if len(observed) < 2:
            raise SeriesError(f"{path}: column '{column}': needs values in at least 2 rows")
        series.append(series_from_frame(path, observed, str(column)))
    return Targets(path, series)


def check_targets(
    scenario: Scenario,
    targets: Targets,
    varies: list[Vary],
    hold_out: list[float] = (),
    pseudo_keys: tuple[str, ...] = (),
) -> list[np.ndarray]:
    """`check_problem` for every series of the target; return each series' fitted rows.

    With several series: every column names a simulated one (a brand the scenario has), held-out times
    are rows of the file, and the free parameters are no more than the fitted points of all series.
    """
    allowed = [CUMULATIVE, *(BRAND_PREFIX + b for b in scenario.brands)]
    for column in targets.columns:
        if column not in allowed and column != INCREMENTS:
            raise SeriesError(
                f"{targets.path}: column '{column}': the scenario has no such series; allowed: {', '.join(allowed)}"
            )
    if len(targets.series) == 1:
        return [check_problem(scenario, targets.series[0], varies, hold_out, pseudo_keys)]
    check_keys(varies)
    missing = [t for t in hold_out if t not in targets.time]
    if missing:
        raise SeriesError(f"--hold-out {missing[0]:g}: no row of {targets.path} has this time")
    masks = [fitted_mask(s, list(hold_out)) for s in targets.series]
    points = int(sum(m.sum() for m in masks))
    if len(varies) > points:
        raise SeriesError(
            f"--vary: {len(varies)} free parameters but {targets.path} has only {points} data points to "
            f"fit (rows after time 0, not held out); give at most {points} --vary"
        )
    for s in targets.series:
        check_within(scenario, s)
    check_ranges(scenario, varies, pseudo_keys)
    return masks

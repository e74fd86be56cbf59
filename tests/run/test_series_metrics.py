"""Metrics read off one replicate's series (sim.run.series_metrics)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from sim.run.series_metrics import participation_retention, talk_days_per_adopter


def test_time_series_metrics():
    time = np.arange(0, 101, 1.0)
    ts = pd.DataFrame(
        {
            "time": time,
            "talking": 10.0,
            "adopted_total": 50,
            "participations": np.where(time <= 50, 2 * time, 100 + 0.5 * (time - 50)),
        }
    )
    assert talk_days_per_adopter(ts, 1000, None, 30) == pytest.approx(10 * 100 / 50)
    assert participation_retention(ts, 1000, 50, 30) == pytest.approx(0.25)


def test_days_to_adoption_interpolates_between_steps_and_is_nan_when_never_reached():
    """The GLM stages (16% and 95%) are registered series metrics of the common form: the first day the
    adopted share reaches the level, linearly between steps; NaN when the run ends below it."""
    from sim.run.metrics import METRICS, SERIES_MILESTONES
    from sim.run.series_metrics import days_to_adoption

    ts = pd.DataFrame({"time": [0.0, 1.0, 2.0, 3.0], "adopted_total": [0, 10, 90, 96]})
    assert days_to_adoption(0.16)(ts, 100, None, 0.0) == pytest.approx(1 + 6 / 80)
    assert days_to_adoption(0.95)(ts, 100, None, 0.0) == pytest.approx(2 + 5 / 6)
    assert np.isnan(days_to_adoption(0.97)(ts, 100, None, 0.0))
    for name, level in SERIES_MILESTONES.items():
        assert METRICS[name].compute(ts, 100, None, 0.0) == days_to_adoption(level)(ts, 100, None, 0.0)
        assert METRICS[name].lower_is_better and not METRICS[name].needs_day

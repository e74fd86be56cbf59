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

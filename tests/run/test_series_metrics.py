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


# --- one brand of a market of brands ----------------------------------------------------------------
def _two_brands() -> pd.DataFrame:
    """a from day 0 growing 10 a day; b entering on day 20 (first owners) growing 40 a day to 600; N = 1000."""
    time = np.arange(0, 51, 1.0)
    owners_b = np.where(time >= 20, np.minimum(40 * (time - 19), 600), 0)
    return pd.DataFrame({"step": np.arange(51), "time": time, "owners_a": 10 * time + 10, "owners_b": owners_b})


def test_brand_metrics_read_one_brand_of_the_series():
    """owners_final / owners_by_day / owners_gain read owners_<brand>; days_to_takeoff counts from the brand's
    first owners to TAKEOFF_LEVEL (5%) of the population, interpolating; a brand the run lacks is a KeyError."""
    from sim.run.series_metrics import TAKEOFF_LEVEL, days_to_takeoff, owners_by_day, owners_final, owners_gain

    ts = _two_brands()
    assert owners_final(ts, 1000, None, 30, "a") == pytest.approx(0.51)
    assert owners_by_day(ts, 1000, 10, 30, "a") == pytest.approx(0.11)
    assert owners_gain(ts, 1000, 30, 30, "b") - owners_gain(ts, 1000, 30, 30, "a") == pytest.approx(
        (0.6 - 0.44) - (0.51 - 0.31)
    )
    assert TAKEOFF_LEVEL == 0.05
    assert days_to_takeoff(ts, 1000, None, 30, "a") == pytest.approx(4.0)  # 10 t + 10 = 50 on day 4
    assert days_to_takeoff(ts, 1000, None, 30, "b") == pytest.approx(0.25)  # 40 on day 20, 80 on day 21
    assert np.isnan(days_to_takeoff(ts.assign(owners_b=0), 1000, None, 30, "b"))
    assert np.isnan(days_to_takeoff(ts, 100_000, None, 30, "a"))  # never 5% within the run
    with pytest.raises(KeyError, match="'c' is not a brand of this run"):
        owners_final(ts, 1000, None, 30, "c")


def test_brand_metrics_are_registered_by_template_and_bound_to_their_brand():
    from sim.run.brand_metrics import BRAND_TEMPLATES, brand_metric
    from sim.run.metrics import metric_label

    gain = brand_metric("owners_gain_b")
    assert gain.needs_day and gain.compute(_two_brands(), 1000, 30, 30) == pytest.approx(0.16)
    assert brand_metric("share_final_a").compute is None  # a run summary
    assert "b" in metric_label("days_to_takeoff_b") and "5%" in metric_label("days_to_takeoff_b")
    assert {"share_final", "share_peak", "owners_final", "owners_by_day", "owners_gain", "days_to_takeoff"} <= set(
        BRAND_TEMPLATES
    )

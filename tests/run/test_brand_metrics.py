"""The per-brand part of the metric registry (sim/run/brand_metrics.py): names by template and brand, labels
naming the brand, day objectives bound to their brand, and the summaries of a market's replicate."""

from __future__ import annotations

import pandas as pd
import pytest

from sim.run.brand_metrics import BRAND_METRICS, BRAND_OBJECTIVES, brand_metric, split_brand_metric
from sim.run.metrics import metric_label, summarize_replicate


def _market() -> pd.DataFrame:
    """Three steps of a market of brands a and b (100 people): nobody owns a brand, then a leads, then b."""
    rows = [(0, 0, 0), (1, 30, 10), (2, 20, 40)]
    return pd.DataFrame(
        {
            "step": [r[0] for r in rows],
            "time": [float(r[0]) for r in rows],
            "owners_a": [r[1] for r in rows],
            "owners_b": [r[2] for r in rows],
            "adopted_total": [0, 40, 60],
            "new_adopters": [0, 40, 20],
            "fans": [0, 0, 0],
            "detractors": [0, 0, 0],
            "adopters": [0, 40, 60],
            "cost": [0.0, 0.0, 0.0],
        }
    )


def test_names_split_into_template_and_a_brands_name():
    assert split_brand_metric("share_final_a") == ("share_final", "a")
    assert split_brand_metric("owners_by_day_rival_2") == ("owners_by_day", "rival_2")
    for name in ("share_final_", "share_final_A", "share_final_a b", "share_final_\r", "final_adoption", "x_a"):
        assert split_brand_metric(name) is None and brand_metric(name) is None, name
    assert set(BRAND_METRICS) == {"share_final", "share_peak", "owners_final", "npv", "owners_gain", "days_to_takeoff"}
    assert set(BRAND_OBJECTIVES) == {"share_by_day", "owners_by_day"}


def test_a_brands_metric_names_the_brand_and_reads_its_owners_on_the_day():
    m = brand_metric("share_by_day_b")
    assert m.name == "share_by_day_b" and "of b" in m.label and m.objective and m.share
    ts = _market()
    assert m.compute(ts, 100, 1.0, 0.0) == pytest.approx(10 / 40)
    assert m.compute(ts, 100, 0.0, 0.0) == 0.0  # nobody owns a brand yet
    assert brand_metric("owners_by_day_a").compute(ts, 100, 2.0, 0.0) == pytest.approx(0.2)
    assert metric_label("owners_final_a") == "Final owners of a (% of population)"


def test_a_markets_replicate_summary_has_each_brands_share_and_owners():
    summary = summarize_replicate(_market(), 100)
    assert summary["share_final_a"] == pytest.approx(20 / 60) and summary["share_final_b"] == pytest.approx(40 / 60)
    assert summary["share_peak_a"] == pytest.approx(30 / 40)
    assert summary["owners_final_a"] == pytest.approx(0.2) and summary["owners_final_b"] == pytest.approx(0.4)

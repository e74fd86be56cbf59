"""The per-brand metrics of a market of two brands or more (issue 26), part of the one metric registry: templates
`<template>_<brand>` (`share_final_a`, `owners_gain_b`), each a `sim.run.metrics.Metric` whose label names the brand.

`share_final` and `share_peak` are run summaries (`summarize_replicate` reports them for each brand of the run); the
others are read off the series by the functions of `sim.run.series_metrics`, which take the brand as well, and
`brand_metric` binds them to one brand, in the common form of `SeriesFunction`. Claims weigh them by brand
(`sim.research.claims`, docs/experiments.md section 6).
"""

from __future__ import annotations

import dataclasses
import functools

from sim.run import series_metrics as series
from sim.run.metrics import Metric

#: The templates, by name.
BRAND_METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric(
            "share_final",
            "Final market share of {brand} (% of owners)",
            "share of owners",
            "owners_<brand> / owners of every brand, at the last step",
            share=True,
        ),
        Metric(
            "share_peak",
            "Peak market share of {brand} (% of owners)",
            "share of owners",
            "largest owners_<brand> / owners of every brand over the steps",
            share=True,
        ),
        Metric(
            "owners_end",
            "Owners of {brand} at the end (% of population)",
            "share of population",
            "owners_<brand> at the last step / N",
            share=True,
            compute=series.owners_end,
        ),
        Metric(
            "owners_by_day",
            "Owners of {brand} on day D (% of population)",
            "share of population",
            "owners_<brand> on day D / N",
            share=True,
            reads="day",
            compute=series.owners_by_day,
        ),
        Metric(
            "owners_gain",
            "Owners of {brand} gained after day D (% of population)",
            "share of population",
            "(owners_<brand> at the last step - owners_<brand> on day D) / N",
            share=True,
            reads="day",
            compute=series.owners_gain,
        ),
        Metric(
            "days_to_takeoff",
            f"Days from {{brand}}'s entry to {series.TAKEOFF_LEVEL:.0%} of the population owning it",
            "days",
            f"first day owners_<brand> reaches {series.TAKEOFF_LEVEL:.0%} of N, minus the first day it has owners",
            lower_is_better=True,
            compute=series.days_to_takeoff,
        ),
    )
}


def brand_metric(name: str) -> Metric | None:
    """The registry's entry of a per-brand metric (`share_final_a`), its label naming the brand and, for one read
    off the series, its computation bound to the brand (the common form of `SeriesFunction`); None if the name is
    not one."""
    for template, metric in BRAND_METRICS.items():
        prefix = f"{template}_"
        if name.startswith(prefix) and len(name) > len(prefix):
            brand = name[len(prefix) :]
            compute = functools.partial(metric.compute, brand=brand) if metric.compute else None
            return dataclasses.replace(metric, name=name, label=metric.label.format(brand=brand), compute=compute)
    return None

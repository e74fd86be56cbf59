"""The per-brand part of the metric registry (sim.run.metrics): metrics of a market of two brands or more
(sim.model.brands), one per brand, named by a template and the brand (`share_final_a`, `owners_by_day_b`).

`BRAND_METRICS` are what a run of a market says about each brand (summaries, and measures read off the series);
`BRAND_OBJECTIVES` are read on a plan's day D, so `wom optimize` may score a plan by one brand's share or owners;
`brand_metric(name)` gives the `Metric` of one brand (its label naming the brand, its computation bound to it).
A brand's market share is its current owners over the owners of every brand.
"""

from __future__ import annotations

import dataclasses
import functools

from sim.config.brands import BRAND_NAME
from sim.run import series_metrics as series
from sim.run.metrics import Metric

#: The per-brand metrics of a market of two brands or more, by template: `share_final_<brand>`,
#: `share_peak_<brand>`, `owners_final_<brand>` and (with money) `npv_<brand>`, which `summarize_replicate`
#: reports for each brand of the run, and `owners_gain_<brand>` and `days_to_takeoff_<brand>`, read off the series
#: (claims compare them: docs/experiments.md section 6). `brand_metric` names one.
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
            "owners_final",
            "Final owners of {brand} (% of population)",
            "share of population",
            "owners_<brand> / N, at the last step (its penetration: it means the same whatever the rivals)",
            share=True,
            compute=series.owners_final,
        ),
        Metric(
            "npv",
            "Net present value of {brand}",
            "currency",
            "npv_<brand> at the last step: the brand's discounted margins minus its discounted spend (with money)",
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
#: The per-brand objectives of `wom optimize`, by template, read on a plan's day D: `share_by_day_<brand>`
#: and `owners_by_day_<brand>` (a spec's objective names its brand; `brand_metric` binds it).
BRAND_OBJECTIVES: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric(
            "share_by_day",
            "Market share of {brand} on day D (% of owners)",
            "share of owners",
            "owners_<brand> / owners of every brand, on day D",
            share=True,
            reads="day",
            compute=series.share_by_day,
            objective=True,
        ),
        Metric(
            "owners_by_day",
            "Owners of {brand} on day D (% of population)",
            "share of population",
            "owners_<brand> / N, on day D",
            share=True,
            reads="day",
            compute=series.owners_by_day,
            objective=True,
        ),
    )
}


#: Every per-brand template, the summaries and measures of a run and the optimiser's objectives (claims may compare any).
BRAND_TEMPLATES: dict[str, Metric] = BRAND_METRICS | BRAND_OBJECTIVES


def brand_metric(name: str) -> Metric | None:
    """The registry's entry of a per-brand metric (`share_final_a`, `owners_by_day_a`), its label naming the
    brand and its computation bound to it; None if the name is not one."""
    split = split_brand_metric(name)
    if split is None:
        return None
    template, brand = split
    m = BRAND_TEMPLATES[template]
    compute = functools.partial(m.compute, brand=brand) if m.compute else None
    return dataclasses.replace(m, name=name, label=m.label.format(brand=brand), compute=compute)


def split_brand_metric(name: str) -> tuple[str, str] | None:
    """(template, brand) of a per-brand metric's name (`share_final_a` -> (`share_final`, `a`)); None if the
    name is not one (the brand part must be a brand's name, sim.config.brands.BRAND_NAME)."""
    for template in BRAND_TEMPLATES:
        prefix = f"{template}_"
        if name.startswith(prefix) and BRAND_NAME.match(name[len(prefix) :]):
            return template, name[len(prefix) :]
    return None


def brands_in(names) -> list[str]:
    """The per-brand metric names among `names` (e.g. a spec's objective), in order."""
    return [name for name in names if split_brand_metric(name) is not None]

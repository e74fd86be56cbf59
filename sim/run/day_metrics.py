"""Metrics read off a replicate's time series on a given day: the objectives of `wom optimize`, and
the day a run ran out of money.

They use the same `Metric` record as the summary metrics of sim.run.metrics (`METRICS`), in a registry
of their own because they need a day (the summaries are of the whole run).
"""

from __future__ import annotations

import pandas as pd

from sim.run.metrics import Metric

#: Slack when matching a day to the step grid (days): float steps such as 0.05 do not land exactly.
DAY_SLACK = 1e-6
#: Metrics of one replicate read off its time series on a given day D (the last step ending by D):
#: what a plan is judged by (sim.research.optimize_spec). Shares are of the population.
OBJECTIVE_METRICS: dict[str, Metric] = {
    m.name: m
    for m in (
        Metric(
            "adopted_by_day",
            "Adopted by day D (% of population)",
            "share of population",
            "adopted_total / N",
            share=True,
        ),
        Metric("fans_by_day", "Fans on day D (% of population)", "share of population", "fans / N", share=True),
        Metric(
            "spend_by_day",
            "Spend by day D",
            "currency",
            "cost (cumulative spend on paid actions) on day D",
            lower_is_better=True,
        ),
        Metric(
            "cost_per_adopter_by_day",
            "Cost per adopter by day D",
            "currency per person",
            "spend by day D / adopters gained by day D (seeds excluded)",
            lower_is_better=True,
        ),
    )
}


def metrics_on_day(df_one_replicate: pd.DataFrame, population: int, day: float) -> dict[str, float]:
    """`OBJECTIVE_METRICS` of one replicate on `day` (the last recorded step with time <= day, within DAY_SLACK); cost per adopter is NaN when nobody was gained."""
    df = df_one_replicate.sort_values("step")
    row = df[df["time"] <= day + DAY_SLACK].iloc[-1]
    gained = float(row["adopted_total"] - df["adopted_total"].iloc[0])
    spend = float(row["cost"])
    return {
        "adopted_by_day": float(row["adopted_total"] / population),
        "fans_by_day": float(row["fans"] / population),
        "spend_by_day": spend,
        "cost_per_adopter_by_day": spend / gained if gained > 0 else float("nan"),
    }


def out_of_money_day(df_one_replicate: pd.DataFrame) -> float:
    """First day (end of the step) a paid action was refused for want of money; NaN if never or if the
    run had no budget (no `out_of_money` column)."""
    if "out_of_money" not in df_one_replicate.columns:
        return float("nan")
    refused = df_one_replicate[df_one_replicate["out_of_money"] > 0]
    return float(refused["time"].min()) if len(refused) else float("nan")

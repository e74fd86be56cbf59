"""The report's section on an optimized plan (`wom optimize` output given to `wom report`).

An optimize folder holds result.json (every re-evaluated plan and the baseline, with means and 90%
intervals over fresh replicates), ranked.csv and the charts; the section shows the winning plan's
decisions, a table of the plans against the baseline, and the response (and Pareto) charts.
"""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass
from pathlib import Path

from sim.config.errors import InputError
from sim.run.metrics import METRICS, OBJECTIVES

#: Files of an optimize output that the report reads.
RESULT_FILE = "result.json"
MANIFEST_FILE = "optimize.json"
CHARTS = (
    ("response.png", "How the objective responds to the decisions: importance, then each candidate's search score."),
    ("pareto.png", "Outcome against money: candidates, the Pareto front, re-evaluated plans with 90% intervals."),
)
#: Label of the baseline in an optimize result.
BASELINE = "baseline"


@dataclass
class PlanResult:
    """An optimize output: its folder and result.json."""

    source: Path
    result: dict


def is_optimize(directory: Path) -> bool:
    """Whether a directory is a finished `wom optimize` output."""
    return (directory / MANIFEST_FILE).is_file() and (directory / RESULT_FILE).is_file()


def read_plan(directory: Path) -> PlanResult:
    """Read an optimize output; an unreadable result.json is bad input."""
    try:
        return PlanResult(directory, json.loads((directory / RESULT_FILE).read_text(encoding="utf-8")))
    except (OSError, ValueError) as exc:
        raise InputError(f"{directory / RESULT_FILE}: cannot be read: {exc}") from None


def _interval(plan: dict, name: str, share: bool) -> str:
    """'52.1% [50.3%, 53.9%]' (or plain numbers) of a metric of a re-evaluated plan."""
    mean, lo, hi = (plan.get(f"{name}_{k}") for k in ("mean", "lo", "hi"))
    if mean is None or not math.isfinite(mean):
        return "–"

    def fmt(x: float | None) -> str:
        if x is None or not math.isfinite(x):
            return "?"
        return f"{100 * x:.1f}%" if share else f"{x:,.4g}" if abs(x) < 1000 else f"{x:,.0f}"

    return f"{fmt(mean)} <small>[{fmt(lo)}, {fmt(hi)}]</small>"


def plan_section(plans: list[PlanResult], figure, table) -> str:
    """HTML of every optimize output: winning plan, table against the baseline, charts. `figure(png, alt,
    caption)` and `table(header, rows)` are the report's own helpers."""
    parts = []
    for p in plans:
        r = p.result
        plans_ = r["plans"]
        winner, base = plans_[0], next(x for x in plans_ if x["plan"] == BASELINE)
        objective = r["objective"]
        mix = " + ".join(f"{w:g} × {m}" for m, w in objective["maximize"].items())
        budget = r["budget"]["total"]
        parts.append(
            f"<h3>{html.escape(r['spec'])}</h3><p>Objective: maximize {html.escape(mix)} on day "
            f"{objective['day']:g}; budget {budget if isinstance(budget, str) else f'{budget:,.0f}'}; "
            f"{r['candidates']} candidates searched with {html.escape(r['sampler'])}; the best re-evaluated "
            "on fresh seeds the search never used (90% intervals of the mean).</p>"
        )
        decisions = "".join(
            f"<li><code>{html.escape(k)}</code> = {html.escape(str(v))}</li>" for k, v in winner["params"].items()
        )
        parts.append(f"<p>Winning plan ({html.escape(winner['plan'])}):</p><ul>{decisions}</ul>")
        header = ["Plan", "Score", *(METRICS[m].label for m in OBJECTIVES), "Out of money"]
        rows = []
        for plan in [*[x for x in plans_ if x["plan"] != BASELINE], base]:
            ran_out = plan.get("out_of_money_share") or 0
            rows.append(
                [
                    html.escape(plan["plan"]),
                    _interval(plan, "score", False),
                    *(_interval(plan, m, METRICS[m].share) for m in OBJECTIVES),
                    f"{ran_out:.0%} of runs, day {plan['out_of_money_day_mean']:.0f}" if ran_out else "never",
                ]
            )
        parts.append(table(header, rows))
        for name, caption in CHARTS:
            path = p.source / name
            if path.is_file():
                parts.append(figure(path.read_bytes(), name, caption))
        parts.append(f'<p class="meta">Source: {html.escape(str(p.source))}</p>')
    return "\n".join(parts)

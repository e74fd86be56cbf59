"""The money of `wom report` (issue 28): the NPV of runs that keep money books, and the value of a program
from `wom value` outputs (value.json, value.png), in sections of their own so the report's other parts are
untouched (`render_report` calls `money_sections`, `read_inputs` calls `is_value` / `read_value`)."""

from __future__ import annotations

import html
import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sim.research.value.method import MONEY_PARTS, PARTS, VALUE_FILE
from sim.run.metrics import BAND_LEVEL, metric_label
from sim.viz.report_inputs import ReportError, ScenarioResult, metric
from sim.viz.value_charts import VALUE_CHART

#: What the value table explains under itself.
VALUE_NOTE = (
    "Value (currency, discounted to day 0): acceleration (people who adopt in both runs, the difference of "
    "their discounted margins), expansion (people who adopt only with the program), loss (people who adopt only "
    "without it), and the program's extra spend; they add up to the total, the difference in net present value. "
    f"People: adopters gained and lost (acceleration moves no one across). Means over paired replicates with "
    f"the {BAND_LEVEL:.0%} interval."
)


@dataclass
class ValueResult:
    """One `wom value` output: its folder, its value.json and its chart (PNG bytes) if there."""

    source: Path
    data: dict
    chart: bytes | None


def is_value(directory: Path) -> bool:
    """Whether a directory is a `wom value` output (it holds value.json)."""
    return (directory / VALUE_FILE).is_file()


def read_value(directory: Path) -> ValueResult:
    """The value.json of a `wom value` folder (and its chart); a damaged file is one ReportError naming it."""
    path = directory / VALUE_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        for kind, parts in (("value", (*MONEY_PARTS, "total")), ("people", (*PARTS, "total"))):
            for part in parts:
                float(data[kind][part]["mean"])
                [float(x) for x in data[kind][part]["ci90"]]
        str(data["scenario"]), str(data["baseline"]), int(data["replicates"])
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as exc:
        raise ReportError(f"{path}: not a readable value.json of 'wom value' ({type(exc).__name__}: {exc})") from None
    chart = directory / VALUE_CHART
    return ValueResult(directory, data, chart.read_bytes() if chart.is_file() else None)


def _cell(st: dict) -> str:
    lo, hi = st["ci90"]
    return f'{st["mean"]:+,.0f} <span class="ci">[{lo:+,.0f}, {hi:+,.0f}]</span>'


def value_section(values: list[ValueResult], figure: Callable, table: Callable) -> str:
    """One table (and waterfall) per `wom value` output."""
    parts = []
    for v in values:
        d = v.data
        brand = f", brand {html.escape(str(d['brand']))}" if d.get("brand") else ""
        parts.append(f"<h3>{html.escape(str(d['scenario']))} vs {html.escape(str(d['baseline']))}{brand}</h3>")
        if d.get("identical"):
            parts.append("<p>The baseline is identical to the scenario: the program is worth 0.</p>")
            continue
        rows = [
            [html.escape(part), _cell(d["value"][part]), _cell(d["people"][part]) if part in d["people"] else ""]
            for part in (*MONEY_PARTS, "total")
        ]
        parts.append(table(["Part", "Value (currency)", "People"], rows, "metrics"))
        parts.append(f'<p class="meta">{html.escape(VALUE_NOTE)} {int(d["replicates"])} replicates.</p>')
        if v.chart:
            parts.append(figure(v.chart, "Value waterfall", "The program's value: parts and total (value.png)."))
    return "\n".join(parts)


def npv_table(scenarios: list[ScenarioResult], table: Callable) -> str:
    """The NPV (and each brand's) of the scenarios that keep money books; empty if none does."""
    names = []
    for s in scenarios:
        names += [c for c in s.metrics.columns if (c == "npv" or c.startswith("npv_")) and c not in names]
    if not names:
        return ""
    rows = []
    for name in names:
        cells = []
        for s in scenarios:
            st = metric(s, name)
            cells.append(
                f'{st.mean:,.0f} <span class="ci">[{st.lo:,.0f}, {st.hi:,.0f}]</span>'
                if st.ok and math.isfinite(st.mean)
                else "none"
            )
        rows.append([html.escape(metric_label(name))] + cells)
    return table(
        ["Metric (currency, discounted to day 0)"] + [html.escape(s.label) for s in scenarios], rows, "metrics"
    )


def money_sections(
    scenarios: list[ScenarioResult], values: list[ValueResult], figure: Callable, table: Callable
) -> str:
    """The report's money: the runs' NPV, then the value of each program given; empty without either."""
    parts = []
    npv = npv_table(scenarios, table)
    if npv:
        parts += ['<h2 id="npv">Net present value</h2>', npv]
    if values:
        parts += ['<h2 id="value">Value of the program</h2>', value_section(values, figure, table)]
    return "\n".join(parts)

"""One self-contained HTML report comparing scenarios side by side, to read in a browser, on a phone, or print.

It leads with what a strategist decides on, for every scenario: final adoption, how soon half the
population adopted, fans and detractors (shares of adopters), and cost per adopter (currency per adopter
gained). Then the same differences in words, worded as differences between simulated scenarios, never as
causes (what caused a difference is what the iron-triangle attribution measures, where an input has one).
Shares of adoptions by channel use one basis everywhere (share of all adoptions). Then adoption curves with
90% bands, key metrics (mean and 90% interval over replicates), market shares (`sim.viz.report_brands`),
money (`sim.viz.report_value`), the funnel and the channels. Charts are PNGs embedded as base64 data, so the
one file can be mailed. Inputs are read by `sim.viz.report_inputs`, charts drawn by `sim.viz.report_charts`.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
from collections.abc import Callable
from pathlib import Path

import pandas as pd

from sim.model.state import CHANNELS, FUNNEL_COLUMNS
from sim.run.io import check_output_file, write_text
from sim.run.metrics import BAND_LEVEL
from sim.run.runner import package_versions
from sim.viz.charts import COLORS, FUNNEL_LABELS, channels_with_adoptions, final_channel_shares
from sim.viz.report_brands import brand_section
from sim.viz.report_charts import (
    adoption_chart,
    attribution_chart,
    funnel_chart,
    new_adopters_chart,
    phone_min_width,
    stacked_bars_chart,
)
from sim.viz.report_inputs import (
    ATTRIBUTION,
    Inputs,
    ReportError,
    ScenarioResult,
    Stat,
    channel_adoption_shares,
    funnel_final_shares,
    metric,
    read_inputs,
    spread,
)
from sim.viz.report_value import money_sections

__all__ = ["ReportError", "ScenarioResult", "read_inputs", "render_report", "spread", "write_report"]

# --- Comparisons ----------------------------------------------------------------------------------
#: The milestone the summary compares (a metric of sim.run.metrics) and how it is named.
MILESTONE, MILESTONE_TEXT = "time_to_50pct", "50%"
#: Differences smaller than these are "about the same".
SAME_DAYS = 1.0
SAME_SHARE = 0.005
#: Longest list of scenario names in the default title (characters).
MAX_TITLE_NAMES = 80
#: Scenario columns in one key-metrics table (more are split over several tables).
SCENARIOS_PER_TABLE = 5
#: The unit of cost per adopter: the scenario's spend (ads, incentives, meetups) per adopter gained.
COST_UNIT = "currency units per adopter"
CHANNEL_PHRASES = {
    "seed": "the seed users",
    "offline": "offline talk",
    "forum": "the forum",
    "weibo": "Weibo",
    "wechat": "WeChat groups",
    "official": "the official accounts",
    "advertising": "advertising",
}


# ==================================================================================================
# The summary in words
# ==================================================================================================


def _days(x: float) -> str:
    return f"{x:.0f} day{'s' if round(x) != 1 else ''}"


def _pct(x: float) -> str:
    """A share as a percentage: whole numbers, one decimal below 10%."""
    return f"{100 * x:.1f}%" if 0 < abs(x) < 0.1 else f"{100 * x:.0f}%"


def _partly(st: Stat) -> str:
    """' in k of R replicates' when not every replicate has the value."""
    return f" in {st.n} of {st.of} replicates" if st.n < st.of else ""


def _overlap(a: Stat, b: Stat) -> bool:
    return b.lo <= a.hi and a.lo <= b.hi and min(a.of, b.of) > 1


def milestone_sentence(base: ScenarioResult, other: ScenarioResult) -> str:
    """How much sooner or later `other` reached the milestone than `base` (or whether they did)."""
    a, b = metric(base, MILESTONE), metric(other, MILESTONE)
    if not a.ok and not b.ok:
        return f"{other.label} did not reach {MILESTONE_TEXT} either"
    if not b.ok:
        return f"{other.label} never reached {MILESTONE_TEXT} (the baseline did on day {a.mean:.0f}{_partly(a)})"
    if not a.ok:
        return f"{other.label} reached {MILESTONE_TEXT} on day {b.mean:.0f}{_partly(b)} while the baseline never did"
    diff = a.mean - b.mean
    if abs(diff) < SAME_DAYS:
        text = f"{other.label} reached {MILESTONE_TEXT} at about the same time (day {b.mean:.0f})"
    else:
        text = (
            f"{other.label} reached {MILESTONE_TEXT} {_days(abs(diff))} {'sooner' if diff > 0 else 'later'} "
            f"(day {b.mean:.0f} against {a.mean:.0f})"
        )
    if b.n < b.of or a.n < a.of:
        text += f" (when reached: {b.n} of {b.of} replicates, baseline {a.n} of {a.of})"
    if _overlap(a, b) and abs(diff) >= SAME_DAYS:
        text += f" (the {BAND_LEVEL:.0%} intervals overlap)"
    return text


def share_clause(base: ScenarioResult, other: ScenarioResult, name: str, what: str) -> str:
    """'; fans 97% of adopters against 3.5%' for a metric that is a share (or '' when either is missing)."""
    a, b = metric(base, name), metric(other, name)
    if not (a.ok and b.ok):
        return ""
    if abs(b.mean - a.mean) < SAME_SHARE or _overlap(a, b):
        return f"; {what} about the same ({_pct(b.mean)} against {_pct(a.mean)})"
    return f"; {what} {_pct(b.mean)} against {_pct(a.mean)}"


def adoption_clause(base: ScenarioResult, other: ScenarioResult) -> str:
    """Final adoption of `other` against `base`, in points; 'about the same' when the intervals overlap."""
    a, b = metric(base, "final_adoption"), metric(other, "final_adoption")
    if not (a.ok and b.ok):
        return ""
    points = round(100 * (b.mean - a.mean))
    if points == 0 or _overlap(a, b):
        return f"; final adoption about the same ({_pct(b.mean)} against {_pct(a.mean)})"
    unit = "point" if abs(points) == 1 else "points"
    return f"; final adoption {_pct(b.mean)} against {_pct(a.mean)} ({points:+d} {unit})"


def cost_clause(base: ScenarioResult, other: ScenarioResult) -> str:
    """'; cost per adopter 86 against 509 currency units per adopter' (or no spend in either)."""
    a, b = metric(base, "cost_per_adopter"), metric(other, "cost_per_adopter")
    if not a.ok and not b.ok:
        return ""
    shown = [f"{s.mean:,.0f}" if s.ok else "none" for s in (b, a)]
    return f"; cost per adopter {shown[0]} against {shown[1]} {COST_UNIT}"


def channel_phrase(base: ScenarioResult, other: ScenarioResult) -> str:
    """The channel whose share of adoptions differs most between `base` and `other` (a description, not a cause)."""
    a, b = channel_adoption_shares(base), channel_adoption_shares(other)
    diff = b.sub(a, fill_value=0.0).drop("seed", errors="ignore")
    if diff.empty or diff.abs().max() < SAME_SHARE:
        return ""
    c = diff.abs().idxmax()
    return (
        f" The largest difference by channel: {_pct(b.get(c, 0))} of {other.label}'s adoptions came through "
        f"{CHANNEL_PHRASES.get(c, c)}, against {_pct(a.get(c, 0))} of the baseline's."
    )


def attribution_sentence(s: ScenarioResult) -> str:
    """Which iron-triangle factor moved final adoption most, from the scenario's attribution."""
    factors = (s.attribution or {}).get("factors", {})
    effects = {
        name: v["final_adoption"]
        for name, v in factors.items()
        if isinstance(v, dict) and isinstance(v.get("final_adoption"), (int, float))
    }
    if not effects:
        return ""
    name = max(effects, key=lambda k: abs(effects[k]))
    return (
        f"In {s.label}, switching factors off one at a time (the iron-triangle attribution) changed final adoption "
        f"most for the {name.replace('_', ' ')} ({100 * effects[name]:+.0f} points)."
    )


def summary_sentences(scenarios: list[ScenarioResult]) -> list[str]:
    """Plain-language comparison of every scenario with the first, then the attribution highlights."""
    base = scenarios[0]
    a = metric(base, "final_adoption")
    t = metric(base, MILESTONE)
    reached = f"reached {MILESTONE_TEXT} on day {t.mean:.0f}" if t.ok else f"never reached {MILESTONE_TEXT}"
    lines = [
        f"Baseline {base.label}: final adoption {_pct(a.mean)}, {reached} "
        f"(mean of {base.replicates} replicate{'s' if base.replicates != 1 else ''})."
    ]
    for other in scenarios[1:]:
        lines.append(
            milestone_sentence(base, other)
            + adoption_clause(base, other)
            + share_clause(base, other, "fan_share", "fans (share of adopters)")
            + share_clause(base, other, "detractor_share", "detractors (share of adopters)")
            + cost_clause(base, other)
            + "."
            + channel_phrase(base, other)
        )
    lines += [x for x in (attribution_sentence(s) for s in scenarios) if x]
    if len(scenarios) > 1:
        lines.append(
            "These are differences between simulated scenarios; which setting caused them is not measured here"
            + (" beyond the attribution above." if any(s.attribution for s in scenarios) else ".")
        )
    return lines


# ==================================================================================================
# HTML
# ==================================================================================================

CSS = """
body { font-family: "Liberation Sans", Arial, Helvetica, sans-serif; color: #222; max-width: 1100px;
       margin: 16px auto; padding: 0 12px; line-height: 1.45; overflow-wrap: anywhere; }
h1 { font-size: 1.5em; margin-bottom: 0.1em; } h2 { font-size: 1.2em; margin-top: 1.6em;
     border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.meta { color: #666; font-size: 0.9em; }
.summary { background: #f4f7fb; border-left: 4px solid #1f77b4; padding: 8px 10px 8px 26px; margin: 8px 0; }
.summary li { margin: 4px 0; }
figure { margin: 12px 0; page-break-inside: avoid; overflow-x: auto; } figure img { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.9em; }
.scroll { max-width: 100%; overflow-x: auto; }
table { border-collapse: collapse; margin: 10px 0; font-size: 0.92em; page-break-inside: avoid; }
th, td { border: 1px solid #ddd; padding: 4px 7px; text-align: right; vertical-align: top; overflow-wrap: normal; }
th:first-child, td:first-child { text-align: left; } thead th { background: #f2f2f2; }
table.attribution td:nth-child(2), table.attribution th:nth-child(2) { text-align: left; }
td .ci { color: #777; font-size: 0.85em; white-space: nowrap; }
.note { color: #8a5a00; } .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
@media (max-width: 600px) { table { font-size: 0.8em; } th, td { padding: 3px 4px; } }
@media print { body { margin: 0; max-width: none; } h2 { page-break-after: avoid; } .scroll { overflow: visible; }
    figure img { min-width: 0 !important; } }
"""


def _img(png: bytes, alt: str) -> str:
    """An <img> with the PNG embedded as a data URI, shrunk to the page but never below phone_min_width."""
    data = base64.b64encode(png).decode("ascii")
    return (
        f'<img alt="{html.escape(alt)}" style="min-width: {phone_min_width(png)}px" src="data:image/png;base64,{data}">'
    )


def _figure(png: bytes | None, alt: str, caption: str) -> str:
    if png is None:
        return ""
    return f"<figure>{_img(png, alt)}<figcaption>{html.escape(caption)}</figcaption></figure>"


def _table(header: list[str], rows: list[list[str]], css: str = "") -> str:
    """An HTML table; cells are already HTML."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<div class="scroll"><table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table></div>'


def _fmt_pct(x: float) -> str:
    return f"{100 * x:.1f}%"


def _fmt_days(x: float) -> str:
    return f"{x:.0f}"


def _fmt_num(x: float) -> str:
    return f"{x:,.3g}" if abs(x) < 1000 else f"{x:,.0f}"


#: Key metrics: (name in sim.run.metrics, row label, formatter).
KEY_METRICS: tuple[tuple[str, str, Callable[[float], str]], ...] = (
    ("final_adoption", "Final adoption (share of population)", _fmt_pct),
    ("time_to_10pct", "Time to 10% adoption (days)", _fmt_days),
    ("time_to_50pct", "Time to 50% adoption (days)", _fmt_days),
    ("peak_adoption_rate", "Peak new adopters per day (people)", _fmt_num),
    ("peak_time", "Day of the peak", _fmt_days),
    ("fan_share", "Fans (share of adopters)", _fmt_pct),
    ("detractor_share", "Detractors (share of adopters)", _fmt_pct),
    ("cost_per_adopter", f"Cost per adopter ({COST_UNIT})", _fmt_num),
    ("bass_p", "Fitted Bass p (per day)", _fmt_num),
    ("bass_q", "Fitted Bass q (per day)", _fmt_num),
)


def stat_cell(st: Stat, fmt: Callable[[float], str]) -> str:
    """'mean [lo, hi]', with how many replicates never reached a milestone."""
    if not st.ok:
        return "never" if st.of else "n/a"
    cell = html.escape(fmt(st.mean))
    if st.of > 1:
        cell += f' <span class="ci">[{html.escape(fmt(st.lo))}, {html.escape(fmt(st.hi))}]</span>'
    if st.n < st.of:
        cell += f' <span class="ci">({st.of - st.n} of {st.of} never)</span>'
    return cell


#: What a strategist decides on, first in the report: (metric, column heading, formatter).
DECISION_METRICS: tuple[tuple[str, str, Callable[[float], str]], ...] = (
    ("final_adoption", "Adopted", _fmt_pct),
    ("time_to_50pct", "Day 50%", _fmt_days),
    ("fan_share", "Fans", _fmt_pct),
    ("detractor_share", "Detrac&shy;tors", _fmt_pct),
    ("cost_per_adopter", "Cost per adopter", _fmt_num),
)


def decision_table(scenarios: list[ScenarioResult]) -> str:
    """One row per scenario with what a strategist decides on (means over replicates)."""
    rows = []
    for s in scenarios:
        cells = []
        for name, _, fmt in DECISION_METRICS:
            st = metric(s, name)
            cells.append(html.escape(fmt(st.mean)) if st.ok else ("never" if name == MILESTONE else "none"))
        rows.append([html.escape(s.label)] + cells)
    return _table(["Scenario"] + [h for _, h, _ in DECISION_METRICS], rows, "decisions")


def metrics_table(scenarios: list[ScenarioResult]) -> str:
    """Key metrics, one column per scenario (mean and interval over replicates); wide comparisons
    are split into several tables of at most SCENARIOS_PER_TABLE columns, so they fit a page."""
    tables = []
    for first in range(0, len(scenarios), SCENARIOS_PER_TABLE):
        group = scenarios[first : first + SCENARIOS_PER_TABLE]
        rows = [
            [html.escape(label)] + [stat_cell(metric(s, name), fmt) for s in group] for name, label, fmt in KEY_METRICS
        ]
        rows.append(["Replicates"] + [str(s.replicates) for s in group])
        rows.append(["Population (people)"] + [f"{s.population:,}" for s in group])
        tables.append(_table(["Metric"] + [html.escape(s.label) for s in group], rows, "metrics"))
    return "\n".join(tables)


def shares_table(rows: dict[str, pd.Series], names: dict[str, str], colors: dict[str, str]) -> str:
    """Shares (rows: scenarios, columns: states or channels that occur)."""
    keys = [k for k in colors if any(r.get(k, 0) > 0 for r in rows.values())]
    swatch = '<span class="swatch" style="background:{}"></span>{}'
    header = ["Scenario"] + [swatch.format(colors[k], html.escape(names.get(k, k))) for k in keys]
    body = [[html.escape(label)] + [_fmt_pct(r.get(k, 0.0)) for k in keys] for label, r in rows.items()]
    return _table(header, body, "shares")


def attribution_table(scenarios: list[ScenarioResult]) -> str:
    """Each factor's effect on final adoption and time to 50%, per scenario with attribution."""
    rows = []
    for s in scenarios:
        for factor, values in (s.attribution or {}).get("factors", {}).items():
            values = values if isinstance(values, dict) else {}
            fa, t50 = values.get("final_adoption"), values.get("time_to_50pct")
            rows.append(
                [
                    html.escape(s.label),
                    html.escape(factor.replace("_", " ")),
                    f"{100 * fa:+.1f} points" if isinstance(fa, (int, float)) else "n/a",
                    f"{t50:+.0f} days" if isinstance(t50, (int, float)) else "n/a",
                ]
            )
    return _table(["Scenario", "Factor", "Effect on final adoption", "Effect on time to 50%"], rows, "attribution")


def channel_section(scenarios: list[ScenarioResult]) -> str:
    """Shares of final adoptions by channel: chart and table."""
    shares = {}
    for s in scenarios:
        used = channels_with_adoptions(s.timeseries)
        shares[s.label] = final_channel_shares(s.timeseries, used) if used else pd.Series(dtype=float)
    colors = {c: COLORS[c] for c in CHANNELS}
    names = {c: c for c in CHANNELS}
    png = stacked_bars_chart(shares, colors, names, "Share of final adoptions (mean over replicates)")
    return _figure(
        png,
        "Adoptions by channel",
        "The channel that persuaded each adopter, as a share of all "
        "adoptions at the end (seed users count as their own channel).",
    ) + shares_table(shares, names, colors)


def funnel_section(scenarios: list[ScenarioResult]) -> str:
    """Final funnel shares (chart and table) and the funnel over time (small multiples)."""
    finals = {s.label: funnel_final_shares(s) for s in scenarios}
    colors = {c: COLORS[c] for c in FUNNEL_COLUMNS}
    png = stacked_bars_chart(finals, colors, FUNNEL_LABELS, "Share of population at the end (mean over replicates)")
    return (
        _figure(png, "Final funnel", "Where the population ended up.")
        + shares_table(finals, FUNNEL_LABELS, colors)
        + _figure(funnel_chart(scenarios), "Funnel over time", "The funnel over time (mean over replicates).")
    )


def attribution_section(scenarios: list[ScenarioResult]) -> str:
    """Iron-triangle attribution where an input has it; otherwise a line saying it is not available."""
    if not any(s.attribution for s in scenarios):
        return (
            f"<p>Not available: none of the inputs has an {ATTRIBUTION} (the iron-triangle attribution of "
            "engine, accelerator and relationship chain).</p>"
        )
    return _figure(
        attribution_chart(scenarios),
        "Iron-triangle attribution",
        "How much each factor of the iron triangle changes final adoption.",
    ) + attribution_table(scenarios)


def default_title(scenarios: list[ScenarioResult]) -> str:
    """'Word-of-mouth scenarios compared: A, B, C', or the number of scenarios when that is too long."""
    names = ", ".join(s.label for s in scenarios)
    if len(names) <= MAX_TITLE_NAMES:
        return f"Word-of-mouth scenarios compared: {names}"
    return f"Word-of-mouth scenarios compared ({len(scenarios)} scenarios)"


def render_report(inputs: Inputs, title: str | None = None) -> str:
    """The whole report as one HTML string."""
    scenarios = inputs.scenarios
    money = money_sections(scenarios, inputs.values, _figure, _table)  # the runs' NPV, the programs' value
    if not scenarios:  # only optimize or value outputs: plans and programs against their own baselines
        title = title or ("Optimized plans" if inputs.plans else "Value of the program")
        return _page(title, [f"<h1>{html.escape(title)}</h1>", _plans(inputs), money])
    title = title or default_title(scenarios)
    versions = package_versions()
    sources = "".join(
        f"<li>{html.escape(s.label)}: {html.escape(str(s.source))}"
        f"{' — ' + html.escape(s.description) if s.description else ''}</li>"
        for s in scenarios
    )
    notes = "".join(f'<p class="note">{html.escape(n)}</p>' for n in inputs.notes)
    summary = "".join(f"<li>{html.escape(line)}</li>" for line in summary_sentences(scenarios))
    band = f"{BAND_LEVEL:.0%}"
    parts = [
        f"<h1>{html.escape(title)}</h1>",
        f'<p class="meta">Generated {dt.date.today().isoformat()} by wom-sim {html.escape(versions.get("wom-sim", ""))}'
        f" (mesa {html.escape(versions.get('mesa', ''))}). Baseline: {html.escape(scenarios[0].label)}.</p>",
        notes,
        '<h2 id="summary">Summary</h2>',
        decision_table(scenarios),
        '<p class="meta">Means over replicates. Adopted: share of people who ever adopted. Day 50%: the day '
        "half the people had adopted. Fans, detractors: shares of adopters at the end. Cost per adopter: the "
        f"scenario's spend (ads, incentives, meetups) in {COST_UNIT} gained during the run (seed users "
        "excluded); none when nothing was spent.</p>",
        f'<ul class="summary">{summary}</ul>',
        '<h2 id="adoption">Adoption curves</h2>',
        _figure(
            adoption_chart(scenarios),
            "Adoption curves",
            f"Share of the population that ever adopted: lines are means over replicates, shading the {band} band.",
        ),
        _figure(
            new_adopters_chart(scenarios),
            "New adopters per day",
            f"New adopters per day as a share of the population (mean and {band} band).",
        ),
        '<h2 id="metrics">Key metrics</h2>',
        f"<p>Mean over replicates, with the {band} interval in brackets.</p>",
        metrics_table(scenarios),
        brand_section(scenarios, _figure, _table, stat_cell, _fmt_pct),
        money,
        '<h2 id="funnel">Funnel</h2>',
        funnel_section(scenarios),
        '<h2 id="channels">Channel attribution</h2>',
        channel_section(scenarios),
        '<h2 id="attribution">Iron-triangle attribution</h2>',
        attribution_section(scenarios),
        _plans(inputs),
        '<h2 id="inputs">Inputs</h2>',
        f"<ul>{sources}</ul>",
    ]
    return _page(title, parts)


def _plans(inputs: Inputs) -> str:
    """The section of the optimize outputs given (empty without any)."""
    if not inputs.plans:
        return ""
    from sim.viz.report_plan import plan_section

    return '<h2 id="plans">Optimized plans</h2>\n' + plan_section(inputs.plans, _figure, _table)


def _page(title: str, parts: list[str]) -> str:
    """The HTML document around the report's parts."""
    body = "\n".join(p for p in parts if p)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def write_report(dirs: list[Path], out: Path, title: str | None = None, force: bool = False) -> Path:
    """Read the run or sweep directories and write the HTML report to the file `out`, whole or not at all.

    `out` is checked before anything is read: a directory, or an existing file without `force`, is an
    OutputError (bad input); an unwritable place an EnvironmentFault.
    """
    out = check_output_file(out, force)
    text = render_report(read_inputs([Path(d) for d in dirs]), title)
    return write_text(out, text, force=force)

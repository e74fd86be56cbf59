"""One self-contained HTML report comparing scenarios side by side, to read in a browser or print.

Inputs are run directories (`wom run`: timeseries.csv, summary.json, maybe attribution.json) and sweep
directories (`wom sweep`: design.parquet, runs/*.parquet, timeseries/*.parquet; every design point is
compared as a scenario). The first scenario is the baseline the others are compared with.

Sections: a generated plain-language summary ("B reached 50% 40 days sooner, mainly through the forum
layer"), adoption curves with 90% bands, key metrics (mean and 90% interval over replicates), the
funnel (final shares and over time), channel attribution (shares of adoptions) and iron-triangle
attribution where an attribution.json is present. Charts are PNGs embedded as base64 data, so the one
file can be mailed; it references nothing outside itself.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from sim.model.state import CHANNELS, FUNNEL_COLUMNS
from sim.research.sweep_store import (
    MANIFEST_FILE,
    RUNS_DIR,
    STATUS_OK,
    TIMESERIES_DIR,
    read_design,
    read_runs,
    read_timeseries,
)
from sim.run.metrics import BAND_LEVEL, mean_and_band
from sim.run.runner import package_versions
from sim.viz.charts import (
    BAND_ALPHA,
    COLORS,
    DPI,
    FIGSIZE,
    FUNNEL_LABELS,
    GRID_ALPHA,
    LINE_WIDTH,
    SCENARIO_COLORS,
    TIME_LABEL,
    channels_with_adoptions,
    final_channel_shares,
)

# --- Input layout ---------------------------------------------------------------------------------
RUN_TIMESERIES = "timeseries.csv"
RUN_SUMMARY = "summary.json"
ATTRIBUTION = "attribution.json"
#: More scenarios than this make the charts unreadable; the rest are left out (and the report says so).
MAX_SCENARIOS = 10

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
#: Small multiples of the funnel per row.
FUNNEL_COLUMNS_PER_ROW = 3
SMALL_TITLE_SIZE = 11
#: Height of a bar chart: per scenario, plus room for the axis and legend (inches).
BAR_HEIGHT_PER_ROW, BAR_HEIGHT_EXTRA = 0.45, 1.5
#: Channel segments narrower than this share carry no label in the channel chart.
MIN_LABELLED_SHARE = 0.06
CHANNEL_PHRASES = {
    "seed": "the seed users",
    "offline": "offline talk",
    "forum": "the forum layer",
    "weibo": "Weibo",
    "wechat": "WeChat groups",
    "official": "the official accounts",
    "advertising": "advertising",
}


class ReportError(ValueError):
    """An input directory that is neither a run nor a sweep, or holds nothing to compare."""


# ==================================================================================================
# Reading inputs
# ==================================================================================================


@dataclass
class ScenarioResult:
    """One compared scenario: its label, per-step series over replicates and per-replicate metrics."""

    label: str
    source: Path
    description: str
    population: int
    timeseries: pd.DataFrame  # columns replicate, step, time, funnel counts, adopt_<c>, ...
    metrics: pd.DataFrame  # one row per replicate, columns as sim.run.metrics.summarize_replicate
    attribution: dict | None = None  # {"factors": {name: {"final_adoption": v, "time_to_50pct": v}}}
    group: str = ""  # the sweep a design point belongs to ("" for a run)

    @property
    def replicates(self) -> int:
        return int(self.timeseries["replicate"].nunique())


@dataclass
class Inputs:
    """Everything read from the input directories, and what was left out and why."""

    scenarios: list[ScenarioResult]
    notes: list[str] = field(default_factory=list)


def _read_json(path: Path) -> dict:
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except (OSError, json.JSONDecodeError) as exc:
        raise ReportError(f"{path}: cannot read JSON: {exc}") from None


def read_attribution(directory: Path) -> dict | None:
    """attribution.json of a directory if it has usable factors, else None."""
    path = directory / ATTRIBUTION
    if not path.is_file():
        return None
    factors = _read_json(path).get("factors")
    return {"factors": factors} if isinstance(factors, dict) and factors else None


def read_run(directory: Path) -> ScenarioResult:
    """A `wom run` directory as one scenario."""
    summary = _read_json(directory / RUN_SUMMARY)
    try:
        ts = pd.read_csv(directory / RUN_TIMESERIES)
        scenario = summary["scenario"]
        per_replicate = summary["metrics"]["per_replicate"]
        population = int(scenario["population"]["size"])
    except (OSError, KeyError, TypeError, ValueError, pd.errors.ParserError) as exc:
        raise ReportError(f"{directory}: not a complete run directory ({type(exc).__name__}: {exc})") from None
    metrics = pd.DataFrame.from_records(per_replicate)
    return ScenarioResult(
        str(scenario.get("name") or directory.name),
        directory,
        str(scenario.get("description", "")),
        population,
        ts,
        metrics,
        read_attribution(directory),
    )


def _point_label(design: pd.DataFrame, point: int) -> str:
    """'key=value, ...' of a sweep's design point; keys shortened to their last part when unambiguous."""
    if point not in design.index:
        return f"point {point}"
    keys = list(design.columns)
    short = [k.rsplit(".", 1)[-1] for k in keys]
    names = short if len(set(short)) == len(short) else keys
    return ", ".join(f"{name}={_short(design.loc[point, key])}" for name, key in zip(names, keys))


def _short(value) -> str:
    """A parameter value in few characters."""
    if isinstance(value, (float, np.floating)):
        return f"{float(value):.4g}"
    return str(value)


def spread(n: int, k: int) -> list[int]:
    """k of the indices 0..n-1, evenly spread and including both ends (all of them if n <= k)."""
    if n <= k:
        return list(range(n))
    return sorted({int(round(x)) for x in np.linspace(0, n - 1, k)})


def read_sweep(directory: Path, limit: int = MAX_SCENARIOS) -> tuple[list[ScenarioResult], list[str]]:
    """A `wom sweep` directory as one scenario per design point with finished runs; with notes.

    A sweep with more points than `limit` is shown by `limit` points spread evenly over the design.
    """
    try:
        runs, series = read_runs(directory), read_timeseries(directory)
        design = read_design(directory)
    except Exception as exc:  # noqa: BLE001 -- pyarrow raises many kinds; any of them means unreadable
        raise ReportError(f"{directory}: cannot read the sweep ({type(exc).__name__}: {exc})") from None
    name = directory.name
    if (directory / MANIFEST_FILE).is_file():
        name = str(_read_json(directory / MANIFEST_FILE).get("name", name))
    notes = []
    failed = int((runs["status"] != STATUS_OK).sum()) if "status" in runs else 0
    if failed:
        notes.append(f"{directory}: {failed} failed run(s) left out")
    runs = runs[runs["status"] == STATUS_OK] if "status" in runs else runs
    points = sorted(set(runs["point"]) & set(series["point"])) if len(runs) else []
    if not points:
        raise ReportError(f"{directory}: the sweep has no finished runs with time series yet")
    chosen = [points[i] for i in spread(len(points), limit)]
    if len(chosen) < len(points):
        notes.append(
            f"{name}: {len(chosen)} of its {len(points)} design points are shown "
            f"(points {', '.join(map(str, chosen))}, spread evenly over the design)"
        )
    attribution = read_attribution(directory)
    scenarios = []
    for point in chosen:
        rows = runs[runs["point"] == point].reset_index(drop=True)
        ts = series[series["point"] == point].drop(columns=["run_id", "point"], errors="ignore")
        scenarios.append(
            ScenarioResult(
                _point_label(design, int(point)),
                directory,
                f"design point {point} of sweep {name}",
                int(rows["population"].iloc[0]),
                ts.reset_index(drop=True),
                rows,
                attribution,
                group=name,
            )
        )
    return scenarios, notes


def is_sweep(directory: Path) -> bool:
    """Whether a directory looks like `wom sweep` output (runs/ and timeseries/ folders)."""
    return (directory / RUNS_DIR).is_dir() and (directory / TIMESERIES_DIR).is_dir()


def read_inputs(directories: list[Path]) -> Inputs:
    """Read every input directory (runs and sweeps), keep at most MAX_SCENARIOS, make labels unique."""
    if not directories:
        raise ReportError("give at least one run or sweep directory")
    scenarios, notes = [], []
    for directory in map(Path, directories):
        if not directory.is_dir():
            raise ReportError(f"{directory}: no such directory")
        if is_sweep(directory):
            found, more_notes = read_sweep(directory, max(1, MAX_SCENARIOS - len(scenarios)))
            scenarios += found
            notes += more_notes
        elif (directory / RUN_SUMMARY).is_file() and (directory / RUN_TIMESERIES).is_file():
            scenarios.append(read_run(directory))
        else:
            raise ReportError(
                f"{directory}: neither a run directory ({RUN_TIMESERIES}, {RUN_SUMMARY}) "
                f"nor a sweep directory ({RUNS_DIR}/, {TIMESERIES_DIR}/)"
            )
    if len(scenarios) > MAX_SCENARIOS:
        notes.append(
            f"{len(scenarios) - MAX_SCENARIOS} more scenario(s) left out: a report compares at most {MAX_SCENARIOS}"
        )
        scenarios = scenarios[:MAX_SCENARIOS]
    if len(directories) > 1:
        for s in scenarios:
            if s.group:
                s.label = f"{s.group}: {s.label}"
    _unique_labels(scenarios)
    return Inputs(scenarios, notes)


def _unique_labels(scenarios: list[ScenarioResult]) -> None:
    """Scenarios with the same name are told apart by their directory (then by a number)."""
    seen: dict[str, int] = {}
    for s in scenarios:
        if sum(o.label == s.label for o in scenarios) > 1:
            s.label = f"{s.label} ({s.source.name})"
    for s in scenarios:
        seen[s.label] = seen.get(s.label, 0) + 1
        if seen[s.label] > 1:
            s.label = f"{s.label} #{seen[s.label]}"


# ==================================================================================================
# Numbers
# ==================================================================================================


@dataclass(frozen=True)
class Stat:
    """Mean and central interval of a metric over replicates, and how many replicates had a value."""

    mean: float
    lo: float
    hi: float
    n: int
    of: int

    @property
    def ok(self) -> bool:
        return self.n > 0


def stat(values) -> Stat:
    """Mean and BAND_LEVEL interval of the finite values (NaN/None = never reached or undefined)."""
    x = pd.to_numeric(pd.Series(values, dtype=object), errors="coerce").to_numpy(dtype=float)
    finite = x[np.isfinite(x)]
    if finite.size == 0:
        return Stat(math.nan, math.nan, math.nan, 0, len(x))
    lo, hi = np.quantile(finite, [(1 - BAND_LEVEL) / 2, (1 + BAND_LEVEL) / 2])
    return Stat(float(finite.mean()), float(lo), float(hi), int(finite.size), len(x))


def metric(s: ScenarioResult, name: str) -> Stat:
    """Stat of one metric of a scenario (all NaN if the input did not record it)."""
    return stat(s.metrics[name] if name in s.metrics else [math.nan] * s.replicates)


def final_rows(s: ScenarioResult) -> pd.DataFrame:
    """The last step of each replicate."""
    return s.timeseries.sort_values("step").groupby("replicate").tail(1)


def channel_population_shares(s: ScenarioResult) -> pd.Series:
    """Mean final adoptions through each channel, as a share of the population."""
    last = final_rows(s)
    return pd.Series({c: last[f"adopt_{c}"].mean() / s.population for c in CHANNELS if f"adopt_{c}" in last})


def funnel_final_shares(s: ScenarioResult) -> pd.Series:
    """Mean share of the population in each funnel state at the end."""
    last = final_rows(s)
    return pd.Series({c: last[c].mean() / s.population for c in FUNNEL_COLUMNS if c in last})


# ==================================================================================================
# The summary in words
# ==================================================================================================


def _days(x: float) -> str:
    return f"{x:.0f} day{'s' if round(x) != 1 else ''}"


def _pct(x: float) -> str:
    return f"{100 * x:.0f}%"


def _partly(st: Stat) -> str:
    """' in k of R replicates' when not every replicate has the value."""
    return f" in {st.n} of {st.of} replicates" if st.n < st.of else ""


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
        text = f"{other.label} reached {MILESTONE_TEXT} {_days(abs(diff))} {'sooner' if diff > 0 else 'later'}"
    if b.n < b.of or a.n < a.of:
        text += f" (when reached: {b.n} of {b.of} replicates, baseline {a.n} of {a.of})"
    if b.lo <= a.hi and a.lo <= b.hi and abs(diff) >= SAME_DAYS:
        text += f" (the {BAND_LEVEL:.0%} intervals overlap)"
    return text


def channel_phrase(base: ScenarioResult, other: ScenarioResult) -> str:
    """The channel whose adoptions changed most from `base` to `other` (as shares of the population)."""
    a, b = channel_population_shares(base), channel_population_shares(other)
    diff = b.sub(a, fill_value=0.0).drop("seed", errors="ignore")
    if diff.empty or diff.abs().max() < SAME_SHARE:
        return ""
    c = diff.abs().idxmax()
    how = "mainly through" if diff[c] > 0 else "with fewer adoptions through"
    return f", {how} {CHANNEL_PHRASES.get(c, c)} ({_pct(b.get(c, 0))} of people against {_pct(a.get(c, 0))})"


def adoption_clause(base: ScenarioResult, other: ScenarioResult) -> str:
    """Final adoption of `other` against `base`; 'about the same' when the intervals overlap."""
    a, b = metric(base, "final_adoption"), metric(other, "final_adoption")
    if not (a.ok and b.ok):
        return ""
    points = round(100 * (b.mean - a.mean))
    if points == 0 or (b.lo <= a.hi and a.lo <= b.hi and min(a.of, b.of) > 1):
        return f"; final adoption about the same ({_pct(b.mean)} against {_pct(a.mean)})"
    unit = "point" if abs(points) == 1 else "points"
    return f"; final adoption {_pct(b.mean)} against {_pct(a.mean)} ({points:+d} {unit})"


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
        f"In {s.label}, the {name.replace('_', ' ')} mattered most for final adoption "
        f"({100 * effects[name]:+.0f} points)."
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
        lines.append(milestone_sentence(base, other) + channel_phrase(base, other) + adoption_clause(base, other) + ".")
    lines += [x for x in (attribution_sentence(s) for s in scenarios) if x]
    return lines


# ==================================================================================================
# Charts (PNG bytes)
# ==================================================================================================


def _fig_png(fig: Figure, layout: bool = True) -> bytes:
    """A figure as PNG bytes at the run charts' resolution, cropped to what is drawn (nothing is cut).

    `layout` runs a tight layout first; pass False when the figure is already laid out.
    """
    buf = io.BytesIO()
    if layout:
        fig.tight_layout()
    fig.savefig(buf, format="png", dpi=DPI, bbox_inches="tight")
    return buf.getvalue()


def comparison_chart(
    scenarios: list[ScenarioResult], name: str, ylabel: str, share: Callable[[pd.DataFrame, ScenarioResult], pd.Series]
) -> bytes:
    """Mean and band over replicates of a per-step share of the population, one line per scenario.

    Like sim.viz.charts.plot_comparison, but each scenario is divided by its own population and the legend
    sits right of the axes in one column, so that many or long scenario labels stay readable.
    """
    fig = Figure(figsize=FIGSIZE)
    ax = fig.add_subplot()
    for i, s in enumerate(scenarios):
        color = SCENARIO_COLORS[i % len(SCENARIO_COLORS)]
        stats = mean_and_band(s.timeseries.assign(value=share(s.timeseries, s)), "value")
        ax.plot(stats["time"], stats["mean"], color=color, lw=LINE_WIDTH, label=s.label)
        if s.replicates > 1:
            ax.fill_between(stats["time"], stats["lo"], stats["hi"], color=color, alpha=BAND_ALPHA, lw=0)
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(TIME_LABEL)
    ax.set_ylabel(ylabel)
    ax.grid(alpha=GRID_ALPHA)
    ax.set_title(name)
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.02, 1.0),
        frameon=False,
        fontsize=9,
        title=f"mean, {BAND_LEVEL:.0%} band",
        title_fontsize=9,
    )
    return _fig_png(fig, layout=False)


def adoption_chart(scenarios: list[ScenarioResult]) -> bytes:
    """Share who ever adopted, mean and band per scenario."""
    return comparison_chart(
        scenarios, "Ever adopted", "Ever adopted (% of population)", lambda ts, s: ts["adopted_total"] / s.population
    )


def new_adopters_chart(scenarios: list[ScenarioResult]) -> bytes:
    """New adopters per day as a share of the population, mean and band per scenario."""

    def per_day(ts: pd.DataFrame, s: ScenarioResult) -> pd.Series:
        step = np.diff(np.sort(ts["time"].unique()))
        return ts["new_adopters"] / (step[0] if len(step) else 1.0) / s.population

    return comparison_chart(scenarios, "New adopters per day", "New adopters per day (% of population)", per_day)


def funnel_chart(scenarios: list[ScenarioResult]) -> bytes:
    """Small multiples: the mean funnel over time of every scenario, on shared axes."""
    cols = min(FUNNEL_COLUMNS_PER_ROW, len(scenarios))
    rows = math.ceil(len(scenarios) / cols)
    fig = Figure(figsize=(4.2 * cols + 1.6, 3.0 * rows + 0.4))
    axes = fig.subplots(rows, cols, sharex=True, sharey=True, squeeze=False)
    for ax, s in zip(axes.flat, scenarios):
        means = s.timeseries.groupby("time", sort=True)[list(FUNNEL_COLUMNS)].mean() / s.population
        ax.stackplot(
            means.index,
            *(means[c] for c in FUNNEL_COLUMNS),
            colors=[COLORS[c] for c in FUNNEL_COLUMNS],
            labels=[FUNNEL_LABELS[c] for c in FUNNEL_COLUMNS],
            lw=0,
        )
        ax.set_title(s.label, fontsize=SMALL_TITLE_SIZE)
        ax.set_ylim(0, 1)
        ax.set_xlim(means.index.min(), means.index.max())
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.grid(alpha=GRID_ALPHA)
    for ax in axes.flat[len(scenarios) :]:
        ax.set_visible(False)
    for col in range(cols):  # the lowest panel of each column carries the time axis
        lowest = axes[(len(scenarios) - 1 - col) // cols, col] if col < len(scenarios) else None
        if lowest is not None:
            lowest.xaxis.set_tick_params(labelbottom=True)
            lowest.set_xlabel(TIME_LABEL)
    handles, labels = axes.flat[0].get_legend_handles_labels()
    fig.legend(handles[::-1], labels[::-1], loc="center right", frameon=False)
    fig.tight_layout(rect=(0, 0, 1 - 1.4 / fig.get_figwidth(), 1))
    return _fig_png(fig, layout=False)


def stacked_bars_chart(rows: dict[str, pd.Series], colors: dict[str, str], names: dict[str, str], xlabel: str) -> bytes:
    """One horizontal bar per scenario, split into shares (labelled when wide enough)."""
    labels = list(rows)
    keys = [k for k in colors if any(rows[r].get(k, 0) > 0 for r in labels)]
    fig = Figure(figsize=(9, BAR_HEIGHT_PER_ROW * len(labels) + BAR_HEIGHT_EXTRA))
    ax = fig.add_subplot()
    left = np.zeros(len(labels))
    for k in keys:
        width = np.array([rows[r].get(k, 0.0) for r in labels])
        bars = ax.barh(labels, width, left=left, color=colors[k], label=names.get(k, k))
        ax.bar_label(
            bars,
            labels=[f"{w:.0%}" if w >= MIN_LABELLED_SHARE else "" for w in width],
            label_type="center",
            fontsize=8,
            color="white" if k in DARK_SEGMENTS else "black",
        )
        left += width
    ax.invert_yaxis()
    ax.set_xlim(0, max(1.0, left.max()))
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(xlabel)
    ax.legend(loc="lower center", bbox_to_anchor=(0.5, 1.0), ncol=min(len(keys), 7), frameon=False, fontsize=8)
    return _fig_png(fig)


#: Segments dark enough to need white labels.
DARK_SEGMENTS = {"seed", "rejecters", "detractors", "offline", "forum", "official"}


def attribution_chart(scenarios: list[ScenarioResult]) -> bytes | None:
    """Grouped bars: each factor's effect on final adoption (points), per scenario with attribution."""
    rows = {s.label: s.attribution["factors"] for s in scenarios if s.attribution}
    factors = list(dict.fromkeys(f for factors in rows.values() for f in factors))  # in the files' order
    if not factors:
        return None
    fig = Figure(figsize=(9, 0.5 * len(factors) * max(1, len(rows)) + 1.5))
    ax = fig.add_subplot()
    height = 0.8 / len(rows)
    y = np.arange(len(factors))
    for i, (label, fs) in enumerate(rows.items()):
        values = [100 * float(fs.get(f, {}).get("final_adoption", 0) or 0) for f in factors]
        ax.barh(y + i * height, values, height, label=label, color=SCENARIO_COLORS[i % len(SCENARIO_COLORS)])
    ax.set_yticks(y + height * (len(rows) - 1) / 2, [f.replace("_", " ") for f in factors])
    ax.invert_yaxis()
    ax.axvline(0, color="black", lw=0.8)
    ax.set_xlabel("Effect on final adoption (percentage points)")
    ax.grid(axis="x", alpha=GRID_ALPHA)
    ax.legend(frameon=False, fontsize=8)
    return _fig_png(fig)


# ==================================================================================================
# HTML
# ==================================================================================================

CSS = """
body { font-family: "Liberation Sans", Arial, Helvetica, sans-serif; color: #222; max-width: 1100px;
       margin: 24px auto; padding: 0 20px; line-height: 1.45; }
h1 { font-size: 1.6em; margin-bottom: 0.1em; } h2 { font-size: 1.25em; margin-top: 1.8em;
     border-bottom: 1px solid #ddd; padding-bottom: 4px; }
.meta { color: #666; font-size: 0.9em; }
.summary { background: #f4f7fb; border-left: 4px solid #1f77b4; padding: 10px 18px; }
.summary li { margin: 4px 0; }
figure { margin: 12px 0; page-break-inside: avoid; } figure img { max-width: 100%; height: auto; }
figcaption { color: #555; font-size: 0.9em; }
table { border-collapse: collapse; margin: 10px 0; font-size: 0.92em; page-break-inside: avoid; }
th, td { border: 1px solid #ddd; padding: 5px 9px; text-align: right; vertical-align: top; }
th:first-child, td:first-child { text-align: left; } thead th { background: #f2f2f2; }
table.attribution td:nth-child(2), table.attribution th:nth-child(2) { text-align: left; }
td .ci { color: #777; font-size: 0.85em; white-space: nowrap; }
.note { color: #8a5a00; } .swatch { display: inline-block; width: 10px; height: 10px; margin-right: 4px; }
@media print { body { margin: 0; max-width: none; } h2 { page-break-after: avoid; } }
"""


def _img(png: bytes, alt: str) -> str:
    """An <img> with the PNG embedded as a data URI."""
    data = base64.b64encode(png).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{data}">'


def _figure(png: bytes | None, alt: str, caption: str) -> str:
    if png is None:
        return ""
    return f"<figure>{_img(png, alt)}<figcaption>{html.escape(caption)}</figcaption></figure>"


def _table(header: list[str], rows: list[list[str]], css: str = "") -> str:
    """An HTML table; cells are already HTML."""
    head = "".join(f"<th>{h}</th>" for h in header)
    body = "".join("<tr>" + "".join(f"<td>{c}</td>" for c in row) + "</tr>" for row in rows)
    return f'<table class="{css}"><thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>'


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
    ("cost_per_adopter", "Cost per adopter", _fmt_num),
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
        '<h2 id="funnel">Funnel</h2>',
        funnel_section(scenarios),
        '<h2 id="channels">Channel attribution</h2>',
        channel_section(scenarios),
        '<h2 id="attribution">Iron-triangle attribution</h2>',
        attribution_section(scenarios),
        '<h2 id="inputs">Inputs</h2>',
        f"<ul>{sources}</ul>",
    ]
    body = "\n".join(p for p in parts if p)
    return (
        f'<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f'<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{html.escape(title)}</title><style>{CSS}</style></head>\n<body>\n{body}\n</body></html>\n"
    )


def write_report(dirs: list[Path], out: Path, title: str | None = None) -> Path:
    """Read the run or sweep directories and write the HTML report to `out` (written whole or not at all)."""
    text = render_report(read_inputs([Path(d) for d in dirs]), title)
    out = Path(out)
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = out.with_name(f".{out.name}.partial")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(out)
    return out

"""PNG charts of a run's time series: adoption S-curve, funnel, channels, comparisons.

Every function takes the run's time series (one row per replicate and step, see
`sim.model.model`) and writes one PNG, drawing across-replicate means as lines and, when there
is more than one replicate, the central 90% band (`sim.run.metrics.mean_and_band`) shaded.
Matplotlib runs on the non-interactive "Agg" backend so charts render on headless
machines, and every figure is closed once saved.
"""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402  (the backend must be chosen first)
import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402
from matplotlib.artist import Artist  # noqa: E402
from matplotlib.axes import Axes  # noqa: E402
from matplotlib.ticker import MaxNLocator, PercentFormatter  # noqa: E402

from sim.model.state import CHANNELS, FUNNEL_COLUMNS  # noqa: E402
from sim.run.metrics import BAND_LEVEL, SERIES_LABELS, mean_and_band  # noqa: E402
from sim.run.runner import RunResult, reference_curves  # noqa: E402
from sim.run.series_metrics import brand_names  # noqa: E402

# --- Look -------------------------------------------------------------------------
DPI = 120
FIGSIZE = (9, 5)
#: Two-panel charts (channels) need more width.
FIGSIZE_WIDE = (13, 5)
BAND_ALPHA = 0.2
LINE_WIDTH = 2.0
GRID_ALPHA = 0.3
FUNNEL_ALPHA = 0.9
#: The share bars' axis extends this far beyond the longest bar, to fit its label.
BAR_HEADROOM = 1.25

#: Fixed colours, so a state or channel looks the same in every chart and report.
COLORS = {
    # adoption chart
    "adopted": "tab:blue",
    "new_adopters": "tab:orange",
    "reference": "black",
    # funnel states
    "unaware": "#d9d9d9",
    "aware": "#9ecae1",
    "adopters": "#41ab5d",
    "fans": "#fdae38",
    "detractors": "#d7301f",
    "rejecters": "#525252",
    # channels
    "seed": "#000000",
    "offline": "#8c564b",
    "forum": "#9467bd",
    "weibo": "#e6550d",
    "wechat": "#2ca02c",
    "official": "#1f77b4",
    "advertising": "#e377c2",
}
#: Line styles cycled over the reference curves of `plot_adoption`.
REFERENCE_STYLES = ("--", ":", "-.")
#: Colours cycled over the scenarios of `plot_comparison`.
SCENARIO_COLORS = plt.get_cmap("tab10").colors
#: Line styles of successive rounds of SCENARIO_COLORS, so more scenarios than colours still read apart.
SCENARIO_LINESTYLES = ("-", "--", ":")

FUNNEL_LABELS = {c: SERIES_LABELS[c] for c in FUNNEL_COLUMNS}
TIME_LABEL = "Time (days)"
BAND_LABEL = f"{BAND_LEVEL:.0%} band"
#: Vertical position (axes fraction) of legends placed under the axes, below the x label.
LEGEND_BELOW_Y = -0.13
LEGEND_MAX_COLUMNS = 4
REFERENCE_WIDTH = 1.5
#: Tick count of the channel-share axis, kept low so percentage labels do not collide.
SHARE_TICKS = 4


# --- Helpers ----------------------------------------------------------------------
def _title(kind: str, title: str) -> str:
    """Chart title: the chart kind, followed by the run's title when there is one."""
    return f"{kind} — {title}" if title else kind


def _n_replicates(ts: pd.DataFrame) -> int:
    """Number of replicates in a time series."""
    return int(ts["replicate"].nunique())


def _mean_band_line(
    ax: Axes, time: pd.Series, values: pd.Series, n_replicates: int, color: str, linestyle: str = "-"
) -> Artist | tuple[Artist, Artist]:
    """Draw the across-replicate mean of `values` vs `time`, shading the band if R > 1.

    Returns the legend handle: the line, drawn over its band patch when there is one.
    """
    stats = mean_and_band(pd.DataFrame({"time": time, "value": values}), "value")
    (line,) = ax.plot(stats["time"], stats["mean"], color=color, lw=LINE_WIDTH, ls=linestyle)
    if n_replicates == 1:
        return line
    band = ax.fill_between(stats["time"], stats["lo"], stats["hi"], color=color, alpha=BAND_ALPHA, lw=0)
    return (band, line)


def _band_note(replicate_counts: list[int]) -> str | None:
    """Legend title saying what lines and shading show; None if nothing is shaded."""
    if max(replicate_counts) == 1:
        return None
    counts = sorted(set(replicate_counts))
    of = f"of {counts[0]} replicates" if len(counts) == 1 else "over replicates"
    return f"Lines: mean {of}; shading: {BAND_LABEL}"


def _legend_below(ax: Axes, handles: list, labels: list[str], note: str | None) -> None:
    """Put the legend, titled `note`, under the axes, where it cannot hide any curve."""
    ax.legend(
        handles,
        labels,
        loc="upper center",
        bbox_to_anchor=(0.5, LEGEND_BELOW_Y),
        ncol=min(len(labels), LEGEND_MAX_COLUMNS),
        title=note,
        frameon=False,
    )


def save_figure(fig: plt.Figure, path: str | Path) -> Path:
    """Save the figure as PNG (creating the folder) and close it."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fig.tight_layout()
        fig.savefig(path, dpi=DPI)
    finally:
        plt.close(fig)
    return path


def channels_with_adoptions(ts: pd.DataFrame) -> list[str]:
    """Channels (in CHANNELS order) whose `adopt_<c>` column is non-zero somewhere."""
    return [c for c in CHANNELS if f"adopt_{c}" in ts and ts[f"adopt_{c}"].gt(0).any()]


def final_channel_shares(ts: pd.DataFrame, channels: list[str]) -> pd.Series:
    """Each channel's share of the adoptions at the last step, averaged over replicates.

    Replicates without any adoption are ignored; all zeros if no replicate has one.
    """
    last = ts.sort_values("step").groupby("replicate").tail(1)
    finals = last[[f"adopt_{c}" for c in channels]].set_axis(channels, axis=1)
    totals = finals.sum(axis=1)
    shares = finals[totals > 0].div(totals[totals > 0], axis=0).mean()
    return shares.fillna(0.0)


# --- Charts -----------------------------------------------------------------------
def plot_adoption(
    ts: pd.DataFrame,
    population: int,
    dt: float,
    path: str | Path,
    title: str = "",
    reference: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
) -> Path:
    """S-curve of the adopted fraction (left axis) and new adopters per day (right axis).

    `reference` maps a label to (time, fraction) curves drawn dashed over the S-curve,
    e.g. the Bass closed form on docking runs.
    """
    n_rep = _n_replicates(ts)
    fig, ax = plt.subplots(figsize=FIGSIZE)
    handles = [
        _mean_band_line(
            ax,
            ts["time"],
            ts["adopted_total"] / population,
            n_rep,
            COLORS["adopted"],
        )
    ]
    labels = ["Ever adopted"]
    for i, (label, (t_ref, f_ref)) in enumerate((reference or {}).items()):
        handles += ax.plot(
            t_ref,
            f_ref,
            color=COLORS["reference"],
            lw=REFERENCE_WIDTH,
            ls=REFERENCE_STYLES[i % len(REFERENCE_STYLES)],
        )
        labels.append(label)
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(TIME_LABEL)
    ax.set_ylabel(f"{SERIES_LABELS['adopted_total']} (% of population)", color=COLORS["adopted"])
    ax.grid(alpha=GRID_ALPHA)

    rate_ax = ax.twinx()
    handles.append(
        _mean_band_line(
            rate_ax,
            ts["time"],
            ts["new_adopters"] / dt,
            n_rep,
            COLORS["new_adopters"],
        )
    )
    labels.append("New adopters per day")
    rate_ax.set_ylim(bottom=0)
    rate_ax.set_ylabel("New adopters (people / day)", color=COLORS["new_adopters"])

    _legend_below(ax, handles, labels, _band_note([n_rep]))
    ax.set_title(_title("Adoption", title))
    return save_figure(fig, path)


def plot_funnel(ts: pd.DataFrame, population: int, path: str | Path, title: str = "") -> Path:
    """Stacked areas of the mean fraction of the population in each funnel state."""
    means = ts.groupby("time", sort=True)[list(FUNNEL_COLUMNS)].mean() / population
    fig, ax = plt.subplots(figsize=FIGSIZE)
    ax.stackplot(
        means.index,
        *(means[c] for c in FUNNEL_COLUMNS),
        labels=[FUNNEL_LABELS[c] for c in FUNNEL_COLUMNS],
        colors=[COLORS[c] for c in FUNNEL_COLUMNS],
        alpha=FUNNEL_ALPHA,
        lw=0,
    )
    ax.set_xlim(means.index.min(), means.index.max())
    ax.set_ylim(0, 1)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(TIME_LABEL)
    ax.set_ylabel("Share of population (mean over replicates)")
    ax.grid(alpha=GRID_ALPHA)
    # Reverse so the legend reads top-down like the stack.
    handles, labels = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], labels[::-1], loc="center left", bbox_to_anchor=(1.01, 0.5))
    ax.set_title(_title("Adoption funnel", title))
    return save_figure(fig, path)


def plot_channels(ts: pd.DataFrame, path: str | Path, title: str = "") -> Path:
    """Cumulative adoptions by channel over time (left) and each channel's final share (right).

    Channels with no adoption anywhere are left out; shares are per-replicate shares of
    the final adoptions, averaged over replicates.
    """
    channels = channels_with_adoptions(ts)
    fig, (line_ax, bar_ax) = plt.subplots(1, 2, figsize=FIGSIZE_WIDE, gridspec_kw={"width_ratios": (2, 1)})
    means = ts.groupby("time", sort=True)[[f"adopt_{c}" for c in channels]].mean()
    for c in channels:
        line_ax.plot(means.index, means[f"adopt_{c}"], color=COLORS[c], lw=LINE_WIDTH, label=c)
    line_ax.set_xlabel(TIME_LABEL)
    line_ax.set_ylabel("Cumulative adoptions (people, mean)")
    line_ax.set_title("Cumulative adoptions by channel")
    line_ax.grid(alpha=GRID_ALPHA)

    if channels:
        line_ax.legend(loc="best")
        shares = final_channel_shares(ts, channels)
        bars = bar_ax.barh(channels, shares, color=[COLORS[c] for c in channels])
        bar_ax.bar_label(bars, labels=[f"{s:.1%}" for s in shares], padding=3)
        bar_ax.invert_yaxis()  # first channel on top, as in the legend
        # Room on the right for the percentage labels.
        bar_ax.set_xlim(0, BAR_HEADROOM * max(shares.max(), 0.01))
    else:
        for ax in (line_ax, bar_ax):
            ax.text(0.5, 0.5, "No adoptions", ha="center", va="center", transform=ax.transAxes)
        bar_ax.set_yticks([])
    bar_ax.xaxis.set_major_locator(MaxNLocator(SHARE_TICKS))
    bar_ax.xaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
    bar_ax.set_xlabel("Share of final adoptions (mean over replicates)")
    bar_ax.set_title("Final share by channel")
    bar_ax.grid(axis="x", alpha=GRID_ALPHA)
    fig.suptitle(_title("Adoptions by channel", title))
    return save_figure(fig, path)


def plot_comparison(
    series: dict[str, pd.DataFrame],
    value: str,
    population: int,
    path: str | Path,
    title: str = "",
    ylabel: str = "",
) -> Path:
    """Several scenarios on one axis: mean and band of `value` / population vs time each."""
    fig, ax = plt.subplots(figsize=FIGSIZE)
    handles = [
        _mean_band_line(
            ax,
            ts["time"],
            ts[value] / population,
            _n_replicates(ts),
            SCENARIO_COLORS[i % len(SCENARIO_COLORS)],
            SCENARIO_LINESTYLES[(i // len(SCENARIO_COLORS)) % len(SCENARIO_LINESTYLES)],
        )
        for i, ts in enumerate(series.values())
    ]
    ax.set_ylim(bottom=0)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_xlabel(TIME_LABEL)
    ax.set_ylabel(ylabel or f"{value} (% of population)")
    ax.grid(alpha=GRID_ALPHA)
    if series:
        note = _band_note([_n_replicates(ts) for ts in series.values()])
        _legend_below(ax, handles, list(series), note)
    ax.set_title(_title(f"Comparison: {value}", title))
    return save_figure(fig, path)


def generations_in(ts: pd.DataFrame) -> int:
    """Generations of the product line a time series recorded (1 when it has no per-generation columns)."""
    g = 1
    while f"owners_gen{g + 1}" in ts:
        g += 1
    return g


def plot_generations(
    ts: pd.DataFrame, population: int, path: str | Path, title: str = "", launch_days: list[float] | None = None
) -> Path:
    """Product generations: the share of the population owning each generation (left) and the cumulative
    purchases of each, with all purchases (lifetime adoption), per person (right); launches dotted."""
    n_gen = generations_in(ts)
    colors = plt.get_cmap("viridis")(np.linspace(0.0, 0.85, n_gen))
    fig, (own_ax, buy_ax) = plt.subplots(1, 2, figsize=FIGSIZE_WIDE)
    n_rep = _n_replicates(ts)
    handles, labels = [], []
    for g in range(1, n_gen + 1):
        handles.append(_mean_band_line(own_ax, ts["time"], ts[f"owners_gen{g}"] / population, n_rep, colors[g - 1]))
        _mean_band_line(buy_ax, ts["time"], ts[f"purchases_gen{g}"] / population, n_rep, colors[g - 1])
        labels.append(f"Generation {g}")
    handles.append(_mean_band_line(buy_ax, ts["time"], ts["purchases_total"] / population, n_rep, COLORS["reference"]))
    labels.append(SERIES_LABELS["purchases_total"])
    for ax in (own_ax, buy_ax):
        for day in launch_days or []:
            ax.axvline(day, color=COLORS["reference"], ls=":", lw=1)
        ax.set_xlabel(TIME_LABEL)
        ax.set_ylim(bottom=0)
        ax.grid(alpha=GRID_ALPHA)
    own_ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    own_ax.set_ylabel("Owners (% of population)")
    own_ax.set_title("Who owns which generation")
    buy_ax.set_ylabel("Cumulative purchases per person")
    buy_ax.set_title("Purchases by generation (first and upgrades)")
    _legend_below(own_ax, handles, labels, _band_note([n_rep]))
    fig.suptitle(_title("Product generations (launches dotted)", title))
    return save_figure(fig, path)


def plot_shares(
    ts: pd.DataFrame, population: int, path: str | Path, title: str = "", entry_days: list[float] | None = None
) -> Path:
    """Competing brands: each brand's market share (its current owners / every brand's owners, left) and its
    owners as a share of the population (right), brands in file order, entry days dotted."""
    names = brand_names(ts.columns)
    owners = ts[[f"owners_{b}" for b in names]].to_numpy(dtype=float)
    total = owners.sum(axis=1, keepdims=True)
    shares = np.divide(owners, total, out=np.full_like(owners, np.nan), where=total > 0)  # none while nobody owns
    fig, (share_ax, own_ax) = plt.subplots(1, 2, figsize=FIGSIZE_WIDE)
    n_rep = _n_replicates(ts)
    handles = []
    for k, name in enumerate(names):
        color = SCENARIO_COLORS[k % len(SCENARIO_COLORS)]
        handles.append(_mean_band_line(share_ax, ts["time"], pd.Series(shares[:, k], index=ts.index), n_rep, color))
        _mean_band_line(own_ax, ts["time"], ts[f"owners_{name}"] / population, n_rep, color)
    for ax in (share_ax, own_ax):
        for day in entry_days or []:
            if day > 0:
                ax.axvline(day, color=COLORS["reference"], ls=":", lw=1)
        ax.set_xlabel(TIME_LABEL)
        ax.set_ylim(bottom=0)
        ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.grid(alpha=GRID_ALPHA)
    share_ax.set_ylim(top=1)
    share_ax.set_ylabel("Market share (% of owners)")
    share_ax.set_title("Share of the owners of any brand")
    own_ax.set_ylabel("Owners (% of population)")
    own_ax.set_title("Owners of each brand")
    _legend_below(share_ax, handles, [f"Brand {b}" for b in names], _band_note([n_rep]))
    fig.suptitle(_title("Market shares (entries dotted)", title))
    return save_figure(fig, path)


#: The charts a run may have, in the order `write_run_charts` draws them.
RUN_CHARTS = ("adoption.png", "funnel.png", "channels.png", "quality.png", "generations.png", "shares.png")


def quality_changes(ts: pd.DataFrame) -> bool:
    """Whether the product's quality moves during the run (releases, decay): then it gets its chart."""
    return "quality" in ts.columns and bool(np.ptp(ts["quality"].to_numpy(dtype=float)) > 0)


def plot_quality(ts: pd.DataFrame, path: str | Path, title: str = "", expectation: float | None = None) -> Path:
    """The product's quality over time (mean over replicates, with its band), against what people expect on
    average (dotted): a product that improves crosses it when most of the persuaded start to buy."""
    fig, ax = plt.subplots(figsize=FIGSIZE)
    handles = [_mean_band_line(ax, ts["time"], ts["quality"], _n_replicates(ts), COLORS["adopted"])]
    labels = ["Product quality"]
    if expectation is not None:
        handles.append(ax.axhline(expectation, color="0.3", lw=LINE_WIDTH, ls=":"))
        labels.append("Mean expectation")
    ax.set_xlabel(TIME_LABEL)
    ax.set_ylabel("Value units")
    ax.set_xlim(ts["time"].min(), ts["time"].max())
    ax.grid(alpha=GRID_ALPHA)
    _legend_below(ax, handles, labels, _band_note([_n_replicates(ts)]))
    ax.set_title(_title("Product quality", title))
    return save_figure(fig, path)


def write_run_charts(
    ts: pd.DataFrame,
    population: int,
    dt: float,
    out_dir: str | Path,
    title: str = "",
    reference: dict[str, tuple[np.ndarray, np.ndarray]] | None = None,
    launch_days: list[float] | None = None,
    entry_days: list[float] | None = None,
    expectation: float | None = None,
) -> list[Path]:
    """Write adoption.png, funnel.png and channels.png of one run into `out_dir`, quality.png when the product's
    quality moves (against the mean `expectation`), generations.png when it has product generations (launched
    on `launch_days`) and shares.png when it has competing brands (entering on `entry_days`)."""
    out_dir = Path(out_dir)
    charts = [
        plot_adoption(ts, population, dt, out_dir / "adoption.png", title, reference),
        plot_funnel(ts, population, out_dir / "funnel.png", title),
        plot_channels(ts, out_dir / "channels.png", title),
    ]
    if quality_changes(ts):
        charts.append(plot_quality(ts, out_dir / "quality.png", title, expectation))
    if generations_in(ts) > 1:
        charts.append(plot_generations(ts, population, out_dir / "generations.png", title, launch_days))
    if brand_names(ts.columns):
        charts.append(plot_shares(ts, population, out_dir / "shares.png", title, entry_days))
    return charts


def draw_run(result: RunResult, folder: str | Path) -> list[Path]:
    """The run's charts (adoption with its Bass reference, funnel, channels; generations, shares if any) into `folder`.

    Passed as `draw` to `sim.run.runner.write_run`, so the charts are part of the atomic run directory.
    """
    sc = result.scenario
    return write_run_charts(
        result.timeseries,
        sc.population.size,
        sc.run.dt,
        folder,
        title=sc.name,
        reference=reference_curves(sc, sc.run.days),
        launch_days=[p.launch_day for p in sc.generations.products] if sc.generations.enabled else None,
        entry_days=[b.entry_day for b in sc.brands.values()],
        expectation=sc.engine.expectation_mean,
    )

"""Tests of the run charts in sim.viz.charts: files are written, valid and sensible."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest

from sim.model.state import CHANNELS, FUNNEL_COLUMNS
from sim.model.theory import bass_cdf
from sim.viz.charts import (
    RUN_CHARTS,
    channels_with_adoptions,
    final_channel_shares,
    plot_adoption,
    plot_channels,
    plot_comparison,
    plot_funnel,
    write_run_charts,
)

POPULATION = 1000
DT = 0.5
N_STEPS = 50
SEEDS = 10
#: Bass coefficients (per day) of the synthetic adoption curve.
BASS_P, BASS_Q = 0.01, 0.25
#: Channels that convert people in the synthetic data, with their weights; "advertising"
#: is absent so its column stays zero.
CONVERTING = {"offline": 0.2, "forum": 0.1, "weibo": 0.3, "wechat": 0.35, "official": 0.05}
PNG_MAGIC = b"\x89PNG\r\n\x1a\n"
#: A blank 9x5 inch figure at 120 dpi is already a few kB; real charts are far larger.
MIN_PNG_BYTES = 10_000


def synthetic_ts(n_replicates: int = 2, n_steps: int = N_STEPS, seed: int = 0) -> pd.DataFrame:
    """A consistent run-like time series: noisy Bass adoption split over funnel states.

    Funnel counts sum to the population, adopted_total = adopters + fans + detractors,
    new_adopters are its increments and the adopt_<c> columns sum to adopted_total.
    """
    rng = np.random.default_rng(seed)
    rows = []
    time = np.arange(n_steps) * DT
    for rep in range(n_replicates):
        speed = rng.uniform(0.8, 1.2)
        expected = SEEDS + (POPULATION * 0.8 - SEEDS) * bass_cdf(time * speed, BASS_P, BASS_Q)
        adopted = np.maximum.accumulate(np.round(expected + rng.normal(0, 5, n_steps)))
        adopted = np.clip(adopted, SEEDS, None).astype(int)
        adopted[0] = SEEDS
        new = np.diff(adopted, prepend=0)
        fans = (0.3 * adopted).astype(int)
        detractors = (0.1 * adopted).astype(int)
        adopters = adopted - fans - detractors
        aware_ever = np.minimum(POPULATION, (1.15 * adopted).astype(int) + 20 * (time > 0))
        rejecters = ((aware_ever - adopted) * 0.4).astype(int)
        aware = aware_ever - adopted - rejecters
        unaware = POPULATION - aware_ever
        gained = adopted - SEEDS
        by_channel = {c: (w * gained).astype(int) for c, w in CONVERTING.items()}
        by_channel["wechat"] += gained - sum(by_channel.values())  # rounding remainder
        for i in range(n_steps):
            row = {
                "replicate": rep,
                "step": i,
                "time": time[i],
                "unaware": unaware[i],
                "aware": aware[i],
                "adopters": adopters[i],
                "fans": fans[i],
                "detractors": detractors[i],
                "rejecters": rejecters[i],
                "adopted_total": adopted[i],
                "new_adopters": new[i],
                "cost": 100.0 * i,
            }
            for c in CHANNELS:
                adopt = SEEDS if c == "seed" else by_channel.get(c, np.zeros(n_steps))[i]
                row[f"adopt_{c}"] = int(adopt)
                row[f"aware_{c}"] = int(1.5 * adopt)
            rows.append(row)
    return pd.DataFrame(rows)


def assert_png(path):
    """The file exists, starts with the PNG signature and is not a near-empty image."""
    assert path.is_file()
    data = path.read_bytes()
    assert data.startswith(PNG_MAGIC)
    assert len(data) > MIN_PNG_BYTES


@pytest.fixture
def ts():
    return synthetic_ts()


def test_synthetic_series_is_consistent(ts):
    assert (ts[list(FUNNEL_COLUMNS)].sum(axis=1) == POPULATION).all()
    assert (ts[list(FUNNEL_COLUMNS)] >= 0).all().all()
    assert (ts[["adopters", "fans", "detractors"]].sum(axis=1) == ts["adopted_total"]).all()
    adopt_cols = [f"adopt_{c}" for c in CHANNELS]
    assert (ts[adopt_cols].sum(axis=1) == ts["adopted_total"]).all()


def test_write_run_charts_writes_three_pngs(ts, tmp_path):
    bass_t = np.linspace(0, DT * (N_STEPS - 1), 100)
    reference = {"Bass closed form": (bass_t, 0.8 * bass_cdf(bass_t, BASS_P, BASS_Q))}
    out_dir = tmp_path / "charts"  # not created yet: write_run_charts must create it
    paths = write_run_charts(ts, POPULATION, DT, out_dir, title="test", reference=reference)
    assert [p.name for p in paths] == ["adoption.png", "funnel.png", "channels.png"]
    for path in paths:
        assert path.parent == out_dir
        assert_png(path)
    assert plt.get_fignums() == []  # every figure closed after saving


def test_a_product_whose_quality_moves_gets_a_quality_chart_and_one_that_does_not_none(ts, tmp_path):
    steady = ts.assign(quality=0.7)
    assert "quality.png" not in [p.name for p in write_run_charts(steady, POPULATION, DT, tmp_path / "a")]
    improving = ts.assign(quality=0.45 + 0.001 * ts["time"])
    paths = write_run_charts(improving, POPULATION, DT, tmp_path / "b", expectation=0.5)
    assert [p.name for p in paths] == ["adoption.png", "funnel.png", "channels.png", "quality.png"]
    assert_png(paths[-1])
    assert [p.name for p in paths] == [name for name in RUN_CHARTS if (tmp_path / "b" / name).exists()]


def test_plot_comparison(ts, tmp_path):
    series = {"baseline": ts, "faster": synthetic_ts(seed=1)}
    path = plot_comparison(
        series, "adopted_total", POPULATION, tmp_path / "cmp.png", title="test", ylabel="Ever adopted (% of population)"
    )
    assert path == tmp_path / "cmp.png"
    assert_png(path)


def test_plot_comparison_tells_more_scenarios_than_colours_apart_by_line_style(tmp_path, monkeypatch):
    """Past the palette's colours (claim 15 compares 16 arms) a second round is dashed, so no two lines look alike."""
    from matplotlib.figure import Figure

    from sim.viz import charts

    drawn = []
    monkeypatch.setattr(charts, "save_figure", lambda fig, path: drawn.append(fig) or path)
    n = len(charts.SCENARIO_COLORS) + 2
    plot_comparison({f"arm {i}": synthetic_ts(seed=i) for i in range(n)}, "fans", POPULATION, tmp_path / "c.png")
    fig: Figure = drawn[0]
    lines = fig.axes[0].get_lines()
    styles = [(line.get_color(), line.get_linestyle()) for line in lines]
    assert len(set(styles)) == n and [line.get_linestyle() for line in lines[-2:]] == ["--", "--"]
    plt.close(fig)


def test_single_replicate_draws_without_band(tmp_path):
    one = synthetic_ts(n_replicates=1)
    paths = write_run_charts(one, POPULATION, DT, tmp_path)
    paths.append(plot_comparison({"only": one}, "fans", POPULATION, tmp_path / "cmp.png"))
    for path in paths:
        assert_png(path)


@pytest.mark.parametrize("plot", [plot_adoption, plot_funnel, plot_channels])
def test_each_plot_returns_its_path(ts, tmp_path, plot):
    path = tmp_path / "chart.png"
    if plot is plot_adoption:
        result = plot(ts, POPULATION, DT, path)
    elif plot is plot_funnel:
        result = plot(ts, POPULATION, path)
    else:
        result = plot(ts, path)
    assert result == path
    assert_png(path)


def test_channels_without_adoptions_are_skipped(ts):
    assert channels_with_adoptions(ts) == ["seed", *CONVERTING]  # CHANNELS order
    assert "advertising" not in channels_with_adoptions(ts)


def test_final_channel_shares_sum_to_one(ts):
    channels = channels_with_adoptions(ts)
    shares = final_channel_shares(ts, channels)
    assert list(shares.index) == channels
    assert shares.sum() == pytest.approx(1.0)
    assert (shares > 0).all()


def test_plot_channels_with_no_adoptions(ts, tmp_path):
    empty = ts.copy()
    empty[[f"adopt_{c}" for c in CHANNELS]] = 0
    assert channels_with_adoptions(empty) == []
    path = plot_channels(empty, tmp_path / "channels.png")
    assert path.read_bytes().startswith(PNG_MAGIC)


@pytest.mark.slow
def test_generations_chart_only_when_the_run_has_generations(ts, tmp_path):
    """Two generations split the synthetic adopters (the second launched halfway): generations.png is
    written beside the three run charts and is a real PNG; a run without them gets no such file."""
    from sim.viz.charts import generations_in, plot_generations

    assert generations_in(ts) == 1
    half = ts["step"] >= N_STEPS // 2
    lines = ts.assign(
        owners_gen1=np.where(half, ts["adopted_total"] // 2, ts["adopted_total"]),
        owners_gen2=np.where(half, ts["adopted_total"] - ts["adopted_total"] // 2, 0),
    )
    lines = lines.assign(
        purchases_gen1=ts["adopted_total"],
        purchases_gen2=lines["owners_gen2"],
        purchases_total=ts["adopted_total"] + lines["owners_gen2"],
    )
    assert generations_in(lines) == 2
    paths = write_run_charts(lines, POPULATION, DT, tmp_path / "with", launch_days=[N_STEPS // 2 * DT])
    assert [p.name for p in paths][-1] == "generations.png"
    png = (tmp_path / "with" / "generations.png").read_bytes()
    assert png.startswith(PNG_MAGIC) and len(png) > MIN_PNG_BYTES
    write_run_charts(ts, POPULATION, DT, tmp_path / "without")
    assert not (tmp_path / "without" / "generations.png").exists()
    assert plot_generations(lines, POPULATION, tmp_path / "g.png").exists()


def test_standardised_effects_chart_draws_every_factor_with_its_interval(tmp_path):
    """The GLM replication's chart (experiments/glm/): one line of points with intervals per factor."""
    from sim.viz.research_charts import plot_standardised_effects

    effects = pd.DataFrame(
        [
            {"stage": stage, "factor": factor, "effect": -0.5, "lo": -0.6, "hi": -0.4}
            for stage in ("time_to_16pct", "time_to_50pct", "time_to_95pct")
            for factor in ("strong", "weak", "advertising")
        ]
    )
    path = plot_standardised_effects(effects, tmp_path / "glm.png", labels={"time_to_16pct": "16%"}, title="t")
    assert path.read_bytes().startswith(PNG_MAGIC)


def test_shares_chart_only_when_the_run_has_competing_brands(ts, tmp_path):
    """Two brands split the synthetic adopters (b entering halfway, taking a third of the later ones):
    shares.png is written and is a real PNG; a run of one brand gets no such file."""
    from sim.run.series_metrics import brand_names, brand_shares

    half = ts["step"] >= N_STEPS // 2
    b = np.where(half, (ts["adopted_total"] - ts["adopted_total"].where(~half).ffill().fillna(0)) // 3, 0)
    brands = ts.assign(owners_a=ts["adopted_total"] - b, owners_b=b, adopted_total_a=ts["adopted_total"] - b)
    brands = brands.assign(adopted_total_b=b)
    assert brand_names(brands.columns) == ["a", "b"] and brand_names(ts.columns) == []
    shares = brand_shares(brands[brands.replicate == 0])
    assert np.allclose(shares.sum(axis=1)[brands[brands.replicate == 0].adopted_total.to_numpy() > 0], 1.0)
    paths = write_run_charts(brands, POPULATION, DT, tmp_path / "with", entry_days=[0.0, N_STEPS // 2 * DT])
    assert [p.name for p in paths][-1] == "shares.png"
    png = (tmp_path / "with" / "shares.png").read_bytes()
    assert png.startswith(PNG_MAGIC) and len(png) > MIN_PNG_BYTES
    write_run_charts(ts, POPULATION, DT, tmp_path / "without")
    assert not (tmp_path / "without" / "shares.png").exists()

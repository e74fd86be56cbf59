"""Tests of the adoption-series metrics in sim.metrics."""

import json
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from sim.model.theory import bass_cdf
from sim.run.bass_fit import BassFit, fit_bass
from sim.run.metrics import mean_and_band, peak_rate, summarize, summarize_replicate, time_to_fraction, to_jsonable

PERIODS = np.arange(31.0)  # t = 0..30
TARGETS = ["cumulative", "increments"]

# Noisy recovery set-up: Poisson new adopters per period around the Bass expectation.
NOISY_TRUE = {"p": 0.01, "q": 0.5, "m": 1000.0}
NOISY_SEED = 1
NOISY_REPLICATES = 20
#: Mean over the replicates must be this close to the truth (relative) ...
NOISY_MEAN_TOLERANCE = 0.05
#: ... and every single replicate this close (measured maxima: p 0.28, q 0.10, m 0.073).
NOISY_EACH_TOLERANCE = {"p": 0.40, "q": 0.15, "m": 0.10}
#: Coverage check of the "increments" standard errors: 50 replicates, seed 1, at least
#: 90% of true values within 3 SE (measured 96% / 98% / 98% for p / q / m).
COVERAGE_REPLICATES = 50
COVERAGE_MIN = 0.90


def poisson_new_adopters(rng, p, q, m, times=PERIODS):
    """Per-period new adopters (period ends times[1:]) with Poisson noise around m * dF."""
    return rng.poisson(np.diff(m * bass_cdf(times, p, q))).astype(float)


def relative_error(fit: BassFit, truth: dict) -> dict:
    return {k: abs(getattr(fit, k) / v - 1) for k, v in truth.items()}


# --- fit_bass ---------------------------------------------------------------------


@pytest.mark.parametrize("target", TARGETS)
def test_fit_bass_recovers_noiseless_series(target):
    y = 1000 * bass_cdf(PERIODS, 0.03, 0.38)
    fit = fit_bass(PERIODS, adopted_total=y, target=target)
    for name, truth in {"p": 0.03, "q": 0.38, "m": 1000}.items():
        assert getattr(fit, name) == pytest.approx(truth, rel=0.05)
    assert fit.r2 == pytest.approx(1.0)
    assert fit.n_points == (31 if target == "cumulative" else 30)


#: Time units a series may come in, as multiples of the unit it was simulated in (1 = years, 365 = days).
UNITS = (1.0, 12.0, 52.0, 365.0)
#: Noiseless Bass curves (p, q per unit of the coarsest axis) sampled on 8 points: a decade of yearly sales.
UNIT_CASES = ((0.03, 0.38), (0.003, 1.2), (0.05, 0.12), (0.001, 0.6))
#: A fit on days must give the years' p and q divided by 365, and the same m (relative tolerance, fixed
#: before running: the least squares stop at gradients of about 1e-8).
UNIT_RTOL = 1e-3


@pytest.mark.parametrize("p, q", UNIT_CASES)
@pytest.mark.parametrize("unit", UNITS)
def test_fit_bass_does_not_depend_on_the_unit_of_its_time_axis(p, q, unit):
    years = np.arange(9.0)
    y = 100 + (2e6 - 100) * bass_cdf(years, p, q)
    fit = fit_bass(years * unit, adopted_total=y, target="increments")
    assert (fit.p * unit, fit.q * unit, fit.m) == pytest.approx((p, q, 2e6), rel=UNIT_RTOL)
    assert fit.r2 == pytest.approx(1.0)


def test_fit_bass_on_a_day_axis_fits_xiaomis_shipments_as_on_years():
    """Xiaomi's cumulative shipments (experiments/calibration/xiaomi-shipments.csv, from ../shared/data): on a
    day axis the per-unit-time starts stopped where they began (p = 0.001, q = 0.05 a day, R^2 = 0.13)."""
    data = pd.read_csv(Path(__file__).resolve().parents[2] / "experiments" / "calibration" / "xiaomi-shipments.csv")
    days = fit_bass(data.time, adopted_total=data.adopted_total, target="increments")
    years = fit_bass(data.time / 365.0, adopted_total=data.adopted_total, target="increments")
    assert days.r2 > 0.99
    assert (days.p * 365, days.q * 365, days.m) == pytest.approx((years.p, years.q, years.m), rel=UNIT_RTOL)


def test_fit_bass_from_new_adopters_only():
    new = np.diff(1000 * bass_cdf(PERIODS, 0.03, 0.38))  # periods ending at t = 1..30
    fit = fit_bass(PERIODS[1:], new_adopters=new)
    assert (fit.p, fit.q, fit.m) == pytest.approx((0.03, 0.38, 1000), rel=1e-4)


@pytest.mark.parametrize("target", TARGETS)
def test_fit_bass_with_seed_adopters_counts_them_in_m(target):
    seeds, m = 50.0, 1000.0
    y = seeds + (m - seeds) * bass_cdf(PERIODS, 0.03, 0.38)
    fit = fit_bass(PERIODS, adopted_total=y, target=target)
    assert (fit.p, fit.q, fit.m) == pytest.approx((0.03, 0.38, m), rel=1e-4)


def test_fit_bass_works_on_fractions():
    fit = fit_bass(PERIODS, adopted_total=0.4 * bass_cdf(PERIODS, 0.03, 0.38))
    assert fit.m == pytest.approx(0.4, rel=1e-4)


def test_fit_bass_noisy_single_series_standard_errors():
    rng = np.random.default_rng(NOISY_SEED)
    new = poisson_new_adopters(rng, **NOISY_TRUE)
    for target in TARGETS:
        fit = fit_bass(PERIODS[1:], new_adopters=new, target=target)
        assert fit.p_se > 0 and fit.q_se > 0 and fit.m_se > 0
        assert 0.99 < fit.r2 <= 1.0
    fit = fit_bass(PERIODS[1:], new_adopters=new, target="increments")
    for name, truth in NOISY_TRUE.items():
        assert abs(getattr(fit, name) - truth) < 3 * getattr(fit, f"{name}_se"), name


@pytest.mark.slow
@pytest.mark.parametrize("target", TARGETS)
def test_fit_bass_noisy_recovery(target):
    rng = np.random.default_rng(NOISY_SEED)
    fits = [
        fit_bass(PERIODS[1:], new_adopters=poisson_new_adopters(rng, **NOISY_TRUE), target=target)
        for _ in range(NOISY_REPLICATES)
    ]
    for name, truth in NOISY_TRUE.items():
        estimates = np.array([getattr(f, name) for f in fits])
        assert abs(estimates.mean() / truth - 1) < NOISY_MEAN_TOLERANCE, name
        assert np.all(np.abs(estimates / truth - 1) < NOISY_EACH_TOLERANCE[name]), name


@pytest.mark.slow
def test_fit_bass_increment_standard_errors_cover_the_truth():
    rng = np.random.default_rng(NOISY_SEED)
    fits = [
        fit_bass(PERIODS[1:], new_adopters=poisson_new_adopters(rng, **NOISY_TRUE), target="increments")
        for _ in range(COVERAGE_REPLICATES)
    ]
    for name, truth in NOISY_TRUE.items():
        z = np.array([(getattr(f, name) - truth) / getattr(f, f"{name}_se") for f in fits])
        assert np.mean(np.abs(z) < 3) >= COVERAGE_MIN, name


@pytest.mark.parametrize(
    "time, series",
    [
        (PERIODS, np.full(31, 7.0)),  # flat
        (PERIODS, np.zeros(31)),  # nobody adopts
        (np.arange(3.0), np.array([0.0, 1.0, 2.0])),  # too short
        (np.array([]), np.array([])),  # empty
    ],
)
def test_fit_bass_gives_nans_not_exceptions(time, series):
    fit = fit_bass(time, adopted_total=series)
    values = fit.as_dict()
    assert set(values) == {"p", "q", "m", "p_se", "q_se", "m_se", "r2", "n_points"}
    assert all(math.isnan(v) for k, v in values.items() if k != "n_points")


def test_fit_bass_argument_checks():
    with pytest.raises(ValueError):
        fit_bass(PERIODS)  # neither series
    with pytest.raises(ValueError):
        fit_bass(PERIODS, adopted_total=PERIODS, new_adopters=PERIODS)
    with pytest.raises(ValueError):
        fit_bass(PERIODS, adopted_total=PERIODS, target="weekly")


# --- milestones and peaks ----------------------------------------------------------


def test_time_to_fraction_interpolates():
    time = np.array([0.0, 1.0, 2.0, 3.0])
    series = np.array([0.0, 0.2, 0.6, 0.9])
    assert time_to_fraction(time, series, 0.4) == pytest.approx(1.5)
    assert time_to_fraction(time, series, 0.6) == pytest.approx(2.0)
    assert time_to_fraction(time, series, 0.0) == 0.0
    assert math.isnan(time_to_fraction(time, series, 0.95))


def test_peak_rate_first_maximum():
    time = np.array([0.0, 0.5, 1.0, 1.5])
    assert peak_rate(time, np.array([1.0, 4.0, 4.0, 2.0])) == (4.0, 0.5)
    assert peak_rate(time, np.array([np.nan, 1.0, 3.0, np.nan])) == (3.0, 1.0)
    assert all(math.isnan(v) for v in peak_rate(time, np.full(4, np.nan)))


def test_mean_and_band():
    df = pd.DataFrame(
        {
            "replicate": np.repeat(np.arange(5), 2),
            "time": np.tile([0.0, 1.0], 5),
            "share": [0, 10, 0, 20, 0, 30, 0, 40, 0, 50],
        }
    )
    band = mean_and_band(df, "share")
    assert list(band.columns) == ["time", "mean", "lo", "hi"]
    assert band["time"].tolist() == [0.0, 1.0]
    assert band["mean"].tolist() == [0.0, 30.0]
    # numpy's linear quantiles of 10..50: 5% -> 12, 95% -> 48.
    assert band.loc[1, "lo"] == pytest.approx(12.0)
    assert band.loc[1, "hi"] == pytest.approx(48.0)
    wide = mean_and_band(df, "share", level=0.5)
    assert (wide.loc[1, "lo"], wide.loc[1, "hi"]) == pytest.approx((20.0, 40.0))


# --- replicate summaries -----------------------------------------------------------

POPULATION = 1000
DT = 0.5


def replicate_frame(p=0.03, q=0.38, seeds=10, steps=120, dt=DT, cost_per_step=5.0):
    """A synthetic replicate following the Bass curve, with the simulator's columns."""
    step = np.arange(steps + 1)
    time = dt * step
    adopted = np.round(seeds + (POPULATION - seeds) * bass_cdf(time, p, q))
    new = np.diff(adopted, prepend=adopted[0])
    return pd.DataFrame(
        {
            "step": step,
            "time": time,
            "adopted_total": adopted,
            "new_adopters": new,
            "fans": np.round(0.3 * adopted),
            "detractors": np.round(0.05 * adopted),
            "adopters": adopted,
            "cost": cost_per_step * step,
        }
    )


def test_summarize_replicate_metrics():
    df = replicate_frame()
    summary = summarize_replicate(df.iloc[::-1], POPULATION)  # order must not matter
    adopted = df["adopted_total"].to_numpy()
    assert summary["final_adoption"] == adopted[-1] / POPULATION
    assert summary["time_to_10pct"] < summary["time_to_50pct"]
    assert summary["time_to_50pct"] == pytest.approx(time_to_fraction(df["time"], adopted / POPULATION, 0.5))
    assert summary["peak_adoption_rate"] == df["new_adopters"].max() / DT
    assert summary["peak_time"] == pytest.approx(np.log(0.38 / 0.03) / 0.41, abs=1.0)
    assert (summary["bass_p"], summary["bass_q"]) == pytest.approx((0.03, 0.38), rel=0.05)
    assert summary["bass_m"] == pytest.approx(POPULATION, rel=0.01)
    assert summary["bass_r2"] > 0.999
    assert summary["fan_share"] == pytest.approx(0.3, abs=0.01)
    assert summary["detractor_share"] == pytest.approx(0.05, abs=0.01)
    gained = adopted[-1] - adopted[0]
    assert summary["cost_per_adopter"] == pytest.approx(df["cost"].iloc[-1] / gained)


def test_summarize_replicate_without_adoption():
    df = replicate_frame(seeds=0).assign(adopted_total=0.0, new_adopters=0.0, fans=0.0, detractors=0.0, adopters=0.0)
    summary = summarize_replicate(df, POPULATION)
    assert summary["final_adoption"] == 0.0
    assert math.isnan(summary["time_to_10pct"])
    assert math.isnan(summary["bass_p"])
    assert summary["fan_share"] == 0.0
    assert math.isnan(summary["cost_per_adopter"])


def test_summarize_replicate_single_row_and_missing_columns():
    summary = summarize_replicate(replicate_frame().iloc[:1], POPULATION)
    assert summary["peak_adoption_rate"] == 0.0  # dt falls back to 1
    with pytest.raises(ValueError):
        summarize_replicate(replicate_frame().drop(columns="cost"), POPULATION)


def test_summarize_shape_and_json():
    frames = [
        replicate_frame(q=0.38).assign(replicate=0),
        replicate_frame(q=0.45).assign(replicate=1),
        replicate_frame(q=0.30).assign(replicate=2),
        # A replicate that never spreads: its NaN metrics must be skipped, not propagated.
        replicate_frame(seeds=0).assign(adopted_total=0.0, new_adopters=0.0, replicate=3),
    ]
    result = summarize(pd.concat(frames, ignore_index=True), POPULATION)
    assert set(result) == {"replicates", "mean", "ci90", "per_replicate"}
    assert result["replicates"] == 4
    assert len(result["per_replicate"]) == 4
    assert result["per_replicate"][3]["replicate"] == 3
    assert set(result["mean"]) == set(result["ci90"])
    assert "replicate" not in result["mean"]
    for metric, (lo, hi) in result["ci90"].items():
        if lo is not None:
            assert lo <= result["mean"][metric] <= hi, metric
    # bass_q is NaN in replicate 3, so its mean covers the three fitted replicates.
    fitted_q = [r["bass_q"] for r in result["per_replicate"][:3]]
    assert result["mean"]["bass_q"] == pytest.approx(np.mean(fitted_q))
    assert result["per_replicate"][3]["bass_q"] is None
    json.dumps(result, allow_nan=False)


def test_summarize_all_nan_metric_is_none():
    df = replicate_frame().assign(replicate=0)
    df["adopted_total"] = 5.0  # flat: no fit, no milestone
    result = summarize(df, POPULATION)
    assert result["mean"]["bass_p"] is None
    assert result["ci90"]["bass_p"] == [None, None]
    json.dumps(result, allow_nan=False)


def test_to_jsonable():
    data = {"a": np.float64("nan"), "b": [np.int64(3), np.inf], "c": (np.bool_(True), "x"), 1: np.array([1.5, np.nan])}
    assert to_jsonable(data) == {"a": None, "b": [3, None], "c": [True, "x"], "1": [1.5, None]}


def test_metric_registry_names_exactly_what_a_replicate_summary_reports():
    """Every metric summarize_replicate reports is registered (label, unit, how computed), in its order."""
    from sim.run.metrics import METRICS, REPLICATE_COLUMNS

    probe = pd.DataFrame({column: [0] for column in REPLICATE_COLUMNS})
    always = [name for name, m in METRICS.items() if m.summary and not m.generations_only]
    assert list(summarize_replicate(probe, population=1)) == always
    assert all(m.label and m.unit and m.computed for m in METRICS.values())


def test_the_one_registry_computes_every_metric_it_does_not_leave_to_the_summary():
    """Metrics read on a day or over windows carry their function; the summaries carry none (one Bass fit
    serves them all); objectives are read on a day."""
    from sim.run.metrics import METRICS, OBJECTIVES

    for m in METRICS.values():
        assert m.reads in ("run", "day", "window"), m.name
        assert m.summary == (m.compute is None), m.name
        assert m.needs_day == (m.reads != "run"), m.name
        if m.summary:
            assert m.reads == "run", m.name
    assert OBJECTIVES == ("adopted_by_day", "fans_by_day", "spend_by_day", "cost_per_adopter_by_day", "npv_by_day")
    assert all(METRICS[name].reads == "day" for name in OBJECTIVES)


def test_metrics_on_day_read_the_last_step_on_or_before_the_day():
    """Objectives on day D (steps of 0.1 days: float times need the slack): seeds are not gained adopters."""
    from sim.run.metrics import OBJECTIVES, metrics_on_day

    time = np.arange(0, 101) * 0.1  # 10.000000000000002 is step 100
    ts = pd.DataFrame(
        {
            "step": np.arange(101),
            "time": time,
            "adopted_total": 10 + np.arange(101) * 2,
            "fans": np.arange(101),
            "cost": np.arange(101) * 5.0,
        }
    )
    got = metrics_on_day(ts.iloc[::-1], population=1000, day=3.0)  # rows in any order
    assert list(got) == list(OBJECTIVES)
    assert np.isnan(got.pop("npv_by_day"))  # a run without money (no npv column)
    assert got == pytest.approx(
        {
            "adopted_by_day": (10 + 60) / 1000,
            "fans_by_day": 30 / 1000,
            "spend_by_day": 150.0,
            "cost_per_adopter_by_day": 150.0 / 60,
        }
    )
    ts["npv"] = np.arange(101) * 7.0  # with money: the npv column on the day
    assert metrics_on_day(ts, population=1000, day=3.0)["npv_by_day"] == pytest.approx(210.0)
    assert np.isnan(metrics_on_day(ts.iloc[:1], population=1000, day=5.0)["cost_per_adopter_by_day"])


def test_bass_parameters_on_a_search_bound_are_not_identified():
    from sim.run.bass_fit import P_BOUNDS, Q_BOUNDS, BassFit, fit_problem

    inner = BassFit(0.01, 0.3, 100.0, 0.001, 0.01, 1.0, 0.99, 30)
    assert fit_problem(inner) is None
    for fit in (
        BassFit(P_BOUNDS[0], 0.3, 100.0, 0, 0, 0, 0.99, 30),
        BassFit(0.01, Q_BOUNDS[1], 100.0, 0, 0, 0, 0.99, 30),
        BassFit(0.01, 0.0, 100.0, 0, 0, 0, 0.99, 30),
    ):
        assert "search bound" in fit_problem(fit)
    assert "not a Bass fit" in fit_problem(BassFit(0.01, 0.3, 100.0, 0, 0, 0, -0.5, 30))


# --- product generations -------------------------------------------------------------------------------


def test_norton_bass_fit_recovers_known_parameters_and_reports_a_flat_series():
    from sim.model.theory import norton_bass
    from sim.run.bass_fit import fit_norton_bass, norton_bass_problem

    t = np.arange(0.0, 60.0, 0.5)
    launches = [15.0, 35.0]
    units = norton_bass(t, 0.02, 0.35, [1000.0, 400.0, 200.0], launches)
    fit = fit_norton_bass(t, units, launches)
    assert norton_bass_problem(fit) is None and fit.r2 > 0.9999
    np.testing.assert_allclose([fit.p, fit.q, *fit.m], [0.02, 0.35, 1000, 400, 200], rtol=1e-3)
    flat = fit_norton_bass(t, np.zeros((3, t.size)), launches)
    assert np.isnan(flat.p) and "no fit" in norton_bass_problem(flat)


def test_generation_metrics_only_with_generation_columns():
    from sim.run.metrics import METRICS, REPLICATE_COLUMNS

    probe = pd.DataFrame({column: [0, 10] for column in REPLICATE_COLUMNS})
    probe["adopted_total"] = [5, 8]
    plain = summarize_replicate(probe, population=10)
    assert not any(METRICS[k].generations_only for k in plain)
    lines = probe.assign(purchases_total=[5, 12], repeat_buyers=[0, 3], purchases_gen1=[5, 8], purchases_gen2=[0, 4])
    got = summarize_replicate(lines, population=10)
    assert (got["lifetime_adoption"], got["repeat_buyers"]) == (1.2, 3 / 8)
    assert (got["adoption_gen1"], got["adoption_gen2"]) == (0.8, 0.4) and "adoption_gen3" not in got
    assert all(k in METRICS for k in got)

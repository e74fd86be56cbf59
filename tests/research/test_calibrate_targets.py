"""ABC targets of several cumulative series (sim.research.calibrate.targets; issue 29, part 6): a CSV of
`adopted_total` and per-brand `adopted_total_<brand>` columns, empty cells not observed, each column
compared with the simulated column of its name and the distance pooling every fitted point. Hostile files
and options are refused in one line (exit 2) before any simulation, nothing written."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
import typer
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli.research import register
from sim.config.scenario import load_scenario
from sim.research.calibrate.abc import AbcSettings, Market, run, scale_targets
from sim.research.calibrate.bass import SeriesError, parse_varies
from sim.research.calibrate.targets import check_targets, load_targets
from sim.research.options import ResearchOptions

ROOT = Path(__file__).resolve().parents[2]
COMPETITION = ROOT / "scenarios" / "docking" / "competition.toml"
#: Two brands of the competition docking, small and fast: 400 people, steps of 1 day, 20 days.
SMALL = ["population.size=400", "run.dt=1", "run.days=20", "run.replicates=1"]
#: Brand a from day 0, brand b (entering on day 10) from day 12; a's day 5 not observed.
TWO_BRANDS = "time,adopted_total_a,adopted_total_b\n5,,\n8,60,\n12,110,4\n16,170,20\n20,230,50\n"

app = typer.Typer()
register(app)
cli = CliRunner()


def write(tmp_path: Path, text: str, name: str = "t.csv") -> Path:
    path = tmp_path / name
    path.write_text(text)
    return path


def test_each_column_is_a_series_of_its_observed_rows(tmp_path):
    targets = load_targets(write(tmp_path, TWO_BRANDS))
    assert targets.columns == ["adopted_total_a", "adopted_total_b"]
    a, b = targets.series
    np.testing.assert_array_equal(a.time, [8, 12, 16, 20])
    np.testing.assert_array_equal(b.values, [4, 20, 50])
    assert a.cumulative and b.cumulative
    np.testing.assert_array_equal(targets.time, [8, 12, 16, 20])


def test_a_plain_file_is_one_series_as_before(tmp_path):
    targets = load_targets(write(tmp_path, "time,new_adopters\n1,5\n2,7\n"))
    assert targets.columns == ["new_adopters"] and not targets.series[0].cumulative


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("time,adopted_total_a,owners_b\n1,2,3\n2,3,4\n", "column 'owners_b'"),
        ("time,adopted_total_a,adopted_total_Bad!\n1,2,3\n2,3,4\n", "column 'adopted_total_Bad!'"),
        ("day,adopted_total_a\n1,2\n2,3\n", "needs a 'time' column"),
        ("time,adopted_total_a,adopted_total_b\n1,2,\n2,3,4\n", "column 'adopted_total_b': needs values in at least 2"),
        ("time,adopted_total_a\n1,2\n2,x\n", "row 3"),
        ("time,adopted_total_a\n1,5\n2,3\n", "decreases"),
        ("time,adopted_total_a\n1,-5\n2,3\n", ">= 0"),
        ("time,adopted_total_a\n1,5\n1,6\n", "distinct"),
        ("time,adopted_total_a\n1,5\n2,inf\n", "must be numbers"),
    ],
)
def test_hostile_files_are_refused_naming_the_file_and_what_is_wrong(tmp_path, text, needle):
    path = write(tmp_path, text)
    with pytest.raises(SeriesError, match=None) as err:
        load_targets(path)
    assert str(path) in str(err.value) and needle in str(err.value), str(err.value)


def test_columns_must_be_series_the_scenario_writes(tmp_path):
    scenario = load_scenario(COMPETITION, SMALL)
    targets = load_targets(write(tmp_path, TWO_BRANDS.replace("adopted_total_b", "adopted_total_c")))
    with pytest.raises(SeriesError, match="column 'adopted_total_c': the scenario has no such series; allowed: "):
        check_targets(scenario, targets, parse_varies(["wom.q=0.1:0.5"]))
    alone = load_targets(write(tmp_path, "time,adopted_total_c\n1,2\n2,3\n", "c.csv"))  # one column, no brand c
    with pytest.raises(SeriesError, match="column 'adopted_total_c'"):
        check_targets(scenario, alone, parse_varies(["wom.q=0.1:0.5"]))
    one_brand = load_scenario(ROOT / "scenarios" / "docking" / "bass.toml")
    with pytest.raises(SeriesError, match="allowed: adopted_total$"):
        check_targets(one_brand, load_targets(write(tmp_path, TWO_BRANDS)), parse_varies(["wom.q=0.1:0.5"]))


def test_free_parameters_and_hold_outs_count_over_every_series(tmp_path):
    scenario = load_scenario(COMPETITION, SMALL)
    targets = load_targets(write(tmp_path, TWO_BRANDS))  # 4 + 3 = 7 points after time 0
    masks = check_targets(scenario, targets, parse_varies(["wom.q=0.1:0.5"]), hold_out=[20.0])
    assert [int(m.sum()) for m in masks] == [3, 2]
    with pytest.raises(SeriesError, match="--hold-out 7: no row"):
        check_targets(scenario, targets, parse_varies(["wom.q=0.1:0.5"]), hold_out=[7.0])
    many = [f"{k}=0.1:0.5" for k in ("wom.q", "wom.q_cross", "engine.quality", "engine.rejection")]
    with pytest.raises(SeriesError, match="4 free parameters but .* only 3 data points"):
        check_targets(scenario, targets, parse_varies(many), hold_out=[16.0, 20.0])
    with pytest.raises(SeriesError, match="stops at run.days = 15"):
        check_targets(load_scenario(COMPETITION, [*SMALL, "run.days=15"]), targets, parse_varies(["wom.q=0.1:0.5"]))


def test_the_market_scales_every_series_and_refuses_one_above_it(tmp_path):
    scenario = load_scenario(COMPETITION, SMALL)
    targets = load_targets(write(tmp_path, TWO_BRANDS))
    same, scaled, note = scale_targets(scenario, targets, Market(4000, 400))
    assert same is scenario and "stands for 10 people" in note
    np.testing.assert_allclose(scaled.series[1].values, [0.4, 2.0, 5.0])
    with pytest.raises(SeriesError, match="--market 200: .* reaches 230 adopters"):
        scale_targets(scenario, targets, Market(200, 100))


def calibrate_args(target: Path, out: Path, *extra: str) -> list[str]:
    sets = [a for s in SMALL for a in ("--set", s)]
    return ["calibrate", str(COMPETITION), "--method", "abc", "--target", str(target), "--quiet", "--out", str(out)] + [
        *sets,
        *extra,
    ]


@pytest.mark.parametrize(
    ("text", "extra", "needle"),
    [
        (TWO_BRANDS.replace("_b", "_zz"), [], "column 'adopted_total_zz'"),
        (TWO_BRANDS, ["--hold-out", "3"], "--hold-out 3"),
        (TWO_BRANDS, ["--market", "100"], "--market 100"),
        ("time,adopted_total_a,nonsense\n1,2,3\n2,3,4\n", [], "column 'nonsense'"),
    ],
)
def test_the_command_refuses_a_bad_target_in_one_line_and_writes_nothing(tmp_path, text, extra, needle):
    target, out = write(tmp_path, text), tmp_path / "out"
    result = cli.invoke(app, calibrate_args(target, out, "--vary", "wom.q=0.1:0.5", *extra))
    assert result.exit_code == 2, result.output
    assert len(result.output.strip().splitlines()) == 1 and needle in result.output, result.output
    assert not out.exists()


@settings(
    max_examples=25,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(
    header=st.lists(
        st.sampled_from(["time", "adopted_total", "adopted_total_a", "adopted_total_b", "adopted_total_", "x", ""]),
        min_size=1,
        max_size=4,
    ),
    cells=st.lists(st.sampled_from(["", "0", "1", "5", "-1", "nan", "inf", "1e13", "a", "3.5"]), max_size=16),
)
def test_any_file_loads_or_is_refused_with_a_series_error(tmp_path, header, cells):
    """Whatever the columns and cells: a Targets whose every series is checked, or SeriesError; never another error."""
    rows = [",".join(cells[i : i + len(header)]) for i in range(0, len(cells), len(header))]
    path = write(tmp_path, "\n".join([",".join(header), *rows]) + "\n")
    try:
        targets = load_targets(path)
    except SeriesError as exc:
        assert str(path) in str(exc)
        return
    for s in targets.series:
        assert len(s.time) >= 2 and np.all(np.diff(s.time) > 0) and np.all(s.values >= 0)
        assert not s.cumulative or np.all(np.diff(s.values) >= 0)


def test_abc_against_two_brands_compares_each_column_and_is_reproducible(tmp_path):
    """Both brands' columns are fitted (the distance pools them), the predictions name their series, and the
    same seed gives the same posterior (6 particles, 2 generations: a run of the machinery, not a figure)."""
    scenario = load_scenario(COMPETITION, SMALL)
    targets = load_targets(write(tmp_path, TWO_BRANDS))
    settings_ = AbcSettings(particles=6, generations=2, seed=3, max_evals=60)
    varies = parse_varies(["wom.q=0.05:0.5"])
    one = run(scenario, targets, varies, settings_, ResearchOptions(workers=1), hold_out=[20.0])
    two = run(scenario, targets, varies, settings_, ResearchOptions(workers=1), hold_out=[20.0])
    np.testing.assert_array_equal(one.particles, two.particles)
    assert one.curves.shape == (6, 2, 21)
    pred = one.predictions()
    assert list(pred["series"].unique()) == ["adopted_total_a", "adopted_total_b"]
    assert (pred[pred.time == 20]["role"] == "held out").all() and (pred[pred.time < 20]["role"] == "fitted").all()

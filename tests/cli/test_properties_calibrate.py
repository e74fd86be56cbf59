"""Property-based tests (Hypothesis) of `wom calibrate` (both methods), `wom fit-bass` and the points of
`wom attribute-map` (issue 24).

Options are drawn from valid ones and hostile ones (a key twice or also --set, ranges with inf, a
target larger than the population, --market inf or below the target, --out of the wrong kind, budgets
below one generation). Whatever the options: exit 0 or 2, no traceback, one line on exit 2 and nothing
written; and the answers that issue 24 found wrong never come out: a calibration with a key searched
twice or also fixed, or with more adopters in the target than the simulation can hold, never succeeds;
a calibrated scenario is never overwritten by its chart; an ABC result always has a generation after
the prior; fit-bass never writes beside its input. Scenarios are tiny (200 people, 10 days) and
budgets small, so that valid examples stay cheap. Budget: max_examples below (about a minute in all on
a busy 2-core machine), derandomized.
"""

from __future__ import annotations

import json
import math
from pathlib import Path

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli.main import app
from sim.config.scenario import load_scenario, parse_override
from sim.research.attribution.map import MapSpec, MapSpecError, load_spec, points
from sim.research.calibrate.bass import MAX_SERIES_VALUE

#: Property-based: each test runs its whole example budget (seconds to a minute): long-running.
pytestmark = pytest.mark.slow

runner = CliRunner()
SETTINGS = settings(
    max_examples=10,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
ROOT = Path(__file__).resolve().parents[2]
BASS = str(ROOT / "scenarios" / "docking" / "bass.toml")
POPULATION = 200
TINY_SET = [f"population.size={POPULATION}", "run.days=10", "run.dt=1"]
KEYS = ["wom.q", "advertising.p_max", "engine.quality", "delay", "population.size", "nope.key"]

bounds = st.one_of(
    st.sampled_from(["0.1:0.5", "0.01:0.05", "0:1", "0.5:0.1", "0:inf", "nan:1", "a:b", "", "1e300:1e301"]),
    st.tuples(st.floats(-2, 2), st.floats(-2, 2)).map(lambda b: f"{b[0]:g}:{b[1]:g}"),
)
varies = st.lists(st.tuples(st.sampled_from(KEYS), bounds).map(lambda kv: f"{kv[0]}={kv[1]}"), max_size=3)
sets = st.lists(st.sampled_from(["wom.q=0.3", "engine.quality=0.8", "population.size=50", "x"]), max_size=2)
#: Final adopters of the target (the simulation holds POPULATION).
finals = st.sampled_from([0, 50, POPULATION, POPULATION + 1, 10**6])
outs = st.sampled_from(["out.toml", "out.png", "out", "sub/out.toml", "OUT.TOML"])
markets = st.one_of(st.none(), st.sampled_from(["inf", "nan", "-5", "100", "300", "1e6", "1e300"]))
small_ints = st.sampled_from(["-1", "0", "1", "2", "4", "8", "16", "100000"])


def check(res) -> None:
    """Exit 0 or 2, no traceback; a refusal is one message."""
    assert "Traceback" not in res.output, res.output
    assert res.exception is None or isinstance(res.exception, SystemExit), repr(res.exception)
    assert res.exit_code in (0, 2), (res.exit_code, res.output)
    if res.exit_code == 2:  # one message (an invalid scenario indents one line per key below it), or
        lines = res.output.strip().splitlines()  # Click's usage error, whose last line names the option
        one = lines[0].startswith("error: ") and all(line.startswith("  ") for line in lines[1:])
        assert one or (lines[-1].startswith("Error: ") and "'--" in lines[-1]), res.output


def files(folder: Path) -> set[Path]:
    return set(folder.rglob("*"))


def write_target(folder: Path, final: int) -> Path:
    path = folder / "target.csv"
    rows = "".join(f"{t},{round(final * t / 10)}\n" for t in range(11))
    path.write_text("time,adopted_total\n" + rows, encoding="utf-8")
    return path


def ill_posed(vary: list[str], overrides: list[str], final: int, market: str | None) -> bool:
    """A key searched twice or also fixed by --set, or a target the simulation cannot hold (more final
    adopters than the population, or than the market it stands for)."""
    keys = [v.partition("=")[0] for v in vary]
    fixed = {s.partition("=")[0] for s in overrides if "=" in s}
    if len(set(keys)) < len(keys) or fixed & set(keys):
        return True
    size = 50 if "population.size=50" in overrides else POPULATION
    if market is None:
        return final > size
    people = float(market)
    return not math.isfinite(people) or people > MAX_SERIES_VALUE or people < size or final > people


@SETTINGS
@given(vary=varies, overrides=sets, final=finals, out=outs, max_evals=small_ints)
@example(vary=["wom.q=0.1:0.5"], overrides=[], final=50, out="out.toml", max_evals="8")  # a valid one
@example(vary=["wom.q=0.1:0.5"], overrides=[], final=50, out="out.png", max_evals="8")  # the chart's own name
def test_calibrate_de_random_options(tmp_path_factory, vary, overrides, final, out, max_evals):
    folder = tmp_path_factory.mktemp("de")
    target = write_target(folder, final)
    args = ["calibrate", BASS, "--target", str(target), "-r", "1", "--quiet", "--out", str(folder / out)]
    args += ["--max-evals", max_evals, *(a for s in [*TINY_SET, *overrides] for a in ("--set", s))]
    args += [a for v in vary for a in ("--vary", v)]
    before = files(folder)
    res = runner.invoke(app, args)
    check(res)
    if res.exit_code != 0:
        assert files(folder) == before
        return
    assert not ill_posed(vary, overrides, final, None), res.output
    written = folder / out
    assert written.suffix.lower() == ".toml" and written.with_suffix(".png").is_file()
    assert load_scenario(written).population.size > 0  # the scenario, not a chart


@SETTINGS
@given(
    vary=varies,
    overrides=sets,
    final=finals,
    market=markets,
    particles=small_ints,
    generations=small_ints,
    max_evals=small_ints,
)
@example(vary=["wom.q=0.1:0.5"], overrides=[], final=50, market=None, particles="4", generations="2", max_evals="16")
@example(
    vary=["wom.q=0.1:0.5"], overrides=[], final=10**6, market="1e6", particles="4", generations="4", max_evals="16"
)
def test_calibrate_abc_random_options(
    tmp_path_factory, vary, overrides, final, market, particles, generations, max_evals
):
    folder = tmp_path_factory.mktemp("abc")
    target = write_target(folder, final)
    args = ["calibrate", BASS, "--method", "abc", "--target", str(target), "-r", "1", "--quiet"]
    args += ["--out", str(folder / "out"), "--particles", particles, "--generations", generations]
    args += ["--max-evals", max_evals, *(a for s in [*TINY_SET, *overrides] for a in ("--set", s))]
    args += [a for v in vary for a in ("--vary", v)] + (["--market", market] if market is not None else [])
    before = files(folder)
    res = runner.invoke(app, args)
    check(res)
    if res.exit_code != 0:
        assert files(folder) == before
        return
    assert not ill_posed(vary, overrides, final, market), res.output
    summary = json.loads((folder / "out" / "summary.json").read_text(encoding="utf-8"))
    assert summary["generations_completed"] >= 2  # never the prior as a posterior
    assert summary["stopped_early"] == (summary["generations_completed"] < int(generations))
    assert ("STOPPED EARLY" in res.output) == summary["stopped_early"]


@SETTINGS
@given(final=finals, out=st.one_of(st.none(), st.sampled_from(["fit.png", "fit.toml", "sub/fit.png", "FIT.PNG"])))
@example(final=50, out="fit.png")
def test_fit_bass_never_writes_beside_its_input(tmp_path_factory, monkeypatch, final, out):
    folder = tmp_path_factory.mktemp("fit")
    monkeypatch.chdir(folder)  # the default chart goes to ./results/
    data = folder / "data"
    data.mkdir()
    series = write_target(data, final)
    chart = folder / "charts" / out if out is not None else None
    args = ["fit-bass", str(series)] + (["--out", str(chart)] if chart is not None else [])
    res = runner.invoke(app, args)
    check(res)
    assert sorted(p.name for p in data.iterdir()) == ["target.csv"]
    if res.exit_code == 0:
        written = chart if chart is not None else folder / "results" / "target.fit.png"
        assert written.suffix.lower() == ".png" and written.is_file()


def map_spec(x_key: str, y_key: str, xs: list[float]) -> dict:
    return {
        "name": "prop-map",
        "scenario": "a.toml",
        "baseline": "b.toml",
        "grid": {"x": {"key": x_key, "values": xs}, "y": {"key": y_key, "values": [0.0]}},
        "lines": [{"key": "relationship.brand_growth", "values": xs}],
    }


@SETTINGS
@given(
    xs=st.lists(st.floats(allow_nan=False, allow_infinity=False), min_size=1, max_size=5),
    y_key=st.sampled_from(["relationship.answer_back", "relationship.tie_assurance"]),
)
def test_attribute_map_points_run_the_exact_values_of_two_keys(xs, y_key):
    x_key = "relationship.tie_assurance"
    try:
        spec = MapSpec.model_validate(map_spec(x_key, y_key, xs))
    except ValueError as exc:  # pydantic's ValidationError: a repeated value or one key on both axes
        assert len(set(xs)) < len(xs) or y_key == x_key, exc
        return
    assert len(set(xs)) == len(xs) and y_key != x_key
    ran = [parse_override(p["overrides"][0])[1] for p in points(spec) if p["kind"] == "grid"]
    lines = [parse_override(p["overrides"][-1])[1] for p in points(spec) if p["kind"] == "line"]
    assert [float(v) for v in ran] == xs and [float(v) for v in lines] == xs


def test_attribute_map_spec_with_one_key_on_both_axes_is_a_spec_error(tmp_path):
    spec = tmp_path / "map.toml"
    spec.write_text(
        'name = "m"\nscenario = "a.toml"\nbaseline = "b.toml"\n'
        '[grid.x]\nkey = "relationship.tie_assurance"\nvalues = [0.0]\n'
        '[grid.y]\nkey = "relationship.tie_assurance"\nvalues = [1.0]\n',
        encoding="utf-8",
    )
    with pytest.raises(MapSpecError, match="map.toml: .*x and y are both relationship.tie_assurance"):
        load_spec(spec)

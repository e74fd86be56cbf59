"""The `[market]` section and its category curve CSV: hostile input is refused with one line naming the
file and row (a CSV) or the key (the scenario), and the command exits 2."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from typer.testing import CliRunner

from sim.cli.main import app
from sim.config.errors import ScenarioError
from sim.config.market import read_curve
from sim.config.scenario import load_scenario, scenario_from_dict

PROPERTY = settings(max_examples=60, deadline=None, derandomize=True, database=None)
runner = CliRunner()


def curve_scenario(folder: Path, csv_text: str) -> Path:
    """A scenario file with a growing market read from `curve.csv` beside it (a relative path)."""
    (folder / "curve.csv").write_text(csv_text)
    path = folder / "s.toml"
    path.write_text('[market]\nkind = "curve"\ncurve = "curve.csv"\n')
    return path


def refusal(folder: Path, csv_text: str) -> str:
    with pytest.raises(ScenarioError) as err:
        load_scenario(curve_scenario(folder, csv_text))
    return str(err.value)


def test_the_curve_path_is_relative_to_the_scenario_file(tmp_path):
    sc = load_scenario(curve_scenario(tmp_path, "day,share\n0,0.1\n30,0.5\n"))
    assert sc.market.curve == str((tmp_path / "curve.csv").resolve())
    assert read_curve(sc.market.curve)[1].tolist() == [0.1, 0.5]


@pytest.mark.parametrize(
    ("csv_text", "says"),
    [
        ("day,share\n0,0.1\n10,1.5\n", "row 3: 'share' must be in [0, 1]"),
        ("day,share\n0,-0.1\n", "row 2: 'share' must be in [0, 1]"),
        ("day,share\n0,0.5\n10,0.4\n", "row 3: 'share' decreases"),
        ("day,share\n0,0.1\n0,0.2\n", "row 3: 'day' must increase"),
        ("day,share\n-1,0.1\n", "row 2: 'day' must be >= 0"),
        ("day,share\n0,abc\n", "row 2: 'day' and 'share' must be finite numbers"),
        ("day,share\n0,nan\n", "row 2: 'day' and 'share' must be finite numbers"),
        ("day,fraction\n0,0.1\n", "needs columns 'day' and 'share'"),
        ("day,share\n", "needs 1 to"),
        ("", "not a readable CSV file"),
        ('day,share\n0,"0.1\n', "not a readable CSV file"),
    ],
)
def test_a_bad_curve_is_one_line_naming_the_file_and_row(tmp_path, csv_text, says):
    message = refusal(tmp_path, csv_text)
    assert len(message.splitlines()) == 1 and says in message
    assert message.startswith(str(tmp_path / "curve.csv"))


def test_a_missing_curve_file_names_the_key_and_the_file(tmp_path):
    path = tmp_path / "s.toml"
    path.write_text('[market]\nkind = "curve"\ncurve = "nowhere.csv"\n')
    with pytest.raises(ScenarioError) as err:
        load_scenario(path)
    assert len(str(err.value).splitlines()) == 1
    assert "market.curve" in str(err.value) and "nowhere.csv" in str(err.value)


@pytest.mark.parametrize(
    ("override", "key"),
    [
        ('market.kind="logistic"', "market.kind"),
        ("market.potential=0", "market.potential"),
        ("market.potential=1.2", "market.potential"),
        ("market.pc=0", "market.pc"),
        ("market.qc=-0.1", "market.qc"),
        ("market.qc=11", "market.qc"),
        ('market.kind="curve"', "market"),
        ('market.talk_share_of="market"', "market"),
        ('market.entrants="at_penetration"', "market"),
        ('market.talk_share_of="eligible"', "market.talk_share_of"),
        ('market.entrants="later"', "market.entrants"),
    ],
)
def test_bad_market_keys_name_the_key(override, key):
    with pytest.raises(ScenarioError) as err:
        scenario_from_dict({}, [override], source="s.toml")
    lines = str(err.value).splitlines()[1:]
    assert len(lines) == 1 and lines[0].startswith(f"  {key}"), lines


@pytest.mark.parametrize("csv_text", ["day,share\n0,0.5\n10,0.4\n", "day,share\n0,2\n"])
def test_the_command_prints_one_error_and_exits_2(tmp_path, csv_text):
    res = runner.invoke(app, ["validate", str(curve_scenario(tmp_path, csv_text))])
    assert res.exit_code == 2, res.output
    assert "Traceback" not in res.output
    assert len([line for line in res.output.splitlines() if line.startswith("error:")]) == 1, res.output


rows = st.lists(
    st.tuples(
        st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.integers(-5, 50)),
        st.one_of(st.floats(allow_nan=True, allow_infinity=True), st.sampled_from(["x", "", "0.5"])),
    ),
    max_size=6,
)


@PROPERTY
@given(rows=rows)
def test_any_curve_loads_or_is_refused_in_one_line(tmp_path_factory, rows):
    """Whatever the rows, a curve either loads (days increasing, shares in [0, 1] never falling) or is
    refused with one line naming the file; never another exception."""
    folder = tmp_path_factory.mktemp("curve")
    text = "day,share\n" + "".join(f"{d},{s}\n" for d, s in rows)
    try:
        sc = load_scenario(curve_scenario(folder, text))
    except ScenarioError as err:
        assert len(str(err).splitlines()) == 1 and str(folder / "curve.csv") in str(err)
        return
    days, shares = read_curve(sc.market.curve)
    assert (days[1:] > days[:-1]).all() and (shares[1:] >= shares[:-1]).all()
    assert ((shares >= 0) & (shares <= 1)).all()

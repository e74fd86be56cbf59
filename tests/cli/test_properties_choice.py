"""Property-based tests of `[choice]` on the command line (Hypothesis): random `--set choice.<key>=<value>`
fed to `wom validate` and `wom run` of the price-war scenario (tiny: 200 people, 10 days, one replicate).
Whatever the value, the command exits 0 or 2 with one error line, never a traceback, and a failed run writes
nothing. Budget: max_examples of SETTINGS (40) and RUN_SETTINGS (12); seed: Hypothesis's derandomized default."""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.cli.main import app
from tests.cli.test_properties import RUN_SETTINGS, SETTINGS, as_set, check, files_in, runner

#: Property-based: each test runs its whole example budget (seconds to a minute): long-running.
pytestmark = pytest.mark.slow

PRICE_WAR = str(Path(__file__).resolve().parents[2] / "scenarios" / "playbook" / "price_war.toml")
TINY = ["population.size=200", "run.days=10", "run.replicates=1", "seed_users.count=4"]
keys = st.one_of(
    st.sampled_from(["choice.price_weight", "choice.tie_bonus", "choice.consider", "choice.x", "choice"]),
    st.just("brands.mi.choice.tie_bonus"),
    st.sampled_from(["brands.mi.money.price", "brands.budget.money.price", "network.kind"]),
)
raw = st.text(alphabet=string.printable, max_size=8).map(lambda text: "raw:" + text)
values = st.one_of(
    st.floats(allow_nan=True, allow_infinity=True),
    st.integers(-(10**13), 10**13),
    st.booleans(),
    st.sampled_from(["well_mixed", "small_world", "", "known", "persuaded"]),
    raw,
)


def _one_error_line(res) -> None:
    check(res)
    if res.exit_code == 2:
        errors = [line for line in res.output.splitlines() if line.startswith("error:")]
        assert len(errors) == 1, res.output


@SETTINGS
@given(items=st.lists(st.tuples(keys, values), min_size=1, max_size=3))
def test_validate_random_choice_values(items):
    args = ["validate", PRICE_WAR]
    for key, value in items:
        args += ["--set", as_set(key, value)]
    _one_error_line(runner.invoke(app, args))


@RUN_SETTINGS
@given(items=st.lists(st.tuples(keys, values), min_size=1, max_size=2))
def test_run_random_choice_values_writes_all_or_nothing(tmp_path_factory, items):
    folder = tmp_path_factory.mktemp("run")
    out = folder / "out"
    args = ["run", PRICE_WAR, "--out", str(out), "--quiet", *[a for s in TINY for a in ("--set", s)]]
    for key, value in items:
        args += ["--set", as_set(key, value)]
    before = files_in(folder)
    res = runner.invoke(app, args)
    _one_error_line(res)
    if res.exit_code == 0:
        assert (out / "summary.json").is_file() and (out / "timeseries.csv").is_file()
    else:
        assert files_in(folder) == before

"""Property-based tests (Hypothesis) of the options for one brand of a market: `wom attribute --brand NAME` and
the per-brand objectives of `wom optimize` (`share_by_day_<brand>`, `owners_by_day_<brand>`), with random brand
names and random objective keys, on a market of brands and on a one-brand scenario.

Whatever the input: exit status 0 or 2, no traceback, a refusal is one line and writes nothing. The market is
scenarios/playbook/rivals.toml made small (200 people, 30 days). Budget: max_examples of SETTINGS, derandomized.
"""

from __future__ import annotations

import string
from pathlib import Path

import pytest
from hypothesis import given
from hypothesis import strategies as st

from sim.cli.main import app
from tests.cli.test_properties_research import SETTINGS, check, files, runner, write

#: Property-based: each test runs its whole example budget (seconds to a minute): long-running.
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
RIVALS = str(ROOT / "scenarios" / "playbook" / "rivals.toml")
DEFAULT = str(ROOT / "scenarios" / "default.toml")
TINY = ["population.size=200", "run.days=30"]  # the rival enters on day 20
#: Brand names: the market's, near misses, and anything printable (empty, spaces, paths, options).
brands = st.one_of(
    st.sampled_from(["mi", "rival", "copycat", "MI", "mi ", "gen1", "a", "", "--quiet", "../x", "mi.engine"]),
    st.text(alphabet=string.printable, max_size=12),
)


def _refused_cleanly(res, folder: Path, before: set) -> None:
    check(res)
    if res.exit_code == 2:
        assert len(res.output.strip().splitlines()) == 1, res.output
        assert files(folder) == before  # nothing written


@SETTINGS
@given(brand=brands, scenario=st.sampled_from([RIVALS, DEFAULT]))
def test_attribute_random_brands(tmp_path_factory, brand, scenario):
    folder = tmp_path_factory.mktemp("attr")
    before = files(folder)
    args = ["attribute", scenario, "--brand", brand, "--baseline-set", "engine.quality=0.5", "-r", "1", "--quiet"]
    args += [a for s in TINY for a in ("--set", s)]
    res = runner.invoke(app, [*args, "--out", str(folder / "out"), "--workers", "1"])
    _refused_cleanly(res, folder, before)
    if res.exit_code == 0:
        assert scenario == RIVALS and brand in ("mi", "rival", "copycat")


@SETTINGS
@given(
    template=st.sampled_from(["share_by_day", "owners_by_day", "share_final", "owners_final", "share_peak", "x"]),
    brand=brands,
    scenario=st.sampled_from([RIVALS, DEFAULT]),
    weight=st.one_of(st.just(1.0), st.floats(allow_nan=True, allow_infinity=True)),
)
def test_optimize_random_brand_objectives(tmp_path_factory, template, brand, scenario, weight):
    folder = tmp_path_factory.mktemp("opt")
    data = {
        "name": "prop",
        "scenario": scenario,
        "seed": 1,
        "set": TINY,
        "decisions": {"advertising.spend_per_day": {"low": 0.0, "high": 1000.0}},
        "objective": {"day": 4.0, "maximize": {f"{template}_{brand}": weight}},
        "search": {"trials": 2, "batch": 2, "replicates": 1, "top": 1, "check_replicates": 2},
    }
    if not write(folder / "spec.toml", data):
        return
    before = files(folder)
    args = ["optimize", str(folder / "spec.toml"), "--out", str(folder / "out"), "--workers", "1", "--quiet"]
    res = runner.invoke(app, args)
    _refused_cleanly(res, folder, before)
    if res.exit_code == 0:
        assert scenario == RIVALS and brand in ("mi", "rival", "copycat") and template.endswith("_by_day")

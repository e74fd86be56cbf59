"""`wom optimize` maximising the net present value (issue 28): `npv_by_day` is an objective of the one metric
registry, so a plan's worth in money can be what the search maximises.

A problem with a known answer: the Bass docking population with nobody talking (q = 0) buys only through
ads. Ads at 20,000 a day for 60 days (1.2 million, discounted at rate 0) bring about 1,300 of the 2,000
people (p = 0.02 (1 - e^-2) per day); with no ads nobody buys and nothing is spent (NPV 0). So with a
margin of 1 per sale the ads lose money (NPV about 1,300 - 1.2 million: no ads win) and with a margin of
10,000 they pay (about 13 million - 1.2 million: ads win). Both plans are candidates (a choice of two),
each with 2 replicates, 10 candidates so that both are tried; the answer is not a matter of noise (the NPVs differ by millions)."""

from __future__ import annotations

from pathlib import Path

import pytest

from sim.research.optimize.method import run
from sim.research.options import ResearchOptions

ROOT = Path(__file__).resolve().parents[2]
BASS = ROOT / "scenarios" / "docking" / "bass.toml"


def _spec(margin: float) -> str:
    return f"""name = "npv"
scenario = "{BASS}"
seed = 3
set = ["population.size=2000", "run.days=60", "run.dt=1", "wom.q=0.0", "advertising.p_max=0.02",
       "advertising.spend_scale=10000", "money.price={margin}", "money.margin={margin}"]

[decisions]
"advertising.spend_per_day" = [0.0, 20000.0]

[objective]
day = 60
maximize = {{ npv_by_day = 1.0 }}

[search]
trials = 10
batch = 5
replicates = 2
top = 2
check_replicates = 2
"""


@pytest.mark.parametrize(("margin", "best"), [(1.0, 0.0), (10_000.0, 20_000.0)])
def test_optimize_maximises_the_npv(tmp_path, margin, best):
    spec = tmp_path / "npv.toml"
    spec.write_text(_spec(margin))
    result = run(spec, ResearchOptions(out=tmp_path / "out", workers=1, progress=False))
    assert result.winner.params["advertising.spend_per_day"] == best
    npv = result.winner.summary["npv_by_day_mean"]
    assert (npv > 1e6) if best else (npv == 0.0)

"""`wom report` with markets of brands (sim.viz.report_brands): each brand's final and peak share, with
intervals over replicates, and the share chart; reports of one-brand runs have no such section."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from sim.config.scenario import load_scenario
from sim.run.runner import run_scenario, write_run
from sim.viz import report
from sim.viz.report_brands import brand_section, markets, share_series
from sim.viz.report_inputs import read_inputs

pytestmark = pytest.mark.xdist_group("report-brands-runs")

ROOT = Path(__file__).resolve().parents[2]
#: The docking market of two brands, small: quick, both brands sell.
COMPETITION = ["population.size=400", "run.days=20", "run.dt=0.5"]
ONE_BRAND = ["population.size=300", "run.days=30", "seed_users.count=10", 'seed_users.choice="random"']


def _run(path: Path, scenario: str, overrides: list[str], replicates: int) -> Path:
    sc = load_scenario(ROOT / "scenarios" / scenario, overrides)
    return write_run(run_scenario(sc, seed=3, replicates=replicates), path)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """A market of two brands (3 replicates), the same with one replicate, and a one-brand run."""
    root = tmp_path_factory.mktemp("brand-runs")
    market = _run(root / "market", "docking/competition.toml", COMPETITION, 3)
    single = _run(root / "single", "docking/competition.toml", [*COMPETITION, 'name="single"'], 1)
    one = _run(root / "one", "default.toml", ONE_BRAND, 2)
    return market, single, one


def _section(text: str) -> str:
    start = text.index('<h2 id="brands">')
    return text[start : text.index("<h2", start + 1)]


def test_the_section_shows_each_brands_final_and_peak_share_with_intervals(runs):
    market, single, one = runs
    text = report.render_report(read_inputs([one, market, single]))
    section = _section(text)
    cell = r"<td>(.*?)</td>"
    rows = re.findall(r"<tr><td>([^<]*)</td><td>([^<]*)</td>" + cell * 3 + "</tr>", section)
    assert [(s, b) for s, b, _, _, _ in rows] == [
        ("docking-competition", "a"),
        ("docking-competition", "b"),
        ("single", "a"),
        ("single", "b"),
    ]
    summary = json.loads((market / "summary.json").read_text())["metrics"]
    for _, brand, final, peak, owners in rows[:2]:  # the summary's own means, and an interval over 3 replicates
        assert final.startswith(f"{100 * summary['mean'][f'share_final_{brand}']:.1f}%")
        assert peak.startswith(f"{100 * summary['mean'][f'share_peak_{brand}']:.1f}%")
        assert owners.startswith(f"{100 * summary['mean'][f'owners_final_{brand}']:.1f}%")
        assert all('class="ci"' in c for c in (final, peak, owners))
    for _, _, final, peak, owners in rows[2:]:  # one replicate: no interval
        assert not any("ci" in c for c in (final, peak, owners))
    assert "Final owners (% of population)" in section
    assert section.count("<img") == 1 and "data:image/png;base64," in section


def test_one_brand_reports_have_no_market_section(runs):
    _, _, one = runs
    inputs = read_inputs([one])
    assert markets(inputs.scenarios) == []
    assert brand_section(inputs.scenarios, None, None, None, None) == ""
    text = report.render_report(inputs)
    assert 'id="brands"' not in text and "Market shares" not in text


def test_shares_add_up_to_one_once_anybody_owns_a_brand(runs):
    market, _, _ = runs
    [(s, brands)] = markets(read_inputs([market]).scenarios)
    assert brands == ["a", "b"]
    shares = share_series(s, brands)
    owners = s.timeseries[["owners_a", "owners_b"]].sum(axis=1).to_numpy()
    total = shares[brands].sum(axis=1).to_numpy()
    assert (abs(total[owners > 0] - 1) < 1e-12).all() and (total[owners == 0] == 0).all()

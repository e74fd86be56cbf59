"""`wom optimize` for one brand of a market: the objective `share_by_day_<brand>` / `owners_by_day_<brand>`
(sim.run.brand_metrics), checked against the base scenario's brands, scored and stored per replicate."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from sim.cli.main import app
from sim.config.scenario import load_scenario
from sim.research.optimize.storage import is_metrics
from sim.run.brand_metrics import brand_metric
from sim.run.metrics import metrics_on_day
from sim.run.runner import run_scenario
from sim.run.series_metrics import brand_shares

ROOT = Path(__file__).resolve().parents[2]
SPEC = ROOT / "experiments" / "optimize" / "rivals_share.toml"
runner = CliRunner()


def _spec(tmp_path: Path, objective: str, scenario: str = "scenarios/playbook/rivals.toml") -> Path:
    text = SPEC.read_text().replace('"../../scenarios/playbook/rivals.toml"', f'"{ROOT / scenario}"')
    text = text.replace("share_by_day_mi = 1.0", f"{objective} = 1.0")
    path = tmp_path / "spec.toml"
    path.write_text(text)
    return path


def test_brand_objectives_on_a_day_read_the_brands_owners():
    sc = load_scenario(ROOT / "scenarios" / "playbook" / "rivals.toml", ["population.size=400", "run.days=30"])
    ts = run_scenario(sc, seed=2, replicates=1).timeseries
    values = metrics_on_day(ts, 400, 20.0, ("share_by_day_mi", "owners_by_day_rival"))
    row = ts[ts["time"] == 20.0].iloc[0]
    assert values["owners_by_day_rival"] == row["owners_rival"] / 400
    assert values["share_by_day_mi"] == pytest.approx(brand_shares(ts)["mi"].iloc[int(row["step"])])
    assert "adopted_by_day" in values  # the one-brand objectives are still there
    assert brand_metric("share_by_day_mi").objective and brand_metric("owners_by_day_mi").reads == "day"


@pytest.mark.parametrize(
    ("objective", "scenario", "said"),
    [
        ("share_by_day_nokia", "scenarios/playbook/rivals.toml", "unknown brand 'nokia' (allowed: mi, rival, copycat)"),
        ("owners_by_day_mi", "scenarios/default.toml", "the base scenario is not a market of brands"),
        ("share_final_mi", "scenarios/playbook/rivals.toml", "share_by_day_<brand>, owners_by_day_<brand>"),
    ],
)
def test_a_brand_objective_names_a_brand_of_the_market(tmp_path, objective, scenario, said):
    out = tmp_path / "out"
    res = runner.invoke(app, ["optimize", str(_spec(tmp_path, objective, scenario)), "--out", str(out), "--quiet"])
    assert res.exit_code == 2 and said in res.output and objective in res.output, res.output
    assert len(res.output.strip().splitlines()) == 1 and not out.exists()


@pytest.mark.slow
def test_optimize_scores_a_plan_by_the_brands_share(tmp_path):
    """Tiny (2 candidates of 2 replicates, 4 fresh replicates each): the ranked plans' scores are the brand's
    share on the day, a share in [0, 1]; stored replicates hold it, and one without it is run again."""
    out = tmp_path / "out"
    args = ["optimize", str(_spec(tmp_path, "share_by_day_mi")), "--out", str(out), "--trials", "2", "--quiet"]
    res = runner.invoke(app, [*args, "--set", "population.size=300", "--workers", "1"])
    assert res.exit_code == 0, res.output
    result = json.loads((out / "result.json").read_text())
    text = json.dumps(result)
    assert "share_by_day_mi" in text
    stored = json.loads(next((out / "trials").glob("*.json")).read_text())
    rep = stored["replicates"][0]
    assert 0 <= rep["share_by_day_mi"] <= 1 and is_metrics(rep, ("share_by_day_mi",))
    assert not is_metrics({k: v for k, v in rep.items() if k != "share_by_day_mi"}, ("share_by_day_mi",))

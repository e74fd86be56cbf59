"""`wom report`: the HTML comparison of runs and sweeps, its summary in words, and how it renders."""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import typer
from matplotlib.figure import Figure
from matplotlib.text import Text
from typer.testing import CliRunner

from sim.cli.present import register
from sim.config.scenario import load_scenario
from sim.model.state import CHANNELS, FUNNEL_COLUMNS
from sim.run.runner import run_scenario, write_run
from sim.viz import report, report_charts
from sim.viz.charts import DPI, FUNNEL_LABELS
from sim.viz.report_charts import MIN_PHONE_TEXT_PX

#: One worker runs this module (--dist loadgroup), so its `runs` and `sweep` are made once, not once per worker.
pytestmark = pytest.mark.xdist_group("report-runs")

ROOT = Path(__file__).resolve().parents[2]
DEFAULT = ROOT / "scenarios" / "default.toml"
#: A tiny scenario: quick to run, still spreads.
TINY = ["population.size=300", "run.days=40", "seed_users.count=10", 'seed_users.choice="random"']
SECTIONS = ("summary", "adoption", "metrics", "funnel", "channels", "attribution")
ATTRIBUTION = {
    "factors": {
        "engine": {"final_adoption": 0.2, "time_to_50pct": -30.0},
        "accelerator": {"final_adoption": 0.1, "time_to_50pct": -12.0},
        "relationship_chain": {"final_adoption": 0.02, "time_to_50pct": -3.0},
    }
}
#: Any reference to something outside the file: a URL in src/href/url(), or a protocol-relative one.
EXTERNAL = re.compile(r"""(?:src|href)\s*=\s*["']?\s*(?:https?:|//)|url\(\s*["']?\s*(?:https?:|//)""", re.I)


def make_run(path, *extra, replicates=2, seed=1):
    """Run the tiny scenario (plus overrides) and write it as a run directory."""
    scenario = load_scenario(DEFAULT, TINY + list(extra))
    return write_run(run_scenario(scenario, seed=seed, replicates=replicates), path)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """Two run directories: the tiny default, and the same with WeChat groups (and an attribution)."""
    root = tmp_path_factory.mktemp("runs")
    base = make_run(root / "base")
    wechat = make_run(root / "wechat", "channels.wechat.enabled=true", 'name="wechat"')
    (wechat / "attribution.json").write_text(json.dumps(ATTRIBUTION))
    return base, wechat


@pytest.fixture(scope="module")
def sweep(tmp_path_factory):
    """A small sweep directory in `wom sweep`'s layout, written with sim.research.sweep.method's own writers."""
    from sim.research.sweep import method as sw

    root = tmp_path_factory.mktemp("sweep")
    experiment = root / "tiny.toml"
    sets = ", ".join(json.dumps(s) for s in TINY)
    experiment.write_text(
        f'name = "tiny-grid"\nscenario = "{DEFAULT}"\nseed = 3\nreplicates = 2\n'
        f'set = [{sets}]\n[design]\nkind = "grid"\n[parameters]\n"engine.quality" = [0.5, 0.9]\n'
    )
    plan = sw.plan_sweep(experiment)
    out = root / "tiny-grid"
    sw.write_sweep_files(plan, out)
    for spec in plan.specs:  # what sweep.method.run does on its workers, here in-process
        sw.write_outcome(out, sw.run_one(spec), sw.point_overrides(plan.design, spec.point))
    return out


@pytest.mark.slow
def test_report_from_runs_has_every_section_and_nothing_external(runs, tmp_path):
    out = report.write_report(list(runs), tmp_path / "r" / "report.html")
    text = out.read_text(encoding="utf-8")
    for section in SECTIONS:
        assert f'id="{section}"' in text, section
    images = re.findall(r'<img [^>]*src="data:image/png;base64,([^"]+)"', text)
    assert len(images) >= 6
    for data in images:
        assert base64.b64decode(data)[:8] == b"\x89PNG\r\n\x1a\n"
    assert not EXTERNAL.search(text)
    assert "<img" in text and text.count("<img") == len(images)
    # the summary compares the second scenario with the baseline, and attribution is shown
    assert "Baseline default" in text and "wechat" in text
    assert "engine" in text and "+20.0 points" in text
    assert not list(out.parent.glob(".*partial"))


@pytest.mark.slow
def test_report_from_a_sweep_compares_its_design_points(sweep, runs, tmp_path):
    text = report.write_report([runs[0], sweep], tmp_path / "report.html").read_text(encoding="utf-8")
    assert "tiny-grid: quality=0.5" in text and "tiny-grid: quality=0.9" in text
    inputs = report.read_inputs([sweep])
    assert [s.label for s in inputs.scenarios] == ["quality=0.5", "quality=0.9"]
    assert all(s.replicates == 2 and s.population == 300 for s in inputs.scenarios)


def test_many_points_are_spread_over_the_design():
    assert report.spread(40, 10)[0] == 0 and report.spread(40, 10)[-1] == 39
    assert len(report.spread(40, 10)) == 10 and report.spread(3, 10) == [0, 1, 2]


def test_bad_inputs_are_report_errors(tmp_path):
    with pytest.raises(report.ReportError, match="no such directory"):
        report.read_inputs([tmp_path / "missing"])
    (tmp_path / "empty").mkdir()
    with pytest.raises(report.ReportError, match="neither a run directory"):
        report.read_inputs([tmp_path / "empty"])
    with pytest.raises(report.ReportError, match="at least one"):
        report.read_inputs([])


def synthetic(label, t50_days, forum_share, replicates=3, population=1000):
    """A scenario whose adoption crosses 50% near `t50_days`, a share of people adopting via the forum."""
    rows, metrics = [], []
    for r in range(replicates):
        t50 = t50_days + r - (replicates - 1) / 2
        for step in range(0, 201, 10):
            adopted = int(population * 0.8 / (1 + np.exp(-(step - t50) / 10)))
            row = {
                "replicate": r,
                "step": step,
                "time": float(step),
                "adopted_total": adopted,
                "new_adopters": 0,
                **{c: 0 for c in FUNNEL_COLUMNS},
                **{f"adopt_{c}": 0 for c in CHANNELS},
            }
            row["adopters"], row["unaware"] = adopted, population - adopted
            row["adopt_forum"] = int(forum_share * adopted)
            row["adopt_offline"] = int(0.3 * adopted)
            rows.append(row)
        metrics.append({"final_adoption": 0.8, "time_to_50pct": t50 + 2.3})
    return report.ScenarioResult(label, ROOT, "", population, pd.DataFrame(rows), pd.DataFrame(metrics))


def test_summary_says_how_much_sooner_and_describes_channels_without_causes():
    a, b = synthetic("A", 100, 0.1), synthetic("B", 60, 0.5)
    assert report.milestone_sentence(a, b) == "B reached 50% 40 days sooner (day 62 against 102)"
    # one basis: shares of adoptions, as in the channel table (offline 0.3 of 0.8 -> 37.5%, of 0.4 -> 75%)
    assert report.channel_phrase(a, b) == (
        " The largest difference by channel: 37% of B's adoptions came through offline talk, against 75% of the"
        " baseline's."
    )
    lines = report.summary_sentences([a, b])
    assert lines[0].startswith("Baseline A") and "final adoption about the same" in lines[1]
    assert "not measured" in lines[-1]
    for causal in ("mainly through", "because", "thanks to", "led to", "fewer adoptions through"):
        assert causal not in " ".join(lines)
    later = report.milestone_sentence(b, a)
    assert later.startswith("A reached 50% 40 days later")


def with_metrics(s, **values):
    """The scenario with some per-replicate metrics set (same value in every replicate)."""
    s.metrics = s.metrics.assign(**values)
    return s


@pytest.mark.slow
def test_summary_leads_with_fans_detractors_and_cost_with_its_unit():
    a = with_metrics(synthetic("ads-first", 100, 0.1), fan_share=0.035, detractor_share=0.10, cost_per_adopter=509.0)
    b = with_metrics(synthetic("miui", 60, 0.5), fan_share=0.97, detractor_share=0.02, cost_per_adopter=86.0)
    line = report.summary_sentences([a, b])[1]
    assert "fans (share of adopters) 97% against 3.5%" in line
    assert "detractors (share of adopters) 2.0% against 10%" in line
    assert "cost per adopter 86 against 509 currency units per adopter" in line
    table = report.decision_table([a, b])
    assert "<th>Fans</th>" in table and "97.0%" in table and "<th>Cost per adopter</th>" in table
    text = report.render_report(report.Inputs([a, b]))
    assert text.index('table class="decisions"') < text.index('class="summary"')  # decisions lead
    assert "currency units per adopter gained" in text


@pytest.mark.slow
def test_report_command_writes_the_file_and_rejects_bad_input(runs, tmp_path):
    cli = typer.Typer()
    register(cli)
    runner = CliRunner()
    out = tmp_path / "cli.html"
    result = runner.invoke(cli, ["report", str(runs[0]), str(runs[1]), "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert out.is_file() and str(out) in result.output
    bad = runner.invoke(cli, ["report", str(tmp_path / "nope"), "--out", str(tmp_path / "x.html")])
    assert bad.exit_code == 2 and "no such directory" in bad.output
    assert not (tmp_path / "x.html").exists()
    into_dir = runner.invoke(cli, ["report", str(runs[0]), "--out", str(tmp_path)])
    assert into_dir.exit_code == 2 and "not a regular file" in into_dir.output and "Traceback" not in into_dir.output
    again = runner.invoke(cli, ["report", str(runs[0]), "--out", str(out)])
    assert again.exit_code == 2 and "--force" in again.output
    forced = runner.invoke(cli, ["report", str(runs[0]), "--out", str(out), "--force"])
    assert forced.exit_code == 0, forced.output
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporaries left


@pytest.mark.slow
def test_report_renders_in_a_browser_without_broken_images(runs, tmp_path, new_page, artifacts):
    out = report.write_report(list(runs), tmp_path / "report.html")
    page = new_page(1200, 900)
    page.goto(out.resolve().as_uri())
    page.wait_for_load_state("load")
    images = page.evaluate("Array.from(document.images).map(i => [i.alt, i.complete, i.naturalWidth])")
    assert len(images) >= 6
    broken = [alt for alt, complete, width in images if not complete or width == 0]
    assert not broken, f"broken images: {broken}"
    assert page.locator("h2#summary").is_visible()
    page.screenshot(path=str(artifacts / "report.png"), full_page=True)


@pytest.mark.slow
def test_report_reads_on_a_phone_without_sideways_scrolling(runs, tmp_path, new_page, artifacts):
    out = report.write_report(list(runs), tmp_path / "report.html")
    page = new_page(390, 844)  # a phone held upright (CSS pixels)
    page.goto(out.resolve().as_uri())
    page.wait_for_load_state("load")
    widths = page.evaluate("[document.documentElement.scrollWidth, document.body.scrollWidth, window.innerWidth]")
    assert max(widths[:2]) <= widths[2] == 390, widths
    table = page.evaluate(
        "(() => { const r = document.querySelector('table.decisions').getBoundingClientRect();"
        " return [r.top, r.right]; })()"
    )
    assert table[0] < 844 and table[1] <= 390, table  # the decisions are whole on the first screen
    shown = page.evaluate(
        "Array.from(document.images).map(i => [i.alt, i.getBoundingClientRect().width / i.naturalWidth])"
    )
    smallest_px = report_charts.MIN_TEXT_PT * DPI / 72  # a chart's smallest text, in image pixels
    small = [(alt, round(scale * smallest_px, 1)) for alt, scale in shown if scale * smallest_px < MIN_PHONE_TEXT_PX]
    assert len(shown) >= 6 and small == []  # chart text at least 10 px on the phone (the chart scrolls sideways)
    page.locator("#funnel ~ figure").nth(1).screenshot(path=str(artifacts / "report-phone-funnel.png"))
    page.screenshot(path=str(artifacts / "report-phone.png"), full_page=True)


def captured_figures(monkeypatch, runs) -> dict[str, Figure]:
    """The report's charts as matplotlib figures, by the chart function that drew them."""
    figures, save = {}, report_charts._fig_png

    def keep(fig, layout=True):
        png = save(fig, layout)
        figures[fig.axes[0].get_title() or fig.axes[0].get_xlabel()] = fig
        return png

    monkeypatch.setattr(report_charts, "_fig_png", keep)
    scenarios = report.read_inputs(list(runs)).scenarios
    report_charts.funnel_chart(scenarios)
    report_charts.adoption_chart(scenarios)
    report_charts.attribution_chart(scenarios)
    return figures


def test_report_chart_text_is_at_least_10_pt_and_the_funnel_legend_covers_no_panel(monkeypatch, runs):
    figures = captured_figures(monkeypatch, runs)
    funnel = figures["default"]  # the funnel's first panel is titled by its scenario
    panels = [ax.get_window_extent() for ax in funnel.axes if ax.get_visible()]
    (legend,) = funnel.legends
    box = legend.get_window_extent()
    assert not any(box.overlaps(panel) for panel in panels)
    assert [t.get_text() for t in legend.get_texts()] == [FUNNEL_LABELS[c] for c in FUNNEL_COLUMNS]  # every swatch
    for name, fig in figures.items():
        sizes = {t.get_text(): t.get_fontsize() for t in fig.findobj(Text) if t.get_text() and t.get_visible()}
        assert min(sizes.values()) >= report_charts.MIN_TEXT_PT, (name, sizes)

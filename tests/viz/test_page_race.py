"""The page's race (sim/viz/page/race.py): a market of brands on the classroom page, brands as colours in the
network and the live charts, a quality slider per brand; one-brand scenarios keep their page."""

from __future__ import annotations

import signal

import numpy as np
import pytest
from matplotlib.colors import to_hex

from sim.cli.present import free_port
from sim.model.brands import BrandsModel
from sim.viz.page import ui
from sim.viz.page.controls import MARKET_CONTROLS, all_controls, load_file
from sim.viz.page.live import KINDS, LiveCharts
from sim.viz.page.model import AppModel
from sim.viz.page.race import BrandNetworkChart, brand_color
from tests.viz.browser import (
    STOP_TIMEOUT_S,
    assert_projector_layout,
    kill_group,
    open_page,
    params,
    start_app,
    wait_day,
    wait_for_address,
)
from tests.viz.test_page_ui import drag_slider

RIVALS = "scenarios/playbook/rivals.toml"
BRANDS = ("mi", "rival", "copycat")
QUALITY = {name: f"brands.{name}.engine.quality" for name in BRANDS}


def test_a_market_has_a_quality_slider_per_brand_and_the_market_wide_controls():
    scenario = load_file(RIVALS)
    names = [c.name for c in all_controls(scenario)]
    assert names == [*QUALITY.values(), *MARKET_CONTROLS]
    sections = ui.control_sections(scenario)
    assert sorted(n for _, _, ns in sections for n in ns) == sorted(names)  # each control in exactly one
    assert sections[0] == (ui.BRANDS_SECTION, True, tuple(QUALITY.values()))  # open at start


def test_a_brands_quality_slider_sets_that_brand_only():
    m = AppModel(RIVALS, 500, **{QUALITY["mi"]: 0.3})
    file = load_file(RIVALS)
    assert isinstance(m, BrandsModel)
    assert m.cfg.brands["mi"].engine.quality == 0.3
    assert m.cfg.brands["copycat"].engine.quality == file.brands["copycat"].engine.quality
    settings = ui.file_settings(RIVALS).with_value(QUALITY["mi"], 0.3)
    assert any(c.startswith("Quality of mi: 0.8 → 0.3") for c in ui.changes_from_file(settings))


def test_the_race_colours_owners_by_brand_and_draws_a_line_per_brand():
    m = AppModel(RIVALS, 500)
    charts = LiveCharts(m)
    for _ in range(30):
        m.step()
    pngs = charts.render(m)
    assert list(pngs) == ["network", "shares", "owners", "funnel"]
    network = charts.charts[0]
    assert isinstance(network, BrandNetworkChart)
    people = m.network_view.people
    colors = network.dot_colors(m, people)
    brand = m.people.brand[people]
    for b in range(m.count):
        assert (colors[brand == b] == brand_color(b)).all()
        assert (brand == b).any()  # every brand has owners in the view by day 30
    assert not np.isin(colors[brand < 0], [brand_color(b) for b in range(m.count)]).any()
    shares, owners = charts.charts[1], charts.charts[2]
    for chart in (shares, owners):
        assert [to_hex(line.get_color()) for line in chart.lines] == [brand_color(b) for b in range(3)]
    last = shares.lines[0].get_ydata()[-1] + shares.lines[1].get_ydata()[-1] + shares.lines[2].get_ydata()[-1]
    assert last == pytest.approx(1.0)
    assert owners.lines[1].get_ydata()[-1] == m.owners[1] / m.n
    tiles = ui.counts_html(dict(m.records[-1]), m.n)
    assert tiles.count("wom-brand") == 3 and "own copycat" in tiles and "wom-fans" not in tiles


def test_one_brand_scenarios_keep_their_page():
    m = AppModel("scenarios/default.toml", 500)
    assert not isinstance(m, BrandsModel)
    assert list(LiveCharts(m).render(m)) == list(KINDS)
    assert "wom-brand" not in ui.counts_html(dict(m.records[-1]), m.n)


@pytest.fixture(scope="module")
def race_url(tmp_path_factory):
    """One `wom app` server started on the race scenario."""
    port, log = free_port(), tmp_path_factory.mktemp("race") / "app.log"
    app = start_app(port, log, RIVALS)
    url = f"http://127.0.0.1:{port}/"
    try:
        wait_for_address(url, log, app)
        yield url
    finally:
        app.send_signal(signal.SIGTERM)
        try:
            app.wait(STOP_TIMEOUT_S)
        finally:
            kill_group(app)


@pytest.mark.slow
def test_a_class_watches_the_race_and_moves_a_brands_quality(race_url, new_page, artifacts):
    page = open_page(new_page, race_url, 1280, 720)
    assert_projector_layout(page)
    assert page.locator(".wom-tile.wom-brand").count() == 3
    assert [page.locator(f".wom-{kind} img").count() for kind in ("network", "shares", "owners", "funnel")] == [1] * 4
    label, before, width, after = drag_slider(page, 0)  # the brands' section is open: mi's quality first
    assert label.startswith("Quality of mi") and after != before
    page.wait_for_function(
        "([k, v]) => { const e = document.querySelector('.wom-params');"
        " return e && String(JSON.parse(e.textContent).values[k]) !== v; }",
        arg=[QUALITY["mi"], before],
    )
    assert page.locator(".wom-pending").count() == 1  # takes effect on Reset
    page.get_by_role("button", name="Reset", exact=True).click()
    page.wait_for_selector(".wom-pending", state="detached")
    assert "Quality of mi" in page.inner_text(".wom-changes")
    assert params(page)["values"][QUALITY["mi"]] == pytest.approx(float(after))
    page.get_by_role("button", name="Play", exact=True).click()
    wait_day(page, "d >= 40")
    page.get_by_role("button", name="Pause", exact=True).click()
    assert_projector_layout(page)
    page.screenshot(path=str(artifacts / "app-race-1280x720.png"))
    page = open_page(new_page, race_url, 1024, 768)
    page.get_by_role("button", name="Play", exact=True).click()
    wait_day(page, "d >= 40")
    page.get_by_role("button", name="Pause", exact=True).click()
    page.screenshot(path=str(artifacts / "app-race-1024x768.png"))

"""`wom app`: the model behind the page, its controls and views, and the page itself in a real browser."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
import typer
from mesa.visualization.solara_viz import _build_model_init_kwargs, _check_model_params
from typer.testing import CliRunner

from sim.cli.present import SCENARIO_ENV, free_port, register, server_environment
from sim.model.state import SEED_USER
from sim.viz import app

ROOT = Path(__file__).resolve().parents[2]
PNG = b"\x89PNG\r\n\x1a\n"
#: A population small enough for quick models, large enough for the default's 5% forum to hold seeds.
SMALL = 400
#: Seconds the browser test waits for the server, and for the page to react.
SERVER_TIMEOUT_S = 120
PAGE_TIMEOUT_MS = 60_000


def changed_value(control: app.Control, current):
    """A value of the control other than `current`, inside its range."""
    if control.widget == "Checkbox":
        return not current
    if control.widget == "Select":
        return next(v for v in control.values if v != current)
    middle = control.min + (control.max - control.min) / 2
    value = middle if middle != current else control.max
    return int(value) if control.widget == "SliderInt" else float(value)


def test_controls_cover_the_iron_triangle_seeds_negative_wom_and_strategies():
    names = {c.name for c in app.all_controls()}
    assert {
        "quality",
        "forum",
        "weibo",
        "wechat",
        "accelerator",
        "growth",
        "brand_growth",
        "seed_count",
        "seed_choice",
        "negative_bias",
    } <= names
    strategies = app.strategy_controls()
    assert all(c.widget == "Checkbox" and c.name.endswith(".enabled") for c in strategies)
    assert not any(c.name.startswith(("network.", "channels.")) for c in strategies)


@pytest.mark.parametrize("control", app.all_controls(), ids=lambda c: c.name)
def test_app_model_builds_and_steps_with_each_control(control):
    base = app.AppModel(population=SMALL)
    value = changed_value(control, app.scenario_value(base.cfg, control.keys[0]))
    model = app.AppModel(population=SMALL, **{control.name: value})
    for _ in range(3):
        model.step()
    assert model.step_index == 3 and len(model.records) == 4
    if control.name != "seed_count":  # seed counts may be fitted to the population (tested below)
        assert all(app.scenario_value(model.cfg, key) == value for key in control.keys)
        assert any(c.startswith(control.label) for c in app.changes_from_file(model))


def test_seed_users_are_fitted_to_what_the_population_allows():
    model = app.AppModel(population=SMALL, forum=False, seed_choice="community")
    assert model.cfg.seed_users.choice == "random" and "forum is switched off" in model.notes[0]
    model = app.AppModel(population=SMALL, seed_count=300)  # community seeds: 5% of 400 = 20 members
    assert model.cfg.seed_users.count == 20 and int((model.kind == SEED_USER).sum()) == 20
    assert "reduced from 300 to 20" in model.notes[0]


def test_an_invalid_combination_falls_back_to_the_file_and_says_why():
    model = app.AppModel(population=SMALL, seed_count=0, **{"fan_building.enabled": True})
    assert "invalid scenario" in model.notes[0] and "super_users" in model.notes[0]
    assert not model.cfg.fan_building.enabled and model.n == SMALL


@pytest.mark.parametrize("scenario_file", app.scenario_choices())
def test_every_scenario_in_the_picker_runs_on_the_page(scenario_file):
    params = app.model_params(scenario_file)
    model = app.AppModel(**{k: v["value"] for k, v in params.items()} | {"population": SMALL})
    model.step()
    assert model.cfg.population.size == SMALL and model.step_index == 1


def test_without_controls_the_file_values_are_used():
    model = app.AppModel(population=2000, apply_controls=False, quality=0.1, wechat=True)
    assert model.cfg.engine.quality == 0.7 and not model.cfg.channels.wechat.enabled
    assert app.changes_from_file(model) == ["Population: 10,000 → 2,000"]


def test_unknown_control_is_an_error():
    with pytest.raises(TypeError, match="unknown controls"):
        app.AppModel(population=SMALL, qualty=0.9)


def test_model_stops_at_the_end_of_the_horizon():
    model = app.AppModel(population=200, seed_count=10)
    while model.running:
        model.step()
    assert model.step_index == model.cfg.run.n_steps == 365


def test_params_fit_mesa_solaraviz_and_its_reset():
    params = app.model_params(app.DEFAULT_SCENARIO)
    assert params["scenario_file"]["values"] == app.scenario_choices(app.DEFAULT_SCENARIO)
    assert {"scenarios/default.toml", "scenarios/docking/bass.toml"} <= set(params["scenario_file"]["values"])
    for name, spec in params.items():
        if spec["type"].startswith("Slider"):
            assert spec["min"] <= spec["value"] <= spec["max"], name
    model = app.AppModel(**{k: v["value"] for k, v in params.items()})
    _check_model_params(model, params)  # what SolaraViz checks when the page opens
    values = {k: v["value"] for k, v in params.items()} | {"quality": 0.9, "population": SMALL}
    kwargs = _build_model_init_kwargs(
        model, values, add_scenario_when_empty=True, require_model_accepts_scenario=True
    )  # what Reset does
    again = type(model)(**kwargs)
    assert again.cfg.engine.quality == 0.9 and again.n == SMALL


def test_network_view_samples_people_around_seed_users():
    model = app.AppModel(population=3000, seed_choice="random", seed_count=30)
    view = model.network_view
    assert len(view.people) == app.NETWORK_SAMPLE and view.layer == "offline"
    assert (model.kind[view.people] == SEED_USER).sum() >= app.SAMPLE_START_PEOPLE
    assert view.pos.shape == (app.NETWORK_SAMPLE, 2) and view.edges.max() < app.NETWORK_SAMPLE
    assert len(view.edges) > app.NETWORK_SAMPLE  # a connected neighbourhood, not scattered people
    small = app.AppModel(population=200, seed_count=10).network_view
    assert list(small.people) == list(range(200))


def test_well_mixed_scenario_draws_people_without_ties():
    model = app.AppModel(scenario_file="scenarios/docking/bass.toml", apply_controls=False, population=500)
    assert model.network_view.layer is None and len(model.network_view.edges) == 0


def test_charts_are_updated_in_place_and_counts_render():
    model = app.AppModel(population=SMALL)
    charts = model.charts
    first = charts.render(model)
    for _ in range(5):
        model.step()
    later = charts.render(model)
    assert model.charts is charts and set(later) == {"network", "adoption", "funnel", "channels"}
    for kind, png in later.items():
        assert png[:8] == PNG and png != first[kind], kind
    counts = app.counts_html(model)
    assert 'class="wom-tile wom-day"' in counts and ">5<" in counts


def test_the_page_starts_with_the_scenario_wom_app_was_given(monkeypatch, tmp_path):
    env = server_environment(ROOT / "scenarios" / "docking" / "cascade.toml")
    monkeypatch.setenv(SCENARIO_ENV, env[SCENARIO_ENV])
    assert app.startup_scenario() == "scenarios/docking/cascade.toml"
    outside = tmp_path / "mine.toml"
    outside.write_text('name = "mine"\n')
    monkeypatch.setenv(SCENARIO_ENV, str(outside))
    assert app.startup_scenario() == str(outside) == app.scenario_choices(str(outside))[0]
    monkeypatch.delenv(SCENARIO_ENV)
    assert app.startup_scenario() == app.DEFAULT_SCENARIO


def test_app_command_rejects_bad_input(tmp_path):
    cli = typer.Typer()
    register(cli)
    runner = CliRunner()
    missing = runner.invoke(cli, ["app", str(tmp_path / "missing.toml")])
    assert missing.exit_code == 2 and "file not found" in missing.output
    port = runner.invoke(cli, ["app", "--port", "70000"])
    assert port.exit_code == 2 and "--port" in port.output
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        taken = runner.invoke(cli, ["app", "--port", str(busy.getsockname()[1])])
    assert taken.exit_code == 2 and "in use" in taken.output


# --- the page in a real browser -------------------------------------------------------------------


def start_server(port: int, log: Path) -> subprocess.Popen:
    """`wom app scenarios/default.toml --port PORT` in its own process group, output to `log`."""
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "sim.cli.present", "app", "scenarios/default.toml", "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def stop_server(server: subprocess.Popen) -> None:
    """Stop the server and everything it started (its process group)."""
    if server.poll() is None:
        os.killpg(server.pid, signal.SIGTERM)
        try:
            server.wait(10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
            server.wait()


def wait_for_address(url: str, log: Path, server: subprocess.Popen) -> None:
    """Until the command printed the page's address and the page answers."""
    deadline = time.monotonic() + SERVER_TIMEOUT_S
    while time.monotonic() < deadline:
        assert server.poll() is None, f"server exited: {log.read_text(errors='replace')}"
        if f"the page is at {url}" in log.read_text(errors="replace"):
            with urllib.request.urlopen(url, timeout=10) as response:
                assert response.status == 200
            return
        time.sleep(0.5)
    pytest.fail(f"no page at {url} after {SERVER_TIMEOUT_S} s: {log.read_text(errors='replace')}")


def day(page) -> float:
    return float(page.inner_text(".wom-day .wom-value"))


def chart_src(page, css: str) -> str:
    return page.locator(f".{css} img").get_attribute("src")


def wait_chart_changed(page, css: str, old_src: str) -> None:
    """Wait until the chart in the element of class `css` shows a new image."""
    page.wait_for_function(
        "([css, old]) => document.querySelector(`.${css} img`).src !== old", arg=[css, old_src], timeout=PAGE_TIMEOUT_MS
    )


def wait_day(page, condition: str) -> None:
    """Wait until the day shown satisfies a JavaScript condition on `d`, e.g. 'd >= 3'."""
    page.wait_for_function(
        f"(() => {{ const e = document.querySelector('.wom-day .wom-value'); const d = e && parseFloat(e.textContent);"
        f" return e && ({condition}); }})()",
        timeout=PAGE_TIMEOUT_MS,
    )


def move_slider(page, label: str, key: str, presses: int) -> str:
    """Focus the sidebar slider labelled `label`, press an arrow key; returns its new value."""
    thumb = page.locator(".v-slider", has_text=label).locator("[role=slider]")
    thumb.focus()
    for _ in range(presses):
        thumb.press(key)
    return thumb.get_attribute("aria-valuenow")


@pytest.mark.slow
def test_page_steps_plays_and_follows_a_slider_in_a_browser(tmp_path, new_page, artifacts):
    port = free_port()
    url = f"http://127.0.0.1:{port}/"
    log = tmp_path / "server.log"
    server = start_server(port, log)
    try:
        wait_for_address(url, log, server)
        page = new_page(1600, 1300)
        page.set_default_timeout(PAGE_TIMEOUT_MS)  # a loaded 2-core machine redraws slowly
        page.goto(url)
        page.wait_for_selector(".wom-day", timeout=PAGE_TIMEOUT_MS)
        assert day(page) == 0 and page.inner_text(".wom-adopted .wom-value").startswith("100 ")
        curve, network = chart_src(page, "wom-adoption"), chart_src(page, "wom-network")

        page.get_by_role("button", name="Step").click()  # one day
        wait_day(page, "d === 1")
        wait_chart_changed(page, "wom-adoption", curve)

        page.get_by_role("button", name="▶").click()  # play, then pause
        wait_day(page, "d >= 3")
        page.get_by_role("button", name="❚❚").click()
        time.sleep(2)
        paused = day(page)
        time.sleep(2)
        assert day(page) == paused >= 3
        wait_chart_changed(page, "wom-network", network)

        assert move_slider(page, "Seed users (people)", "ArrowLeft", 5) == "50"  # 100 -> 50 seed users
        page.get_by_role("button", name="Reset").click()
        wait_day(page, "d === 0")
        page.wait_for_function(
            "document.querySelector('.wom-adopted .wom-value').textContent.startsWith('50 ')", timeout=PAGE_TIMEOUT_MS
        )
        assert "Seed users (people): 100 → 50" in page.inner_text(".wom-changes")

        move_slider(page, "Play Interval", "ArrowLeft", 20)  # full speed: a quick run to mid-spread
        page.get_by_role("button", name="▶").click()
        wait_day(page, "d >= 45")
        page.get_by_role("button", name="❚❚").click()
        time.sleep(2)
        adopted = int(page.inner_text(".wom-adopted .wom-value").split()[0].replace(",", ""))
        assert adopted > 50
        page.screenshot(path=str(artifacts / "app.png"))
    finally:
        stop_server(server)
    assert server.poll() is not None

"""Helpers of the browser tests of the page (`wom app` started as a process, driven by Playwright):
starting and stopping the command, opening the page, using its controls and reading its layout."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest
from playwright.sync_api import TimeoutError as PlaywrightTimeout

from sim.cli.present import port_is_free
from sim.viz.page.live import CHART_PX

ROOT = Path(__file__).resolve().parents[2]
#: Seconds the browser tests wait for the server, and for the page to react (a loaded 2-core machine).
SERVER_TIMEOUT_S = 120
PAGE_TIMEOUT_MS = 90_000
#: How often the projector layout is read while the page settles (seconds).
LAYOUT_POLL_S = 0.25
#: Clicks on a folded section's header before the test gives up, and how long each waits for it to open.
OPEN_ATTEMPTS = 3
OPEN_RETRY_MS = 20_000
#: After SIGTERM (or the death of `wom app`), the port must be free within this many seconds.
STOP_TIMEOUT_S = 15


def start_app(port: int, log: Path, scenario: str = "scenarios/default.toml") -> subprocess.Popen:
    """`wom app SCENARIO --port PORT`, through the `wom` command group as users run it (its own process
    group, so a test can clean up everything)."""
    with open(log, "wb") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "sim.cli.main", "app", scenario, "--port", str(port)],
            cwd=ROOT,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )


def kill_group(process: subprocess.Popen) -> None:
    """Last resort after a test: the process group of `process`, whatever is left of it."""
    try:
        os.killpg(process.pid, signal.SIGKILL)
    except ProcessLookupError:
        pass
    process.wait()


def wait_for_address(url: str, log: Path, process: subprocess.Popen) -> float:
    """Until the command printed the page's address; the page must answer at that moment. Returns seconds."""
    start = time.monotonic()
    while time.monotonic() - start < SERVER_TIMEOUT_S:
        assert process.poll() is None, f"wom app exited: {log.read_text(errors='replace')}"
        if f"the page is at {url}" in log.read_text(errors="replace"):
            with urllib.request.urlopen(url, timeout=10) as response:  # printed only once it answers
                assert response.status == 200
            return time.monotonic() - start
        time.sleep(0.2)
    pytest.fail(f"no page at {url} after {SERVER_TIMEOUT_S} s: {log.read_text(errors='replace')}")


def wait_port_free(port: int) -> float:
    """Seconds until nothing listens on the port (fails after STOP_TIMEOUT_S)."""
    start = time.monotonic()
    while not port_is_free("127.0.0.1", port):
        assert time.monotonic() - start < STOP_TIMEOUT_S, f"port {port} still in use after {STOP_TIMEOUT_S} s"
        time.sleep(0.2)
    return time.monotonic() - start


def open_page(new_page, url: str, width: int = 1280, height: int = 720):
    page = new_page(width, height)
    page.set_default_timeout(PAGE_TIMEOUT_MS)
    page.goto(url)
    page.wait_for_selector(".wom-day", timeout=PAGE_TIMEOUT_MS)
    return page


def params(page) -> dict:
    """What the page's controls hold (mirrored in a hidden element for tests)."""
    return json.loads(page.locator(".wom-params").text_content())


def day(page) -> float:
    return float(page.inner_text(".wom-day .wom-value"))


def settled_box(locator, polls: int = 2) -> dict:
    """The bounding box of `locator` once it stopped moving (the same for `polls` reads LAYOUT_POLL_S apart).

    Opening a section inserts its controls when the server's answer arrives, which pushes everything below
    it down: a click aimed at a header below, between Playwright's own stability check and the press,
    lands on whatever moved under the pointer (seen on CI: the "Network view" header never opened)."""
    deadline = time.monotonic() + PAGE_TIMEOUT_MS / 1000
    last, same = None, 0
    while time.monotonic() < deadline:
        locator.scroll_into_view_if_needed()
        box = locator.bounding_box()
        same = same + 1 if box is not None and box == last else 0
        if same >= polls:
            return box
        last = box
        time.sleep(LAYOUT_POLL_S)
    pytest.fail(f"{locator} kept moving for {PAGE_TIMEOUT_MS / 1000:.0f} s")


def open_section(page, title: str) -> None:
    """Unfold the sidebar section `title` (folded sections are not in the page until opened).

    The header is clicked once the sidebar stopped moving; a click that the page did not take (the
    header still folded after OPEN_RETRY_MS) is repeated, up to OPEN_ATTEMPTS clicks in all."""
    header = page.locator(".wom-side .v-expansion-panel-title", has_text=title).first
    opened = f".wom-side .v-expansion-panel-title[aria-expanded=true]:has-text('{title}')"
    for attempt in range(OPEN_ATTEMPTS):
        if header.get_attribute("aria-expanded") == "true":
            break
        settled_box(header)
        header.click()
        try:
            page.wait_for_selector(opened, timeout=OPEN_RETRY_MS if attempt < OPEN_ATTEMPTS - 1 else PAGE_TIMEOUT_MS)
            break
        except PlaywrightTimeout:
            continue
    settled_box(header)


#: Scrolls of an open select's menu, a page each, before an option is given up for missing.
MENU_PAGES = 50
#: The open menu's scrolling list (found from its first option), moved to the top or one page down; returns
#: whether it moved. A long menu renders only the options near what it shows (Vuetify's virtual scroll).
SCROLL_MENU_JS = """top => {
    let e = document.querySelector('.v-overlay--active [role=option]');
    while (e && !(e.scrollHeight > e.clientHeight + 1 && getComputedStyle(e).overflowY !== 'visible')) e = e.parentElement;
    if (!e) return false;
    const before = e.scrollTop;
    e.scrollTop = top ? 0 : before + e.clientHeight;
    return e.scrollTop !== before;
}"""


def choose(page, label: str, value: str, section: str | None = None) -> None:
    """Pick `value` in the sidebar select labelled `label` (in the folded `section`, opened first), scrolling its
    menu from the top a page at a time until the option is there, as a user would."""
    if section:
        open_section(page, section)
    page.locator(".v-select", has_text=label).first.click()
    option = page.get_by_role("option", name=value, exact=True)
    page.wait_for_selector(".v-overlay--active [role=option]")
    if option.count() == 0:
        page.evaluate(SCROLL_MENU_JS, True)
        for _ in range(MENU_PAGES):
            if option.count() or not page.evaluate(SCROLL_MENU_JS, False):
                break
            time.sleep(LAYOUT_POLL_S)  # the virtual scroll renders the options now in view
    option.click()


def wait_params(page, key: str, value) -> None:
    page.wait_for_function(
        "([k, v]) => { const e = document.querySelector('.wom-params');"
        " return e && JSON.parse(e.textContent)[k] === v; }",
        arg=[key, value],
        timeout=PAGE_TIMEOUT_MS,
    )


def wait_day(page, condition: str, timeout_ms: int = PAGE_TIMEOUT_MS) -> None:
    """Wait until the day shown satisfies a JavaScript condition on `d`, e.g. 'd >= 3'."""
    page.wait_for_function(
        f"(() => {{ const e = document.querySelector('.wom-day .wom-value'); const d = e && parseFloat(e.textContent);"
        f" return e && ({condition}); }})()",
        timeout=timeout_ms,
    )


def layout_boxes(page) -> list[dict]:
    """The counts and every chart image: their box, drawn size, and whether they are on top at their centre."""
    return page.evaluate(
        """() => Array.from(document.querySelectorAll('.wom-chart img, .wom-counts')).map(e => {
            const r = e.getBoundingClientRect(); const x = r.left + r.width / 2, y = r.top + r.height / 2;
            return {cls: e.parentElement.className + ' ' + e.className, left: r.left, top: r.top, right: r.right,
                    bottom: r.bottom, natural: e.naturalWidth || null, width: r.width,
                    onTop: document.elementFromPoint(x, y) === e || e.contains(document.elementFromPoint(x, y))};
        })"""
    )


def layout_problems(boxes: list[dict], width: int, height: int) -> list[str]:
    """What is wrong with the layout `boxes` describe (empty: the projector layout holds)."""
    if len(boxes) != 5:
        return [f"expected the counts and four charts, found {len(boxes)}: {boxes}"]
    problems = []
    for box in boxes:
        if not (box["left"] >= 0 and box["top"] >= 0 and box["right"] <= width and box["bottom"] <= height):
            problems.append(f"outside the {width}x{height} viewport: {box}")
        if not box["onTop"]:
            problems.append(f"something covers {box['cls']}")
        if box["natural"] and not box["natural"] == box["width"] == CHART_PX[0]:  # drawn at screen size
            problems.append(f"not drawn at screen size ({CHART_PX[0]} px): {box}")
    return problems


def assert_projector_layout(page, width: int = 1280, height: int = 720) -> None:
    """The four charts and the counts inside the viewport, uncovered, charts drawn at screen size (the
    charts' text is then CHART_FONT_PX, >= 14 px, on screen).

    Checked once the page has settled: right after it opens, under load, the page may still be laying
    out (a chart image not yet decoded, a transient overlay). The layout is read every LAYOUT_POLL_S
    until it holds or PAGE_TIMEOUT_MS has passed; a layout that never holds fails with the last read."""
    deadline = time.monotonic() + PAGE_TIMEOUT_MS / 1000
    while True:
        problems = layout_problems(layout_boxes(page), width, height)
        if not problems or time.monotonic() > deadline:
            break
        time.sleep(LAYOUT_POLL_S)
    assert not problems, problems

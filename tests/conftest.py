"""Browser fixtures: Debian's headless Chromium driven by Playwright, and where screenshots go.

scripts/install-browser.sh installs Chromium (scripts/test.sh runs it first). Without it the browser
tests are skipped on a developer's machine, but fail in CI (CI=true), where they must run.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path(os.environ.get("WOM_CHROMIUM", "/usr/bin/chromium"))
#: Headless flags that keep Chromium off the network (the machine has none) and quick to start.
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]
#: Screenshots of the browser tests (results/ is git-ignored).
ARTIFACTS = ROOT / "results" / "test-artifacts"


def _in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() in ("true", "1", "yes")


@pytest.fixture(scope="session")
def browser():
    """A headless Chromium for the session (skipped without Chromium, except in CI)."""
    if not CHROMIUM.is_file():
        message = f"Chromium not found at {CHROMIUM}: run scripts/install-browser.sh"
        if _in_ci():
            pytest.fail(message + " (CI must run the browser tests)")
        pytest.skip(message)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=str(CHROMIUM), headless=True, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@pytest.fixture
def new_page(browser):
    """Make pages of a given viewport size in a fresh browser context; closed after the test."""
    contexts = []

    def make(width: int = 1280, height: int = 900):
        context = browser.new_context(viewport={"width": width, "height": height})
        contexts.append(context)
        return context.new_page()

    yield make
    for context in contexts:
        context.close()


@pytest.fixture(scope="session")
def artifacts() -> Path:
    """The folder for screenshots (created)."""
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    return ARTIFACTS

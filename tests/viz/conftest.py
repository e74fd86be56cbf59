"""The page's browser tests share one `wom app` server per test module."""

from __future__ import annotations

import signal

import pytest

from sim.cli.present import free_port
from tests.viz.browser import STOP_TIMEOUT_S, kill_group, start_app, wait_for_address


@pytest.fixture(scope="module")
def page_url(tmp_path_factory):
    """One `wom app` server for the browser tests of this module (address printed only once it answers)."""
    port, log = free_port(), tmp_path_factory.mktemp("app") / "app.log"
    app = start_app(port, log)
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

"""The presenting commands of `wom`: `wom app` (the interactive page) and `wom report` (an HTML report).

`register(app)` adds both commands to a Typer app (sim.cli.main wires them in); `python -m sim.cli.present`
runs them on their own. Heavy imports (Solara, matplotlib) happen inside the commands, so `wom --help`
stays quick. Bad input exits with status 2 through `sim.cli.console.fail`.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.console import fail
from sim.viz import SCENARIO_ENV

#: Solara warns on every page load over plain http to 127.0.0.1 about a cookie setting that does not
#: matter for a local page; keep the terminal readable.
QUIET_SOLARA_WARNINGS = "ignore::UserWarning:solara.server.starlette"
DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8765
#: Seconds to wait for the page's server to answer before giving up.
SERVER_START_TIMEOUT_S = 60
SERVER_POLL_S = 0.25
#: Seconds to wait for the server to stop after Ctrl+C before killing it.
SERVER_STOP_TIMEOUT_S = 10
DEFAULT_REPORT = Path("results") / "report.html"


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port that is free on `host` right now (asked from the operating system)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(host: str, port: int) -> bool:
    """Whether nothing listens on host:port yet (so that our server, not another, will answer there)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind((host, port))
        except OSError:
            return False
    return True


def page_url(host: str, port: int) -> str:
    """The address to open in a browser (an all-interfaces host is reached through localhost)."""
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    return f"http://{shown}:{port}/"


def server_command(host: str, port: int) -> list[str]:
    """The Solara server command serving `sim.viz.app` (production mode: no reloader, no dev tools)."""
    return [
        sys.executable,
        "-m",
        "solara",
        "run",
        "sim.viz.app",
        "--host",
        host,
        "--port",
        str(port),
        "--no-open",
        "--production",
        "--log-level",
        "warning",
    ]


def server_environment(scenario: Path | None) -> dict[str, str]:
    """The server's environment: ours, plus the starting scenario and quieter warnings."""
    env = dict(os.environ)
    if scenario is not None:
        env[SCENARIO_ENV] = str(scenario.resolve())
    env["PYTHONWARNINGS"] = ",".join(w for w in (env.get("PYTHONWARNINGS"), QUIET_SOLARA_WARNINGS) if w)
    return env


def wait_until_serving(url: str, process: subprocess.Popen, timeout: float = SERVER_START_TIMEOUT_S) -> bool:
    """Poll `url` until it answers; False if the process exits or the time runs out first."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            return False
        try:
            with urllib.request.urlopen(url, timeout=SERVER_POLL_S * 4):
                return True
        except (urllib.error.URLError, ConnectionError, TimeoutError, OSError):
            time.sleep(SERVER_POLL_S)
    return False


def stop_server(process: subprocess.Popen) -> None:
    """Stop the server politely, then firmly."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(SERVER_STOP_TIMEOUT_S)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def app_command(
    scenario: Annotated[
        Path | None, typer.Argument(help="Scenario TOML file the page starts with (default scenarios/default.toml).")
    ] = None,
    port: Annotated[int, typer.Option(help="Port to serve on (0 = any free port).")] = DEFAULT_PORT,
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1 = this computer only).")] = DEFAULT_HOST,
) -> None:
    """Start the interactive page (Mesa + Solara) and print its address; Ctrl+C stops it."""
    from sim.config.errors import ScenarioError
    from sim.config.scenario import load_scenario

    if not 0 <= port <= 65535:
        fail(f"--port must be between 0 and 65535 (got {port})")
    if scenario is not None:
        try:
            load_scenario(scenario)
        except ScenarioError as exc:
            fail(str(exc))
    if port and not port_is_free(host, port):
        fail(
            f"port {port} on {host} is in use (another page already running?); choose another with --port, "
            "or --port 0 for any free one"
        )
    port = port or free_port(host)
    url = page_url(host, port)
    env = server_environment(scenario)
    process = subprocess.Popen(server_command(host, port), env=env)
    try:
        if not wait_until_serving(url, process):
            stop_server(process)
            fail(f"the page's server did not start on {host}:{port}")
        typer.echo(f"wom app: the page is at {url}  (Ctrl+C to stop)")
        process.wait()
    except KeyboardInterrupt:
        typer.echo("wom app: stopping")
    finally:
        stop_server(process)


def report_command(
    runs: Annotated[
        list[Path],
        typer.Argument(
            help="Run directories (wom run) or sweep directories (wom sweep) to compare; the first is the baseline."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write.")] = DEFAULT_REPORT,
    title: Annotated[str | None, typer.Option(help="Report title.")] = None,
) -> None:
    """Write one self-contained HTML report comparing runs or sweeps side by side."""
    from sim.viz.report import ReportError, write_report

    try:
        path = write_report(runs, out, title=title)
    except ReportError as exc:
        fail(str(exc))
    typer.echo(f"wrote {path}")


def register(app: typer.Typer) -> None:
    """Add the `app` and `report` commands to a Typer app."""
    app.command("app")(app_command)
    app.command("report")(report_command)


def main() -> None:
    """Run the two commands on their own: `python -m sim.cli.present app|report ...`."""
    cli = typer.Typer(add_completion=False, no_args_is_help=True, help="wom-sim: the page and the report.")
    register(cli)
    cli()


if __name__ == "__main__":
    main()

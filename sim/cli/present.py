"""The presenting commands of `wom`: `wom app` (the interactive page) and `wom report` (an HTML report).

`register(app)` adds both commands to a Typer app (sim.cli.main wires them in); `python -m sim.cli.present`
runs them on their own. Heavy imports (Solara, matplotlib) happen inside the commands, so `wom --help`
stays quick. Bad input exits with status 2 through `sim.cli.console.fail`.
"""

from __future__ import annotations

import ctypes
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tarfile
import tempfile
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
#: Exit statuses after a signal (128 + its number, as a shell reports them), and for environment faults.
EXIT_INTERRUPTED = 128 + signal.SIGINT
EXIT_TERMINATED = 128 + signal.SIGTERM
EXIT_ENVIRONMENT = 1
#: Linux prctl option: the kernel sends the child this signal when its parent dies.
PR_SET_PDEATHSIG = 1
#: What fetches the page's web assets when they are missing (the command printed then).
FETCH_ASSETS_COMMAND = "wom app --fetch-assets"


class Stopped(Exception):
    """`wom app` was asked to stop by a signal (SIGINT or SIGTERM)."""

    def __init__(self, signum: int):
        super().__init__(signal.Signals(signum).name)
        self.signum = signum


def _raise_stopped(signum: int, _frame) -> None:
    raise Stopped(signum)


def _die_with_parent() -> None:
    """In the server process (before exec): ask Linux to send SIGTERM when `wom app` dies, even by SIGKILL."""
    try:
        ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM)
    except (OSError, AttributeError):  # not Linux: stop_server and the signal handlers still stop it
        pass


# --- The page's web assets ------------------------------------------------------------------------------


def page_asset_packages() -> list[str]:
    """The npm packages (name@version) the installed Solara's page loads from its CDN."""
    import solara.server
    from solara.server.settings import assets

    template = (Path(solara.server.__file__).parent / "templates" / "solara.html.j2").read_text()
    packages = set(re.findall(r"\{\{cdn\}\}/((?:@[\w.-]+/)?[\w.-]+@[\w.-]+)/", template))
    packages.add(assets.fontawesome_path.strip("/").split("/")[0])
    return sorted(packages)


def asset_cache() -> Path:
    """Where Solara looks for those packages before asking its CDN."""
    from solara.server.settings import assets

    return Path(assets.proxy_cache_dir)


def missing_assets() -> list[str]:
    """The page's asset packages not in Solara's cache (the page then needs the internet to load)."""
    cache = asset_cache()
    return [pkg for pkg in page_asset_packages() if not (cache / pkg).is_dir()]


def fetch_assets() -> list[str]:
    """Fetch the missing asset packages from the npm registry with `npm pack` into Solara's cache.

    Each package is unpacked beside its place and moved there whole, so a cache entry is complete
    whenever it exists. Raises EnvironmentFault (one line) when npm is missing or fails.
    """
    from sim.config.errors import EnvironmentFault

    missing, cache = missing_assets(), asset_cache()
    if missing and shutil.which("npm") is None:
        raise EnvironmentFault(f"npm is needed to fetch the page's web assets ({', '.join(missing)}); install Node.js")
    for pkg in missing:
        target = cache / pkg
        target.parent.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=target.parent, prefix=".wom-assets-") as tmp:
            done = subprocess.run(
                ["npm", "pack", pkg, "--pack-destination", tmp, "--silent"], capture_output=True, text=True
            )
            tarballs = list(Path(tmp).glob("*.tgz"))
            if done.returncode != 0 or not tarballs:
                raise EnvironmentFault(f"npm pack {pkg} failed: {(done.stderr or done.stdout).strip()[-300:]}")
            with tarfile.open(tarballs[0]) as archive:
                archive.extractall(tmp, filter="data")
            os.replace(Path(tmp) / "package", target)
    return missing


def free_port(host: str = DEFAULT_HOST) -> int:
    """A TCP port that is free on `host` right now (asked from the operating system)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return int(sock.getsockname()[1])


def port_is_free(host: str, port: int) -> bool:
    """Whether nothing listens on host:port yet (so that our server, not another, will answer there).

    SO_REUSEADDR, as the server itself binds: connections of a page that just stopped linger in TIME-WAIT
    for a minute and must not make its port look taken; a listening socket still refuses the bind."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
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


def _fetch_only() -> None:
    """--fetch-assets: fetch the page's web assets and exit (exit 1 when the environment cannot)."""
    from sim.config.errors import EnvironmentFault

    try:
        fetched = fetch_assets()
    except (EnvironmentFault, OSError) as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_ENVIRONMENT) from None
    typer.echo(
        f"wom app: page assets ready in {asset_cache()}" + (f" (fetched {', '.join(fetched)})" if fetched else "")
    )


def _serve(host: str, port: int, url: str, env: dict[str, str]) -> None:
    """Run the page's server until it ends, Ctrl+C or SIGTERM; the server never outlives this process."""
    # From here on SIGTERM and SIGINT stop the server (and the server dies with us even if we are killed).
    previous = {sig: signal.signal(sig, _raise_stopped) for sig in (signal.SIGTERM, signal.SIGINT)}
    process = None
    try:
        # The server's own "starting at http://..." line goes nowhere: the address is printed below, once the
        # page answers. Its errors stay on stderr.
        process = subprocess.Popen(
            server_command(host, port), env=env, stdout=subprocess.DEVNULL, preexec_fn=_die_with_parent
        )
        if not wait_until_serving(url, process):
            stop_server(process)
            typer.echo(f"error: the page's server did not start on {host}:{port}", err=True)
            raise typer.Exit(EXIT_ENVIRONMENT)
        typer.echo(f"wom app: the page is at {url}  (Ctrl+C to stop)")
        process.wait()
    except Stopped as stop:
        typer.echo("wom app: stopping")
        raise typer.Exit(EXIT_INTERRUPTED if stop.signum == signal.SIGINT else EXIT_TERMINATED) from None
    finally:
        if process is not None:
            for sig in previous:  # a second Ctrl+C or SIGTERM must not leave the server behind
                signal.signal(sig, signal.SIG_IGN)
            stop_server(process)
        for sig, handler in previous.items():
            signal.signal(sig, handler)


def app_command(
    scenario: Annotated[
        Path | None, typer.Argument(help="Scenario TOML file the page starts with (default scenarios/default.toml).")
    ] = None,
    port: Annotated[int, typer.Option(help="Port to serve on (0 = any free port).")] = DEFAULT_PORT,
    host: Annotated[str, typer.Option(help="Address to listen on (127.0.0.1 = this computer only).")] = DEFAULT_HOST,
    fetch: Annotated[
        bool,
        typer.Option("--fetch-assets", help="Fetch the page's web assets into this Python environment (npm) and exit."),
    ] = False,
) -> None:
    """Start the interactive page and print its address once it answers; Ctrl+C (or SIGTERM) stops it."""
    from sim.config.errors import ScenarioError
    from sim.config.scenario import load_scenario

    if fetch:
        _fetch_only()
        return

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
    missing = missing_assets()
    if missing:
        typer.echo(
            f"wom app: the page's web assets are missing ({', '.join(missing)}), so it loads them from the internet "
            f"or stays blank; fetch them once with: {FETCH_ASSETS_COMMAND}",
            err=True,
        )
    _serve(host, port, url, env)


def report_command(
    runs: Annotated[
        list[Path],
        typer.Argument(
            help="Run directories (wom run) or sweep directories (wom sweep) to compare; the first is the baseline."
        ),
    ],
    out: Annotated[Path, typer.Option("--out", "-o", help="HTML file to write (a file, not a directory).")] = (
        DEFAULT_REPORT
    ),
    title: Annotated[str | None, typer.Option(help="Report title.")] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace an existing report file.")] = False,
) -> None:
    """Write one self-contained HTML report comparing runs or sweeps side by side (atomically)."""
    from sim.config.errors import EnvironmentFault, InputError
    from sim.viz.report import write_report

    try:
        path = write_report(runs, out, title=title, force=force)
    except InputError as exc:  # ReportError and OutputError: bad input, exit 2
        fail(str(exc))
    except EnvironmentFault as exc:
        typer.echo(f"error: {exc}", err=True)
        raise typer.Exit(EXIT_ENVIRONMENT) from None
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

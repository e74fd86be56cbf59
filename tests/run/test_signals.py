"""Stopping a command that runs worker processes (sim.run.executor), as a user does: the real `wom` in a
subprocess, Ctrl-C as a terminal sends it (SIGINT to the whole process group) at several moments, and
`kill -9` of the command. Every test waits on a condition (with generous timeouts), never on a fixed
sleep, so a loaded machine makes it slower, not flaky.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import pytest

#: Each test starts the command and its worker processes and signals them (several seconds each): long-running.
pytestmark = pytest.mark.slow

psutil = pytest.importorskip("psutil")

ROOT = Path(__file__).resolve().parents[2]
WOM = Path(sys.executable).with_name("wom")
#: A run of a few seconds per replicate with two workers (replicates 4: each worker runs two).
#: A run long enough to be interrupted mid-way on a fast machine (each replicate takes seconds; the tests
#: stop it long before it ends).
RUN = [
    "run",
    str(ROOT / "scenarios" / "default.toml"),
    "--set",
    "population.size=20000",
    "--set",
    "run.days=365",
    "--replicates",
    "8",
    "--workers",
    "2",
    "--quiet",
]
#: Seconds any awaited condition may take on a loaded machine before the test fails.
WAIT_S = 240
#: Seconds workers may take to go after their parent is killed.
GONE_S = 30
#: Exit status of a command stopped by Ctrl-C.
EXIT_INTERRUPTED = 130


def wait_for(condition: Callable[[], object], what: str, timeout: float = WAIT_S) -> object:
    """Poll `condition` until it is true; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.02)
    pytest.fail(f"timed out after {timeout} s waiting for {what}")


def start(args: list[str]) -> tuple[subprocess.Popen, psutil.Process]:
    """`wom args` in a process group of its own (a terminal's foreground job)."""
    proc = subprocess.Popen(
        [str(WOM), *args], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )
    return proc, psutil.Process(proc.pid)


def importing_libraries(pid: int) -> bool:
    """Whether `wom` is past interpreter start-up and importing the libraries (numpy is mapped)."""
    try:
        return "numpy" in Path(f"/proc/{pid}/maps").read_text()
    except OSError:
        return False


def descendants(parent: psutil.Process) -> list[psutil.Process]:
    try:
        return parent.children(recursive=True)
    except psutil.NoSuchProcess:
        return []


def workers_running(parent: psutil.Process, count: int = 2) -> list[psutil.Process]:
    """The pool's workers once `count` of them run (a fork server's children: grandchildren of wom)."""
    grandchildren = [p for child in descendants_direct(parent) for p in descendants_direct(child)]
    return grandchildren if len(grandchildren) >= count else []


def descendants_direct(parent: psutil.Process) -> list[psutil.Process]:
    try:
        return parent.children()
    except psutil.NoSuchProcess:
        return []


def assert_all_gone(processes: list[psutil.Process]) -> None:
    """Every process in the list exits within GONE_S seconds."""
    _, alive = psutil.wait_procs(processes, timeout=GONE_S)
    assert not alive, f"still running: {[p.pid for p in alive]}"


def interrupt_and_check(proc: subprocess.Popen, parent: psutil.Process, out: Path) -> None:
    """Ctrl-C now: exit 130, no traceback, no process left, no output and no partial folder."""
    seen = descendants(parent)
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=WAIT_S)
    assert proc.returncode == EXIT_INTERRUPTED, stderr
    assert "Traceback" not in stderr, stderr
    assert_all_gone(seen)
    assert not out.exists()
    assert not [p.name for p in out.parent.iterdir() if p.name.startswith(f".{out.name}.")]


def test_ctrl_c_right_after_start(tmp_path):
    out = tmp_path / "out"
    proc, parent = start([*RUN, "--out", str(out)])
    wait_for(lambda: importing_libraries(proc.pid), "wom to import numpy")
    interrupt_and_check(proc, parent, out)


def test_ctrl_c_while_the_pool_starts(tmp_path):
    """The first child (multiprocessing's resource tracker or the fork server) exists: the pool is starting."""
    out = tmp_path / "out"
    proc, parent = start([*RUN, "--out", str(out)])
    wait_for(lambda: descendants_direct(parent), "the pool to start")
    interrupt_and_check(proc, parent, out)


def test_ctrl_c_mid_run(tmp_path):
    out = tmp_path / "out"
    proc, parent = start([*RUN, "--out", str(out)])
    workers = wait_for(lambda: workers_running(parent), "two workers")
    wait_for(lambda: any(w.cpu_times().user > 0.5 for w in workers), "a worker to be simulating")
    interrupt_and_check(proc, parent, out)


def test_sigterm_mid_run_stops_the_pool(tmp_path):
    """`kill` (SIGTERM) of the command alone, as a job scheduler does: the same clean stop as Ctrl-C."""
    out = tmp_path / "out"
    proc, parent = start([*RUN, "--out", str(out)])
    workers = wait_for(lambda: workers_running(parent), "two workers")
    wait_for(lambda: any(w.cpu_times().user > 0.5 for w in workers), "a worker to be simulating")
    seen = descendants(parent)
    proc.terminate()
    _, stderr = proc.communicate(timeout=WAIT_S)
    assert proc.returncode == EXIT_INTERRUPTED, stderr
    assert "Traceback" not in stderr, stderr
    assert_all_gone(seen)
    assert not out.exists()


def test_ctrl_c_while_writing(tmp_path):
    """The simulations are done and the output is being written (its partial folder exists)."""
    out = tmp_path / "out"
    proc, parent = start([*RUN, "--out", str(out)])
    wait_for(lambda: [p for p in tmp_path.iterdir() if p.name.startswith(".out.partial-")], "the output's partial")
    interrupt_and_check(proc, parent, out)


def test_kill_9_of_the_command_ends_its_workers(tmp_path):
    proc, parent = start([*RUN, "--out", str(tmp_path / "out")])
    wait_for(lambda: workers_running(parent), "two workers")
    seen = descendants(parent)
    proc.kill()
    proc.communicate(timeout=WAIT_S)
    assert_all_gone(seen)


#: A sweep of 2 points x 2 replicates, each run a few seconds.
SWEEP_SPEC = """
name = "tiny"
scenario = "{base}"
seed = 3
replicates = 2
set = ["population.size=20000", "run.days=60"]

[design]
kind = "grid"

[parameters]
"wom.q" = [0.1, 0.2]
"""


@pytest.mark.parametrize("moment", ["cluster starting", "cluster up"])
def test_ctrl_c_of_a_sweep_stops_its_cluster(tmp_path, moment):
    """A sweep on its local Dask cluster: Ctrl-C while the cluster starts is not swallowed (the sweep
    does not go on to run everything), and after it exit 130 with every worker gone."""
    spec = tmp_path / "sweep.toml"
    spec.write_text(SWEEP_SPEC.format(base=ROOT / "scenarios" / "default.toml"))
    out = tmp_path / "sweep"
    proc, parent = start(["sweep", str(spec), "--out", str(out), "--workers", "2", "--quiet"])
    if moment == "cluster starting":
        wait_for(lambda: descendants_direct(parent), "the cluster to start")
    else:
        wait_for(lambda: len(descendants_direct(parent)) >= 3, "two Dask workers")  # + resource tracker
    seen = descendants(parent)
    os.killpg(proc.pid, signal.SIGINT)
    _, stderr = proc.communicate(timeout=WAIT_S)
    assert proc.returncode == EXIT_INTERRUPTED, stderr
    assert "Traceback" not in stderr, stderr
    assert_all_gone(seen)
    runs = out / "runs"
    assert not runs.exists() or len(list(runs.glob("*.parquet"))) < 4, "the sweep ran everything after Ctrl-C"

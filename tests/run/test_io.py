"""The one atomic writer (sim.run.io): safe names, --force only over our own outputs, nothing half-written."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from sim.config.errors import EnvironmentFault
from sim.run import io
from sim.run.io import (
    MARKER,
    OutputError,
    atomic_directory,
    atomic_file,
    check_output,
    clean_stale,
    output_name,
    write_text,
)


def dead_pid() -> int:
    """The PID of a process that has exited (and been reaped), so it is certainly not running."""
    proc = subprocess.Popen([sys.executable, "-c", "pass"])
    proc.wait()
    return proc.pid


def write_run_dir(target, text="new", force=False):
    with atomic_directory(target, "run", force) as tmp:
        (tmp / "summary.json").write_text(text)
        (tmp / "timeseries.csv").write_text(text)
    return target


@pytest.mark.parametrize("name", [".", "..", "/x", "../x", "a/b", "", ".hidden", "x" * 101, "a\\b", "a b"])
def test_unsafe_names_are_refused(name):
    with pytest.raises(OutputError, match="plain file name"):
        output_name(name)


@pytest.mark.parametrize("name", ["default", "miui-2.0", "a_b", "X" * 100])
def test_plain_names_are_accepted(name):
    assert output_name(name) == name


def test_new_directory_is_written_with_marker(tmp_path):
    target = write_run_dir(tmp_path / "out")
    assert (target / "summary.json").read_text() == "new"
    assert (target / MARKER).read_text().splitlines()[0] == "run"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]  # no temporaries left


def test_existing_output_needs_force(tmp_path):
    target = write_run_dir(tmp_path / "out", "old")
    with pytest.raises(OutputError, match="--force"):
        write_run_dir(target)
    assert (target / "summary.json").read_text() == "old"


def test_force_replaces_a_previous_output_of_the_same_kind(tmp_path):
    target = write_run_dir(tmp_path / "out", "old")
    write_run_dir(target, "new", force=True)
    assert (target / "summary.json").read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_force_accepts_an_empty_directory(tmp_path):
    (tmp_path / "out").mkdir()
    write_run_dir(tmp_path / "out", force=False)  # empty: nothing to lose, no --force needed
    assert (tmp_path / "out" / "summary.json").is_file()


def test_force_accepts_an_unmarked_output_with_the_kinds_signature(tmp_path):
    old = tmp_path / "out"
    old.mkdir()
    (old / "summary.json").write_text("old")
    (old / "timeseries.csv").write_text("old")
    write_run_dir(old, "new", force=True)
    assert (old / "summary.json").read_text() == "new"


def test_force_refuses_a_foreign_directory(tmp_path):
    foreign = tmp_path / "home"
    foreign.mkdir()
    (foreign / "thesis.tex").write_text("precious")
    with pytest.raises(OutputError, match="not a previous run output"):
        write_run_dir(foreign, force=True)
    assert (foreign / "thesis.tex").read_text() == "precious"


def test_force_refuses_an_output_of_another_kind(tmp_path):
    target = tmp_path / "out"
    with atomic_directory(target, "sweep") as tmp:
        (tmp / "sweep.json").write_text("{}")
    with pytest.raises(OutputError, match="not a previous run output"):
        write_run_dir(target, force=True)
    assert (target / "sweep.json").is_file()


def test_force_refuses_a_file_or_symlink(tmp_path):
    (tmp_path / "file").write_text("x")
    real = tmp_path / "real"
    write_run_dir(real)
    (tmp_path / "link").symlink_to(real)
    for target in (tmp_path / "file", tmp_path / "link"):
        with pytest.raises(OutputError):
            check_output(target, "run", force=True)


def test_exception_mid_write_keeps_the_old_output(tmp_path):
    target = write_run_dir(tmp_path / "out", "old")
    with pytest.raises(KeyboardInterrupt), atomic_directory(target, "run", force=True) as tmp:
        (tmp / "summary.json").write_text("half")
        raise KeyboardInterrupt  # what Ctrl-C or a kill-like signal turned into an exception does
    assert (target / "summary.json").read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["out"]


def test_kill_mid_write_keeps_the_old_output_and_the_partial_is_cleaned(tmp_path):
    target = write_run_dir(tmp_path / "out", "old")
    code = (
        "import os, sys\n"
        "from sim.run.io import atomic_directory\n"
        f"with atomic_directory({str(target)!r}, 'run', True) as tmp:\n"
        "    (tmp / 'summary.json').write_text('half')\n"
        "    os._exit(9)\n"  # no cleanup at all, as with SIGKILL
    )
    assert subprocess.run([sys.executable, "-c", code]).returncode == 9
    assert (target / "summary.json").read_text() == "old"
    assert any(".partial-" in p.name for p in tmp_path.iterdir())  # the killed process left its partial
    write_run_dir(target, "new", force=True)  # the next write cleans it
    assert [p.name for p in tmp_path.iterdir()] == ["out"]
    assert (target / "summary.json").read_text() == "new"


def test_stale_partials_of_dead_processes_are_cleaned_live_ones_kept(tmp_path):
    pid = dead_pid()
    stale_dir = tmp_path / f".out.partial-{pid}-abc"
    stale_dir.mkdir()
    stale_file = tmp_path / f".x.csv.partial-{pid}-def"
    stale_file.write_text("x")
    live = tmp_path / f".out.partial-{os.getpid()}-ghi"
    live.mkdir()
    clean_stale(tmp_path)
    assert not stale_dir.exists() and not stale_file.exists()
    assert live.exists()


def test_an_old_output_moved_aside_by_a_killed_process_is_restored(tmp_path):
    aside = tmp_path / f".out.old-{dead_pid()}"
    aside.mkdir()
    (aside / "summary.json").write_text("old")
    clean_stale(tmp_path)
    assert (tmp_path / "out" / "summary.json").read_text() == "old"
    assert not aside.exists()


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into read-only directories")
def test_read_only_parent_is_an_environment_fault(tmp_path):
    parent = tmp_path / "ro"
    parent.mkdir()
    parent.chmod(0o500)
    try:
        with pytest.raises(EnvironmentFault, match="cannot write"):
            check_output(parent / "out", "run", force=False)
    finally:
        parent.chmod(0o700)


def test_unwritable_parent_is_an_environment_fault(tmp_path):
    """Works as root too: the parent 'directory' is a regular file, so nothing can be created in it."""
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(EnvironmentFault, match="cannot write"):
        check_output(blocker / "out", "run", force=False)


def test_atomic_file_replaces_only_with_force_and_keeps_old_on_error(tmp_path):
    target = tmp_path / "a.toml"
    write_text(target, "old")
    with pytest.raises(OutputError, match="--force"):
        write_text(target, "new")
    with pytest.raises(RuntimeError), atomic_file(target, force=True) as tmp:
        tmp.write_text("half")
        raise RuntimeError("disk full")
    assert target.read_text() == "old"
    write_text(target, "new", force=True)
    assert target.read_text() == "new"
    assert [p.name for p in tmp_path.iterdir()] == ["a.toml"]


def test_atomic_file_refuses_a_directory(tmp_path):
    (tmp_path / "d").mkdir()
    with pytest.raises(OutputError, match="not a regular file"):
        write_text(tmp_path / "d", "x", force=True)


def test_signatures_cover_every_kind_with_a_marker_free_past():
    assert set(io.SIGNATURES) >= {"run", "sweep", "claim", "analysis", "attribution"}


# ---- what the tool wrote, and only that, is replaced (issue 24) -------------------------------------
def test_the_marker_lists_the_files_written(tmp_path):
    target = tmp_path / "out"
    with atomic_directory(target, "run") as tmp:
        (tmp / "summary.json").write_text("x")
        (tmp / "charts").mkdir()
        (tmp / "charts" / "a.png").write_text("x")
    assert io.own_files(target) == {"summary.json", "charts/a.png", MARKER}
    assert (target / MARKER).read_text() == "run\ncharts/a.png\nsummary.json\n"


def test_force_keeps_a_file_the_user_put_into_the_output(tmp_path):
    target = write_run_dir(tmp_path / "out", "old")
    (target / "notes.txt").write_text("mine")
    (target / "mine").mkdir()
    (target / "mine" / "data.csv").write_text("mine too")
    write_run_dir(target, "new", force=True)
    assert (target / "summary.json").read_text() == "new"
    assert (target / "notes.txt").read_text() == "mine"
    assert (target / "mine" / "data.csv").read_text() == "mine too"
    assert "notes.txt" not in io.own_files(target)  # still the user's: kept by the next --force too
    write_run_dir(target, "newer", force=True)
    assert (target / "notes.txt").read_text() == "mine"


def test_force_refuses_when_a_users_file_has_the_name_of_a_new_output_file(tmp_path):
    target = tmp_path / "out"
    with atomic_directory(target, "run") as tmp:
        (tmp / "summary.json").write_text("old")
    (target / "timeseries.csv").write_text("the user's")
    with pytest.raises(OutputError, match="timeseries.csv"):
        write_run_dir(target, "new", force=True)
    assert (target / "summary.json").read_text() == "old"
    assert (target / "timeseries.csv").read_text() == "the user's"
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_a_users_file_in_an_old_output_left_aside_by_a_kill_is_moved_into_the_new_one(tmp_path):
    """Killed after the swap, before the user's files moved: the next write finishes the move."""
    old = write_run_dir(tmp_path / "a", "old")
    (old / "notes.txt").write_text("mine")
    new = write_run_dir(tmp_path / "b", "new")
    old.rename(tmp_path / f".out.old-{dead_pid()}")
    new.rename(tmp_path / "out")
    clean_stale(tmp_path)
    assert (tmp_path / "out" / "notes.txt").read_text() == "mine"
    assert (tmp_path / "out" / "summary.json").read_text() == "new"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out"]


# ---- one command per output (issue 24) --------------------------------------------------------------
HOLD_LOCK = """
import sys, time
from sim.run.io import check_output
check_output(sys.argv[1], "run", False)
print("locked", flush=True)
sys.stdin.readline()
"""


def test_a_second_command_on_the_same_output_is_refused_naming_the_holder(tmp_path):
    target = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(target)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout.readline().strip() == "locked"
        with pytest.raises(OutputError, match=f"in use by another wom command \\(pid {holder.pid}\\)"):
            check_output(target, "run", False)
    finally:
        holder.communicate("\n", timeout=60)
    assert holder.returncode == 0
    assert not (tmp_path / ".out.lock").exists()  # released and removed at its exit
    write_run_dir(target)  # free again
    assert not (tmp_path / ".out.lock").exists()


def test_a_lock_left_by_a_killed_command_is_free(tmp_path):
    target = tmp_path / "out"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_LOCK, str(target)], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True
    )
    assert holder.stdout.readline().strip() == "locked"
    holder.kill()
    holder.communicate(timeout=60)
    write_run_dir(target)
    assert (target / "summary.json").read_text() == "new"


# ---- stored state is never followed out of its folder (issue 24) ------------------------------------
def test_stored_state_behind_a_symlink_is_refused(tmp_path):
    out, elsewhere = tmp_path / "sweep", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "runs").symlink_to(elsewhere, target_is_directory=True)
    with pytest.raises(OutputError, match="symlink"):
        write_text(out / "runs" / "run-1.json", "{}", force=True, root=out)
    assert not list(elsewhere.iterdir())
    with pytest.raises(OutputError, match="symlink"):
        io.inside_output(out, out / "runs" / "run-1.json")
    (out / "trials").mkdir()
    assert io.inside_output(out, out / "trials" / "t.json") == out / "trials" / "t.json"
    with pytest.raises(OutputError, match="not inside"):
        io.inside_output(out, out / ".." / "elsewhere" / "x")


# ---- permissions follow the umask (issue 24) --------------------------------------------------------
UMASK_WRITE = """
import sys
from pathlib import Path
from sim.run.io import atomic_directory, write_text
with atomic_directory(Path(sys.argv[1]) / "dir", "run") as tmp:
    (tmp / "summary.json").write_text("x")
write_text(Path(sys.argv[1]) / "file.txt", "x")
"""


@pytest.mark.parametrize(("umask", "dir_mode", "file_mode"), [(0o022, 0o755, 0o644), (0o077, 0o700, 0o600)])
def test_outputs_get_the_permissions_of_the_umask(tmp_path, umask, dir_mode, file_mode):
    subprocess.run([sys.executable, "-c", UMASK_WRITE, str(tmp_path)], check=True, umask=umask)
    assert (tmp_path / "dir").stat().st_mode & 0o777 == dir_mode
    assert (tmp_path / "dir" / "summary.json").stat().st_mode & 0o777 == file_mode
    assert (tmp_path / "dir" / MARKER).stat().st_mode & 0o777 == file_mode
    assert (tmp_path / "file.txt").stat().st_mode & 0o777 == file_mode


# ---- as a user runs it: the real `wom` ---------------------------------------------------------------
WOM = Path(sys.executable).with_name("wom")
ROOT = Path(__file__).resolve().parents[2]
SMALL_RUN = [
    "run",
    str(ROOT / "scenarios" / "default.toml"),
    "--set",
    "population.size=2000",
    "--set",
    "run.days=10",
    "--replicates",
    "1",
    "--quiet",
]
#: Seconds a command or an awaited condition may take on a loaded machine.
WAIT_S = 300


@pytest.mark.slow
def test_wom_run_force_keeps_a_file_the_user_put_into_the_output(tmp_path):
    out = tmp_path / "out"
    first = subprocess.run([str(WOM), *SMALL_RUN, "--out", str(out)], capture_output=True, text=True, timeout=WAIT_S)
    assert first.returncode == 0, first.stderr
    (out / "my-notes.md").write_text("keep me")
    again = subprocess.run(
        [str(WOM), *SMALL_RUN, "--out", str(out), "--force"], capture_output=True, text=True, timeout=WAIT_S
    )
    assert again.returncode == 0, again.stderr
    assert (out / "my-notes.md").read_text() == "keep me"
    assert (out / "summary.json").is_file()


@pytest.mark.slow
def test_a_second_wom_run_on_the_same_output_is_refused_at_once(tmp_path):
    """The first run (long: 20 replicates of 50,000 people over a year) holds the output's lock; the second is refused
    while it runs, naming the output and the first's pid; the first is then stopped with Ctrl-C."""
    out = tmp_path / "out"
    long_run = [
        *SMALL_RUN,
        "--set",
        "population.size=50000",
        "--set",
        "run.days=365",
        "--replicates",
        "20",
        "--workers",
        "1",
    ]
    first = subprocess.Popen(
        [str(WOM), *long_run, "--out", str(out)],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        lock = tmp_path / ".out.lock"
        deadline = time.monotonic() + WAIT_S
        while not (lock.is_file() and lock.read_text().strip()):
            assert first.poll() is None and time.monotonic() < deadline, "the first run never took its lock"
            time.sleep(0.02)
        second = subprocess.run(
            [str(WOM), *SMALL_RUN, "--out", str(out)], capture_output=True, text=True, timeout=WAIT_S
        )
        assert first.poll() is None, "the first run ended before the second was checked"
    finally:
        os.killpg(first.pid, signal.SIGINT)
        first.communicate(timeout=WAIT_S)
    assert second.returncode == 2, second.stderr
    errors = [line for line in second.stderr.splitlines() if line.startswith("error:")]
    assert len(errors) == 1 and f"pid {first.pid}" in errors[0] and str(out) in errors[0], second.stderr
    assert not out.exists()


def test_ctrl_c_while_the_lock_is_taken_leaves_no_lock_file(tmp_path, monkeypatch):
    """A SIGINT arriving between the lock file's creation and its record (here: sent from inside flock) leaves
    no lock file: held until the lock is recorded (then the exit's cleanup removes it) or, delivered at once in
    a process with other threads, the unrecorded file is given up (CI once found `.out.lock` left by a Ctrl-C
    right after `wom run` started)."""
    import fcntl

    out = tmp_path / "out"
    real_flock = fcntl.flock

    sent = []

    def flock_then_interrupted(fd, operation):
        real_flock(fd, operation)
        if not sent:  # one Ctrl-C, at the first lock
            sent.append(True)
            os.kill(os.getpid(), signal.SIGINT)

    monkeypatch.setattr(io.fcntl, "flock", flock_then_interrupted)
    # Python's own Ctrl-C handler, as in `wom` (a pytest-xdist worker ignores SIGINT)
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    try:
        _interrupted_while_locking(out)
    finally:
        signal.signal(signal.SIGINT, previous)
    io.unlock_output(out)  # what the exit's cleanup does (nothing if the lock was given up)
    assert not list(tmp_path.iterdir())
    assert out.absolute() not in io._LOCKS


def _interrupted_while_locking(out) -> None:
    with pytest.raises(KeyboardInterrupt):
        io.lock_output(out)
        time.sleep(1)  # not reached: the signal is delivered by now

"""The one way outputs reach the disk: atomically, inside safe names, replacing only our own outputs.

Every command writes through this module:

- `atomic_directory(target, kind, force)` builds a directory in a hidden temporary sibling
  (`.NAME.partial-PID-XXXX`) and renames it into place only when complete; a kill at any moment
  leaves either the old output or the new one, never a half-written one. Temporary siblings left by a
  killed process (their PID is gone) are cleaned by the next write to the same parent.
- `atomic_file(target, force)` does the same for one file (`os.replace` of a temporary sibling).
- An existing target is replaced only with `force=True`, and only if it is an empty directory or a
  previous output of the same kind: it holds the marker file `.wom-output` naming that kind, or (for
  outputs written before markers existed) all of the kind's signature files. Anything else is refused
  with an `OutputError`: `--force` never deletes a directory this tool did not write.
- `output_name(name)` checks that a name used to build a default output path (a scenario's `name`,
  a sweep's name) is a plain file name (`NAME_PATTERN`): no path separators, no `.` or `..`.
- `check_output(target, kind, force)` runs all of these checks, and that the parent is writable,
  before any simulation starts, and takes the output's lock (`lock_output`): a second command on the
  same output is refused at once (exit 2, naming the holder's PID) instead of repeating the work.
- The marker also lists the files this tool wrote, one a line after the kind. `--force` replaces
  only those: a file a user put into a previous output is carried over into the new one
  (or, if the new output has a file of that name, the write is refused and the old output kept).
  The old output is swapped aside and removed after the new one is in place, never half-deleted.
- Directories and files get the permissions the user's umask gives (tempfile creates them 0700 and
  0600; they are widened to what the umask allows before the rename).
- `inside_output(root, path)` is how stored state inside an output folder is reached (a sweep's
  runs/, an optimize run's trials/): a path that leaves the folder through a symlink is refused.
"""

from __future__ import annotations

import atexit
import contextlib
import errno
import fcntl
import os
import re
import shutil
import signal
import tempfile
import threading
from collections.abc import Iterator
from pathlib import Path

from sim.config.errors import EnvironmentFault, InputError, os_reason
from sim.config.names import NAME_RULE, is_safe_name

#: Marker file written into every output directory: the output's kind on its first line, then the
#: files this tool wrote there (relative paths, one a line; none in markers of older outputs).
MARKER = ".wom-output"
#: Files by which an output of each kind written before markers existed is recognised.
SIGNATURES: dict[str, tuple[str, ...]] = {
    "run": ("summary.json", "timeseries.csv"),
    "sweep": ("sweep.json",),
    "claim": ("verdict.json",),
    "analysis": ("points.csv",),
    "attribution": ("attribution.json",),
}
#: Suffix of the lock file beside an output (`.NAME.lock`), held with flock while a command writes it.
LOCK_SUFFIX = ".lock"
#: Permissions before the umask of a new directory and of a new file (what mkdir and open use).
DIR_MODE = 0o777
FILE_MODE = 0o666
#: Locks this process holds: output path -> open lock file descriptor.
_LOCKS: dict[Path, int] = {}
_TEMP_PARTS = re.compile(r"^\.(?P<name>.+)\.(?P<what>partial|old)-(?P<pid>\d+)(?:-.*)?$")


class OutputError(InputError):
    """An output that may not be written: it exists (without --force), is not ours, or has an unsafe name."""


def output_name(name: str, what: str = "name") -> str:
    """`name` if it is a safe file name (sim.config.names.NAME_PATTERN), else an OutputError naming `what`."""
    if not is_safe_name(name):
        raise OutputError(f"{what} = {name!r}: must be {NAME_RULE}")
    return name


def is_output_of(target: Path, kind: str) -> bool:
    """Whether `target` is a directory this tool wrote as an output of `kind` (marker, or signature files)."""
    if not target.is_dir() or target.is_symlink():
        return False
    marker = target / MARKER
    if marker.is_file():
        try:
            return marker.read_text(encoding="utf-8").partition("\n")[0].strip() == kind
        except (OSError, UnicodeDecodeError):
            return False
    signature = SIGNATURES.get(kind, ())
    return bool(signature) and all((target / f).is_file() for f in signature)


def check_output(target: str | Path, kind: str, force: bool, option: str = "--out") -> Path:
    """Check before any work that `target` may be written as an output of `kind`; returns it as a Path.

    Raises OutputError (exit 2) when it exists and may not be replaced, and EnvironmentFault (exit 1)
    when its parent cannot be created or written.
    """
    target = Path(target)
    if target.exists() or target.is_symlink():
        empty_dir = target.is_dir() and not target.is_symlink() and not any(target.iterdir())
        if not force and not empty_dir:
            raise OutputError(f"{option} {target}: already exists; use --force to replace it")
        if not empty_dir and not is_output_of(target, kind):
            raise OutputError(
                f"{option} {target}: exists and is not a previous {kind} output of this tool; "
                "--force replaces only those (choose another path)"
            )
    _check_parent_writable(target, option)
    lock_output(target, option)
    return target


def lock_output(target: str | Path, option: str = "--out") -> Path:
    """Hold the lock of output `target` for this process (until `unlock_output` or its exit).

    The lock is an flock on `.NAME.lock` beside the output, which holds the holder's PID. Taken twice by
    one process it is held once. Another process holding it: OutputError (exit 2) at once, naming the
    output and that process. The kernel releases it when the process ends, even after `kill -9`.
    """
    target = Path(target)
    key = target.absolute()
    if key in _LOCKS:
        return target
    path = target.with_name(f".{target.name}{LOCK_SUFFIX}")
    with _signals_held():  # a Ctrl-C between creating the file and recording it would leave the file behind
        return _take_lock(target, key, path, option)


@contextlib.contextmanager
def _signals_held() -> Iterator[None]:
    """SIGINT and SIGTERM wait until the block ends (then they are delivered as usual); in the main thread only,
    the one Python delivers signals to."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    held = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT, signal.SIGTERM})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, held)


def _take_lock(target: Path, key: Path, path: Path, option: str) -> Path:
    """Create (or open) and flock the lock file `path` of `target`, write this process's PID into it and record
    it in `_LOCKS` (`lock_output` holds signals around this). Interrupted before the record (a signal delivered
    in another thread's turn, where holding it does not reach), it removes a file nobody holds (`_abandon`)."""
    fd = None
    try:
        while True:
            try:
                fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, FILE_MODE)
            except OSError as exc:
                raise EnvironmentFault(f"{option} {target}: cannot create its lock {path}: {os_reason(exc)}") from None
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as exc:
                holder = os.read(fd, 32).decode("ascii", "replace").strip() or "unknown"
                os.close(fd)
                fd = None
                if exc.errno not in (errno.EWOULDBLOCK, errno.EAGAIN):
                    raise EnvironmentFault(f"{option} {target}: cannot lock {path}: {os_reason(exc)}") from None
                raise OutputError(
                    f"{option} {target}: in use by another wom command (pid {holder}); wait for it to end "
                    "or choose another path"
                ) from None
            try:
                same = os.fstat(fd).st_ino == os.stat(path).st_ino
            except FileNotFoundError:
                same = False
            if same:  # else its holder removed the file as we opened it: lock the new one
                break
            os.close(fd)
            fd = None
        os.ftruncate(fd, 0)
        os.write(fd, f"{os.getpid()}\n".encode("ascii"))
        _LOCKS[key] = fd
        return target
    except BaseException:
        if fd is not None and key not in _LOCKS:
            _abandon(fd, path)
        raise


def _abandon(fd: int, path: Path) -> None:
    """Close a lock file this process opened but did not record, removing it if nobody else holds it."""
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)  # ours already, or nobody's: then it is ours to remove
        if os.fstat(fd).st_ino == os.stat(path).st_ino:
            path.unlink()
    os.close(fd)


def unlock_output(target: str | Path) -> None:
    """Release this process's lock of output `target` (and remove its lock file); nothing if not held."""
    target = Path(target)
    with _signals_held():  # forgotten but not yet removed, the file would stay behind
        fd = _LOCKS.pop(target.absolute(), None)
        if fd is None:
            return
        with contextlib.suppress(OSError):
            target.with_name(f".{target.name}{LOCK_SUFFIX}").unlink()
        os.close(fd)


@atexit.register
def _unlock_all() -> None:
    """Release the locks still held when the process ends normally (removing their lock files)."""
    for key in list(_LOCKS):
        unlock_output(key)


def inside_output(root: str | Path, path: str | Path, what: str = "stored file") -> Path:
    """`path` if it lies inside the output folder `root` without passing through a symlink (the folder
    itself, and every folder and file below it up to `path`); else an OutputError naming the path.

    Stored state (a sweep's runs/, an optimize run's trials/) is read and written only through this,
    so a folder replaced by a symlink cannot make a command read or write outside its output.
    """
    root, path = Path(root), Path(path)
    try:
        parts = path.relative_to(root).parts
    except ValueError:
        raise OutputError(f"{what} {path}: not inside the output folder {root}") from None
    if ".." in parts:
        raise OutputError(f"{what} {path}: not inside the output folder {root}")
    current = root
    for part in ("", *parts):
        current = current / part if part else current
        if current.is_symlink():
            raise OutputError(f"{what} {path}: {current} is a symlink; stored state is never followed out of {root}")
    return path


def _umask() -> int:
    """This process's umask (read from /proc where it can be, so the process-wide value never changes)."""
    with contextlib.suppress(OSError, ValueError, StopIteration):
        status = Path("/proc/self/status").read_text(encoding="ascii").splitlines()
        return int(next(line.split()[1] for line in status if line.startswith("Umask:")), 8)
    mask = os.umask(0o022)
    os.umask(mask)
    return mask


def _check_parent_writable(target: Path, option: str) -> None:
    """Create `target`'s parent if needed and write a probe file in it; EnvironmentFault (exit 1) if not."""
    parent = target.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=parent, prefix=".wom-probe-"):
            pass
    except OSError as exc:
        raise EnvironmentFault(f"{option} {target}: cannot write in {parent}: {os_reason(exc)}") from None


def check_output_file(target: str | Path, force: bool, option: str = "--out") -> Path:
    """Check before any work that the single file `target` may be written (exists: only with --force,
    and only a regular file); returns it as a Path."""
    target = Path(target)
    if target.exists() or target.is_symlink():
        if not target.is_file() or target.is_symlink():
            raise OutputError(f"{option} {target}: exists and is not a regular file")
        if not force:
            raise OutputError(f"{option} {target}: already exists; use --force to replace it")
    _check_parent_writable(target, option)
    return target


@contextlib.contextmanager
def atomic_directory(target: str | Path, kind: str, force: bool = False) -> Iterator[Path]:
    """Yield an empty temporary directory; when the block ends without error it becomes `target`.

    The marker `.wom-output` (the kind and the files written) is added to it, and it gets the
    permissions of the umask. On any exception (or a kill) the temporary directory is removed and an
    existing `target` is left as it was. The output's lock is held throughout and released at the end.
    """
    target = check_output(target, kind, force)
    try:
        clean_stale(target.parent)
        tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-{os.getpid()}-", dir=target.parent))
        try:
            yield tmp
            _write_marker(tmp, kind)
            check_output(target, kind, force)  # nothing foreign appeared while we worked
            _carry_over(target, tmp, move=False)  # a name clash refuses before anything moves
            os.chmod(tmp, DIR_MODE & ~_umask())
            _replace_dir(tmp, target)
        except BaseException:
            shutil.rmtree(tmp, ignore_errors=True)
            raise
    finally:
        unlock_output(target)


def own_files(target: Path) -> set[str] | None:
    """The relative paths of the files this tool wrote into output `target` (listed in its marker), or
    None for an output whose marker lists none (written before the list existed, or a sweep or
    optimize folder, which write their marker themselves): then all its files count as the tool's."""
    try:
        lines = (target / MARKER).read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError):
        return None
    files = {line for line in lines[1:] if line}
    return files | {MARKER} if files else None


def _write_marker(folder: Path, kind: str) -> None:
    """Write the marker of output `folder`: its `kind`, then every file under it (relative, sorted)."""
    files = sorted(
        path.relative_to(folder).as_posix() for path in folder.rglob("*") if not path.is_dir() or path.is_symlink()
    )
    (folder / MARKER).write_text("".join(f"{line}\n" for line in [kind, *files]), encoding="utf-8")


def _carry_over(old: Path, new: Path, move: bool) -> None:
    """Check that what a user added to the previous output `old` (what its marker does not list) can
    join `new`, and with `move` move it there.

    OutputError (nothing moved) when `new` has an entry of the same name as one of the user's. The
    move happens after the swap (`_replace_dir`): until then the user's files stay in the old output,
    which a kill leaves in place or aside (`clean_stale` then finishes the move).
    """
    if not old.is_dir() or old.is_symlink():
        return
    own = own_files(old)
    if own is None:
        return
    foreign = _foreign(old, old, own)
    for path in foreign:
        name = path.relative_to(old)
        if (new / name).exists() or (new / name).is_symlink():
            raise OutputError(
                f"--out {old}: {name} is not a file this tool wrote, and the new output has one of that name; "
                "move it away and run again"
            )
    for path in foreign if move else ():
        destination = new / path.relative_to(old)
        destination.parent.mkdir(parents=True, exist_ok=True)
        path.rename(destination)


def _foreign(root: Path, folder: Path, own: set[str]) -> list[Path]:
    """Entries under `folder` that are not the tool's: files not in `own`, folders holding none of it."""
    found = []
    for entry in sorted(folder.iterdir()):
        name = entry.relative_to(root).as_posix()
        if entry.is_dir() and not entry.is_symlink():
            if any(path.startswith(name + "/") for path in own):
                found += _foreign(root, entry, own)
            else:
                found.append(entry)
        elif name not in own:
            found.append(entry)
    return found


@contextlib.contextmanager
def atomic_file(
    target: str | Path, force: bool = False, clean: bool = True, root: str | Path | None = None
) -> Iterator[Path]:
    """Yield a temporary path beside `target`; when the block ends without error it replaces `target`
    (with the permissions of the umask).

    `clean=False` skips cleaning stale temporaries of the folder, for many files written into one
    folder (a sweep's runs/, cleaned once when the sweep starts). `root`: the output folder that holds
    `target` as stored state; a target reached through a symlink is refused (`inside_output`).
    """
    if root is not None:
        inside_output(root, target)
    target = check_output_file(target, force)
    if clean:
        clean_stale(target.parent)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.partial-{os.getpid()}-", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.chmod(tmp, FILE_MODE & ~_umask())
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(target: str | Path, text: str, force: bool = False, root: str | Path | None = None) -> Path:
    """Write a text file atomically (UTF-8); returns its path. `root` as for `atomic_file`."""
    with atomic_file(target, force, root=root) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def _replace_dir(new: Path, target: Path) -> None:
    """Move a finished directory into place; an old one is moved aside first, the files a user added
    to it are moved into the new one, and the rest is removed afterwards."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        target.rename(old)
    new.rename(target)
    if old is not None:
        _carry_over(old, target, move=True)
        shutil.rmtree(old, ignore_errors=True)


def clean_stale(parent: Path) -> None:
    """Remove temporary siblings left in `parent` by processes that no longer run.

    A `.NAME.partial-PID-*` of a dead process is deleted; a `.NAME.old-PID` of a dead process is the
    previous output that was being replaced: when NAME exists again the files a user added to it are
    moved there and the rest deleted (kept whole if one of them clashes), else it is renamed back.
    """
    try:
        entries = list(parent.iterdir())
    except OSError:
        return
    for entry in entries:
        m = _TEMP_PARTS.match(entry.name)
        if not m or process_alive(int(m["pid"])):
            continue
        if m["what"] == "partial":
            _remove(entry)
        else:
            home = parent / m["name"]
            if home.exists():
                with contextlib.suppress(OSError, OutputError):
                    _carry_over(entry, home, move=True)
                    _remove(entry)
            else:
                with contextlib.suppress(OSError):
                    entry.rename(home)


def _remove(path: Path) -> None:
    if path.is_dir() and not path.is_symlink():
        shutil.rmtree(path, ignore_errors=True)
    else:
        with contextlib.suppress(OSError):
            path.unlink()


def process_alive(pid: int) -> bool:
    """Whether a process with this PID exists (on this machine)."""
    if pid == os.getpid():
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True

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
  before any simulation starts.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

from sim.config.errors import EnvironmentFault, InputError, os_reason
from sim.config.names import NAME_PATTERN, NAME_RULE, is_safe_name  # noqa: F401  (NAME_PATTERN: the one rule)

#: Marker file written into every output directory; its text is the output's kind.
MARKER = ".wom-output"
#: Files by which an output of each kind written before markers existed is recognised.
SIGNATURES: dict[str, tuple[str, ...]] = {
    "run": ("summary.json", "timeseries.csv"),
    "sweep": ("sweep.json",),
    "claim": ("verdict.json",),
    "analysis": ("points.csv",),
    "attribution": ("attribution.json",),
}
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
            return marker.read_text(encoding="utf-8").strip() == kind
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
    return target


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

    The marker `.wom-output` is written into it. On any exception (or a kill) the temporary directory is
    removed and an existing `target` is left as it was.
    """
    target = check_output(target, kind, force)
    clean_stale(target.parent)
    tmp = Path(tempfile.mkdtemp(prefix=f".{target.name}.partial-{os.getpid()}-", dir=target.parent))
    try:
        yield tmp
        (tmp / MARKER).write_text(kind + "\n", encoding="utf-8")
        check_output(target, kind, force)  # nothing foreign appeared while we worked
        _replace_dir(tmp, target)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise


@contextlib.contextmanager
def atomic_file(target: str | Path, force: bool = False, clean: bool = True) -> Iterator[Path]:
    """Yield a temporary path beside `target`; when the block ends without error it replaces `target`.

    `clean=False` skips cleaning stale temporaries of the folder, for many files written into one
    folder (a sweep's runs/, cleaned once when the sweep starts).
    """
    target = check_output_file(target, force)
    if clean:
        clean_stale(target.parent)
    fd, name = tempfile.mkstemp(prefix=f".{target.name}.partial-{os.getpid()}-", dir=target.parent)
    os.close(fd)
    tmp = Path(name)
    try:
        yield tmp
        os.replace(tmp, target)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise


def write_text(target: str | Path, text: str, force: bool = False) -> Path:
    """Write a text file atomically (UTF-8); returns its path."""
    with atomic_file(target, force) as tmp:
        tmp.write_text(text, encoding="utf-8")
    return Path(target)


def _replace_dir(new: Path, target: Path) -> None:
    """Move a finished directory into place; an old one is moved aside first and removed afterwards."""
    old = None
    if target.exists():
        old = target.with_name(f".{target.name}.old-{os.getpid()}")
        if old.exists():
            shutil.rmtree(old)
        target.rename(old)
    new.rename(target)
    if old is not None:
        shutil.rmtree(old, ignore_errors=True)


def clean_stale(parent: Path) -> None:
    """Remove temporary siblings left in `parent` by processes that no longer run.

    A `.NAME.partial-PID-*` of a dead process is deleted; a `.NAME.old-PID` of a dead process is the
    previous output that was being replaced: deleted when NAME exists again, else renamed back.
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

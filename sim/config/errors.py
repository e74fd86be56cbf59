"""The two kinds of failure every command reports in one line (see sim.cli.console).

`InputError`: the user's input cannot be used (a file, an option, a key, a value); exit status 2.
`EnvironmentFault`: the machine cannot do what was asked (read-only or full disk, a missing
directory, an unreachable scheduler, not enough memory); exit status 1. Messages are complete
sentences naming the file or option, the key and what is allowed.
"""

from __future__ import annotations

import errno

#: Plain words for the usual environment faults (errno -> reason).
OS_REASONS = {
    errno.ENOSPC: "no space left on the device",
    errno.EROFS: "read-only file system",
    errno.EACCES: "permission denied",
    errno.EPERM: "operation not permitted",
    errno.ENOENT: "no such file or directory",
    errno.EDQUOT: "disk quota exceeded",
}


class InputError(ValueError):
    """Bad input from a file, an option, a CSV or an edge list (exit status 2)."""


class ScenarioError(InputError):
    """A scenario file or override that cannot be used; the message says where and why."""


class EnvironmentFault(OSError):
    """The environment refused: unwritable or full disk, unreachable address, not enough memory (exit 1)."""


def os_reason(exc: OSError) -> str:
    """The reason of an OSError in plain words ("read-only file system"), without its path."""
    return OS_REASONS.get(exc.errno) or exc.strerror or str(exc) or type(exc).__name__


def os_error_text(exc: OSError) -> str:
    """`<path>: <reason>` for an OSError (just the reason when it names no path)."""
    reason = os_reason(exc)
    return reason if exc.filename is None else f"{exc.filename}: {reason}"

"""The two kinds of failure every command reports in one line (see sim.cli.console).

`InputError`: the user's input cannot be used (a file, an option, a key, a value); exit status 2.
`EnvironmentFault`: the machine cannot do what was asked (read-only or full disk, a missing
directory, an unreachable scheduler, not enough memory); exit status 1. Messages are complete
sentences naming the file or option, the key and what is allowed.
"""

from __future__ import annotations


class InputError(ValueError):
    """Bad input from a file, an option, a CSV or an edge list (exit status 2)."""


class ScenarioError(InputError):
    """A scenario file or override that cannot be used; the message says where and why."""


class EnvironmentFault(OSError):
    """The environment refused: unwritable or full disk, unreachable address, not enough memory (exit 1)."""

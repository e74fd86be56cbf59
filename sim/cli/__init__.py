"""The `wom` command line (sim.cli.main); `entry` is the console script.

`entry` imports the command line inside a guard, so Ctrl-C during start-up exits 130 without a
traceback like Ctrl-C at any later moment.
"""

from __future__ import annotations

import sys

#: Exit status after Ctrl-C (128 + SIGINT); also sim.cli.console.EXIT_INTERRUPTED.
_EXIT_INTERRUPTED = 130


def entry() -> None:
    """The `wom` console script: import the command line, then run it (sim.cli.main.main)."""
    try:
        from sim.cli.main import main
    except KeyboardInterrupt:
        sys.exit(_EXIT_INTERRUPTED)
    main()

"""The `wom` command line (sim.cli.main); `entry` is the console script.

`entry` imports the command line inside a guard, so Ctrl-C during start-up exits 130 without a
traceback like Ctrl-C at any later moment. Two guards cover what Python itself cannot: a
KeyboardInterrupt raised inside a callback (for example in the import machinery) is "ignored" by
Python and printed with a traceback; `entry` silences those reports, and the first Ctrl-C arms a
timer that ends the process with status 130 if it is still running `CTRL_C_GRACE_S` later (normal
shutdown after Ctrl-C takes under 2 s; temporary output folders left by such an exit are removed by
the next run, sim.run.io.clean_stale).
"""

from __future__ import annotations

import os
import signal
import sys
import threading

#: Exit status after Ctrl-C (128 + SIGINT); also sim.cli.console.EXIT_INTERRUPTED.
_EXIT_INTERRUPTED = 130
#: Seconds after the first Ctrl-C before the process is ended even if the interrupt was swallowed.
CTRL_C_GRACE_S = 10.0

_interrupted = threading.Event()


def _on_ctrl_c(signum, frame) -> None:
    """Raise KeyboardInterrupt as Python does, and make sure the process ends soon after."""
    if not _interrupted.is_set():
        _interrupted.set()
        timer = threading.Timer(CTRL_C_GRACE_S, os._exit, (_EXIT_INTERRUPTED,))
        timer.daemon = True
        timer.start()
    raise KeyboardInterrupt


def _quiet_interrupts(unraisable) -> None:
    """Report unraisable exceptions as Python does, except a KeyboardInterrupt (already being handled)."""
    if not isinstance(unraisable.exc_value, KeyboardInterrupt):
        sys.__unraisablehook__(unraisable)


def entry() -> None:
    """The `wom` console script: import the command line, then run it (sim.cli.main.main)."""
    signal.signal(signal.SIGINT, _on_ctrl_c)
    sys.unraisablehook = _quiet_interrupts
    try:
        from sim.cli.main import main
    except KeyboardInterrupt:
        sys.exit(_EXIT_INTERRUPTED)
    main()

"""The benchmark's clock: wall time by default, or this process's CPU time on a shared machine.

``python -m benchmarks.bench --clock cpu`` sets WOM_BENCH_CLOCK=cpu for the measurement
processes.  Every implementation here is single-threaded, so on an idle machine the two agree;
when other jobs compete for the cores, CPU time (``time.process_time``) leaves out the time the
process spent waiting for a core and stays comparable between runs.
"""

from __future__ import annotations

import os
import time

#: Environment variable naming the clock of the measurement processes.
CLOCK_ENV = "WOM_BENCH_CLOCK"
#: Available clocks.
CLOCKS = {"wall": time.perf_counter, "cpu": time.process_time}


def clock_name() -> str:
    """The clock in use ('wall' unless WOM_BENCH_CLOCK says otherwise)."""
    name = os.environ.get(CLOCK_ENV, "wall")
    if name not in CLOCKS:
        raise ValueError(f"{CLOCK_ENV} must be one of {', '.join(CLOCKS)}, got {name!r}")
    return name


def now() -> float:
    """Current reading of the chosen clock, in seconds."""
    return _clock()


_clock = CLOCKS[clock_name()]

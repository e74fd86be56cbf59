"""The options every research method takes the same way, in one place.

A command fills one `ResearchOptions` from its command line (sim.cli) and hands it to the method; a
method reads only the fields it has (a claim has no scheduler, a Bass fit no replicates). `None` means
"the default": the scenario's or spec's own replicates and seed; for workers, one process when a method
is called from Python, one per core from the command line (sim.cli.common.with_cores).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class ResearchOptions:
    """Replicates, seed, where the runs go (local worker processes or a Dask scheduler), the output
    path, whether an existing output may be replaced, and whether a progress bar is drawn."""

    replicates: int | None = None
    seed: int | None = None
    workers: int | None = None
    scheduler: str | None = None
    out: Path | None = None
    force: bool = False
    progress: bool = True

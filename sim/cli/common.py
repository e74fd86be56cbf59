"""Helpers shared by the `wom` commands: the error boundary around a command body, the --replicates /
--seed options applied to a scenario, default output paths and the progress bar.

Every command module imports these from here and from no other command module, so the modules of
sim.cli never import each other in a circle. Start-up stays light: only sim.cli.console and
sim.config.errors are imported at module level; the rest inside the functions.
"""

from __future__ import annotations

import sys
from contextlib import AbstractContextManager
from pathlib import Path
from typing import TYPE_CHECKING

import sim.cli.console as wom_cli
from sim.config.errors import InputError

if TYPE_CHECKING:
    from tqdm import tqdm

    from sim.config.schema import Scenario
    from sim.research.options import ResearchOptions

#: Where outputs go by default (the claims and the ABC calibration use folders below it).
RESULTS_ROOT = Path("results")


def reported(out: object = None) -> AbstractContextManager[None]:
    """The shared error boundary of `wom` (sim.cli.console.boundary): one line, exit 2 for bad input,
    exit 1 for environment faults. Used around each command body so that `python -m sim.cli.research`
    reports errors the same way as `wom`."""
    return wom_cli.boundary(None if out is None else str(out))


def run_options(sc: Scenario, replicates: int | None = None, seed: int | None = None) -> Scenario:
    """The scenario with --replicates / --seed applied, checked against the file's own limits
    (sim.config.run.RunConfig) before any work; an InputError names the option."""
    from pydantic import ValidationError

    for option, key, value in (("--replicates", "replicates", replicates), ("--seed", "seed", seed)):
        if value is None:
            continue
        try:
            run = type(sc.run).model_validate(sc.run.model_dump() | {key: value})
        except ValidationError as exc:
            raise InputError(f"{option} {value}: {exc.errors()[0]['msg']}") from None
        sc = sc.model_copy(update={"run": run})
    return sc


def scenario_pair(
    scenario: Path,
    baseline: Path | None,
    baseline_set: list[str],
    overrides: list[str],
    replicates: int | None,
    seed: int | None,
    workers: int | None,
) -> tuple[Scenario, Scenario]:
    """A scenario and its baseline (another file, or the same one with `baseline_set` on top of `overrides`),
    checked before any work: the file's limits, --replicates, --seed and --workers. A baseline made by
    --baseline-set only is named after its overrides. `wom attribute` and `wom value` compare such pairs."""
    from sim.config.scenario import load_scenario
    from sim.run.executor import check_workers

    sc = load_scenario(scenario, overrides)
    run_options(sc, replicates, seed)  # the file's limits, before any work
    check_workers(workers)
    base = load_scenario(baseline or scenario, [*overrides, *baseline_set])
    if baseline is None:
        base = base.model_copy(update={"name": f"{sc.name} with {', '.join(baseline_set)}"})
    return sc, base


def default_output(name: str, suffix: str = "") -> Path:
    """RESULTS_ROOT / <name><suffix>, with `name` checked to be a plain file name (never a path)."""
    from sim.run.io import output_name

    return RESULTS_ROOT / (output_name(name, "scenario name") + suffix)


def progress_bar(total: int, desc: str, quiet: bool, unit: str = "run") -> tqdm:
    """A tqdm progress bar on stderr, hidden with --quiet."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=quiet, file=sys.stderr, dynamic_ncols=True)


def with_cores(options: ResearchOptions) -> ResearchOptions:
    """The options with --workers filled in: one worker process per core unless given (the research
    methods called from Python run in one process by default)."""
    from dataclasses import replace

    from sim.run.executor import available_cores

    return replace(options, workers=options.workers or available_cores())

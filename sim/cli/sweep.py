"""`wom sweep` and `wom analyze`: run (or resume) a sweep over parameters (sim.research.sweep.method),
and read its results folder (sim.research.sweep.analysis).

An interrupted sweep exits with 130 after saying how to resume.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import sim.cli.console as wom_cli
from sim.cli.common import reported
from sim.research.options import ResearchOptions


def sweep(
    experiment: Annotated[Path, typer.Argument(help="Experiment TOML file (see docs/research.md).")],
    workers: wom_cli.WorkersOption = None,
    scheduler: wom_cli.SchedulerOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Results folder (default results/<experiment name>).")
    ] = None,
    retry_failed: Annotated[bool, typer.Option(help="Run again the runs recorded as failed.")] = False,
    quiet: wom_cli.QuietOption = False,
) -> None:
    """Run (or resume) a parameter sweep on Dask; results go to results/<name>/ as runs finish."""
    from sim.research.sweep.method import run
    from sim.run.executor import check_scheduler, check_workers

    if workers is not None and scheduler:
        wom_cli.fail("give --workers (local cluster) or --scheduler (existing cluster), not both")
    with reported(out):
        check_workers(workers)
        if scheduler:
            check_scheduler(scheduler)
        options = ResearchOptions(workers=workers, scheduler=scheduler, out=out, progress=not quiet)
        report = run(experiment, options, retry_failed=retry_failed)
    typer.echo(report.summary())
    if report.interrupted:
        raise typer.Exit(wom_cli.EXIT_INTERRUPTED)


def analyze(
    results_dir: Annotated[Path, typer.Argument(help="A sweep's results folder, e.g. results/<name>.")],
) -> None:
    """Per-point means and 90% intervals, Bass fits, heatmaps, Sobol indices -> RESULTS_DIR/analysis/."""
    from sim.research.sweep.analysis import run as run_analysis
    from sim.research.sweep.analysis import write_outputs
    from sim.viz.research_charts import draw_analysis

    with reported():
        result = run_analysis(results_dir)
        files = write_outputs(result, draw_analysis)
    for note in result.notes:
        typer.echo(f"note: {note}")
    typer.echo("wrote " + ", ".join(str(p) for p in files))


def register(app: typer.Typer) -> None:
    """Add sweep and analyze to a Typer app."""
    app.command("sweep")(sweep)
    app.command("analyze")(analyze)

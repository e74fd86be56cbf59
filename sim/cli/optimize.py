"""`wom optimize SPEC`: the best plan for a budget (see docs/research.md, "The best plan for a budget").

`register(app)` adds the command to a Typer app (sim.cli.console loads it lazily). Bad input (the spec,
its keys, a candidate that is not a valid scenario, an output folder that may not be used) prints one
line and exits with status 2 before anything runs; Ctrl-C stops with status 130 and the candidates
evaluated so far stay stored: the same command resumes.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import sim.cli.console as wom_cli
from sim.cli.common import reported
from sim.research.options import ResearchOptions
from sim.run.executor import check_scheduler, check_workers


def optimize(
    spec: Annotated[Path, typer.Argument(help="Optimize spec TOML file (see docs/research.md).")],
    workers: wom_cli.WorkersOption = None,
    scheduler: wom_cli.SchedulerOption = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default results/<spec name>).")
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Start over in an output folder holding an optimize of another spec.")
    ] = False,
    set_: Annotated[
        list[str] | None,
        typer.Option("--set", help="Fix a scenario key for every plan, after the spec's set (repeatable)."),
    ] = None,
    trials: Annotated[
        int | None,
        typer.Option(help="Candidates to search instead of search.trials (search.top is lowered to it)."),
    ] = None,
    quiet: wom_cli.QuietOption = False,
) -> None:
    """Search the spec's plans for the best objective within its budget; re-evaluate the best on fresh seeds."""
    from sim.research.optimize.method import format_ranked, run
    from sim.viz.optimize_charts import draw_optimize

    if workers is not None and scheduler:
        wom_cli.fail("give --workers (local processes) or --scheduler (existing cluster), not both")
    with reported(out):
        check_workers(workers)
        if scheduler:
            check_scheduler(scheduler)
        try:
            options = ResearchOptions(workers=workers, scheduler=scheduler, out=out, force=force, progress=not quiet)
            result = run(spec, options, draw=draw_optimize, overrides=list(set_ or []), trials=trials)
        except KeyboardInterrupt:
            typer.echo("interrupted: the candidates evaluated so far are stored; run the same command to resume")
            raise typer.Exit(wom_cli.EXIT_INTERRUPTED) from None
    typer.echo(format_ranked(result))
    typer.echo(f"wrote {result.out}/ (" + ", ".join(p.name for p in result.files) + ")")


def register(app: typer.Typer) -> None:
    """Add optimize to a Typer app."""
    app.command("optimize")(optimize)

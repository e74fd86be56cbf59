"""`wom value`: what a word-of-mouth program is worth against a baseline without it, split person by person
into acceleration, expansion and loss (sim.research.value.method), written as value.json and value.png."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import sim.cli.console as wom_cli
from sim.cli.common import default_output, progress_bar, reported, scenario_pair, with_cores
from sim.config.errors import InputError
from sim.research.options import ResearchOptions


def value(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file with the program.")],
    baseline_set: Annotated[
        list[str] | None,
        typer.Option(
            "--baseline-set", help="Override a key of the baseline only: the program switched off (repeatable)."
        ),
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a key of both scenario and baseline (repeatable).")
    ] = None,
    brand: Annotated[
        str | None, typer.Option(help="The brand whose value is split (a market of brands; default: the first).")
    ] = None,
    replicates: Annotated[
        int | None, typer.Option("--replicates", "-r", help="Paired replicates (default: run.replicates).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed of the replicates, shared by both runs (default: run.seed).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default results/<name>-value).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="Processes running replicates (default: the machine's cores).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing value output folder.")] = False,
    quiet: wom_cli.QuietOption = False,
) -> None:
    """The program's value in money and people: acceleration, expansion and loss, on the same draws."""
    from sim.research.value import method
    from sim.run.io import check_output
    from sim.viz.value_charts import draw_value

    if not baseline_set:
        wom_cli.fail("give --baseline-set KEY=VALUE (repeatable) to say what the program is compared with")
    with reported(out):
        sc, base = scenario_pair(scenario, None, baseline_set, list(set_ or []), replicates, seed, workers)
        method.focal_brand(sc, base, brand)
        if not method.same_scenario(sc, base):
            method.check_pair(sc, base)
        out = check_output(out or default_output(sc.name, "-value"), method.VALUE_KIND, force)
    options = with_cores(ResearchOptions(replicates, seed, workers, out=out, force=force, progress=not quiet))
    n_runs = 2 * (options.replicates or sc.run.replicates)
    with progress_bar(n_runs, f"{sc.name} value", quiet) as bar:
        try:
            result = method.run(sc, base, options, progress=bar.update, brand=brand)
        except InputError as exc:
            wom_cli.fail(str(exc))
    with reported(out):
        files = method.write_outputs(result, out, force, draw=draw_value)
    typer.echo(result.table())
    typer.echo("wrote " + ", ".join(str(p) for p in files))


def register(app: typer.Typer) -> None:
    """Add value to a Typer app."""
    app.command("value")(value)

"""`wom attribute` and `wom attribute-map`: the Shapley split of the iron triangle for one scenario
against a baseline (sim.research.attribution.method), and across settings of one factor's parameters
(sim.research.attribution.map, written as map.csv, map.png and summary.txt).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import sim.cli.console as wom_cli
from sim.cli.common import default_output, progress_bar, reported, scenario_pair, with_cores
from sim.config.errors import InputError
from sim.research.options import ResearchOptions

#: `--brand NAME` of `wom attribute`: whose levers the factors switch in a market of brands.
BrandOption = Annotated[
    str | None,
    typer.Option(
        help="In a market of brands: switch this brand's levers (brands.<name>.engine, .advertising, ...) and "
        "attribute its final share and owners too (default: every brand's levers, the category's adoption).",
    ),
]

if TYPE_CHECKING:
    from sim.config.schema import Scenario
    from sim.research.attribution.method import Attribution


def _scenario_and_baseline(
    scenario: Path,
    baseline: Path | None,
    baseline_set: list[str],
    overrides: list[str],
    replicates: int | None,
    seed: int | None,
    workers: int | None,
    brand: str | None = None,
) -> tuple[Scenario, Scenario]:
    """The scenario and its baseline (`scenario_pair`), then the attribution's own checks before any work:
    --brand names a brand of the market, and some factor differs between the two."""
    from sim.research.attribution.method import check_brand, check_factors_differ

    sc, base = scenario_pair(scenario, baseline, baseline_set, overrides, replicates, seed, workers)
    check_brand(sc, base, brand)
    check_factors_differ(sc, base, brand)  # before the output folder is claimed
    return sc, base


def _echo_attribution(result: Attribution, files: list[Path]) -> None:
    """Print the attribution table, a note on baseline sections no factor covers, and the files written."""
    typer.echo(result.table())
    if result.ignored_differences:
        typer.echo(
            f"note: the baseline's {', '.join(result.ignored_differences)} section(s) differ but are not "
            "part of any factor; the scenario's were used"
        )
    typer.echo("wrote " + ", ".join(str(p) for p in files))


def _run_attribution(
    sc: Scenario,
    base: Scenario,
    options: ResearchOptions,
    metrics: tuple[str, ...],
    brand: str | None = None,
) -> Attribution:
    """Run every combination under a progress bar; a problem found while running is bad input (exit 2)."""
    from sim.research.attribution.method import all_combinations, run

    n_rep = options.replicates or sc.run.replicates
    with progress_bar(len(all_combinations()) * n_rep, f"{sc.name} attribution", not options.progress) as bar:
        try:
            return run(sc, base, with_cores(options), progress=bar.update, metrics=metrics, brand=brand)
        except InputError as exc:
            wom_cli.fail(str(exc))


def attribute(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file to explain.")],
    baseline: Annotated[
        Path | None,
        typer.Option(help="Baseline scenario TOML (default: the scenario itself, changed by --baseline-set)."),
    ] = None,
    baseline_set: Annotated[
        list[str] | None, typer.Option("--baseline-set", help="Override a key of the baseline only (repeatable).")
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a key of both scenario and baseline (repeatable).")
    ] = None,
    replicates: Annotated[
        int | None, typer.Option("--replicates", "-r", help="Replicates per combination (default: run.replicates).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed of the replicates, shared by all combinations (default: run.seed).")
    ] = None,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default results/<name>-attribution).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="Processes running replicates (default: the machine's cores).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing output folder.")] = False,
    quiet: wom_cli.QuietOption = False,
    metric: Annotated[
        list[str] | None,
        typer.Option(
            "--metric",
            help="Attribute this metric too (repeatable): lifetime_adoption, repeat_buyers, adoption_gen<g> "
            "(product generations).",
        ),
    ] = None,
    brand: BrandOption = None,
) -> None:
    """Shapley attribution of final adoption and time to 50% to engine, accelerator and relationship chain."""
    from sim.research.attribution.method import ATTRIBUTION_KIND, write_outputs
    from sim.run.io import check_output
    from sim.viz.research_charts import draw_attribution

    if baseline is None and not baseline_set:
        wom_cli.fail("give --baseline FILE and/or --baseline-set KEY=VALUE to say what the factors are compared with")
    with reported(out):
        sc, base = _scenario_and_baseline(
            scenario, baseline, baseline_set or [], list(set_ or []), replicates, seed, workers, brand
        )
        out = check_output(out or default_output(sc.name, "-attribution"), ATTRIBUTION_KIND, force)
    options = ResearchOptions(replicates, seed, workers, out=out, force=force, progress=not quiet)
    result = _run_attribution(sc, base, options, tuple(metric or ()), brand)
    with reported(out):
        files = write_outputs(result, out, force, draw=draw_attribution)
    _echo_attribution(result, files)


def attribute_map(
    spec: Annotated[Path, typer.Argument(help="Map spec TOML (e.g. experiments/maps/relationship_chain.toml).")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default results/<spec name>).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="Processes running replicates (default: the machine's cores).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing output folder.")] = False,
    quiet: wom_cli.QuietOption = False,
) -> None:
    """Shapley attribution at every point of a grid and of lines of one factor's parameters: where does
    that factor outweigh another?"""
    import time

    from sim.research.attribution.map import MAP_KIND, load_spec, map_runs, run, summary, write_outputs
    from sim.run.executor import check_workers
    from sim.run.io import check_output
    from sim.viz.map_charts import plot_attribution_map

    with reported(out):
        check_workers(workers)
        map_spec = load_spec(spec)
        out = check_output(out or default_output(map_spec.name), MAP_KIND, force)
    started = time.perf_counter()
    with progress_bar(map_runs(map_spec), f"{map_spec.name}", quiet) as bar, reported(out):
        table = run(map_spec, spec.resolve().parent, with_cores(ResearchOptions(workers=workers)), progress=bar.update)
    text = summary(map_spec, table) + f"\n  ({map_runs(map_spec)} runs in {time.perf_counter() - started:.0f} s)"
    with reported(out):
        files = write_outputs(map_spec, table, text, out, force, draw=plot_attribution_map)
    typer.echo(text)
    typer.echo("wrote " + ", ".join(str(p) for p in files))


def register(app: typer.Typer) -> None:
    """Add attribute and attribute-map to a Typer app."""
    app.command("attribute")(attribute)
    app.command("attribute-map")(attribute_map)

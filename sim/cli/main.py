"""The `wom` command line.

Typer gives typed options, --help and shell completion for free; tqdm draws the progress bar.
Bad scenarios exit with status 2 before anything is written.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Annotated

import typer

from sim.cli.console import EXIT_BAD_INPUT, fail  # noqa: F401  (EXIT_BAD_INPUT re-exported)
from sim.config.errors import ScenarioError
from sim.config.scenario import load_scenario

app = typer.Typer(
    add_completion=False,
    no_args_is_help=True,
    help="Word-of-mouth diffusion simulator: the iron triangle and the participation 3x3 rule.",
)


@app.command()
def run(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output directory (default results/<scenario name>).")
    ] = None,
    seed: Annotated[int | None, typer.Option(help="Master seed (default: run.seed).")] = None,
    replicates: Annotated[
        int | None, typer.Option("--replicates", "-r", help="Replicates (default: run.replicates).")
    ] = None,
    set_: Annotated[
        list[str] | None, typer.Option("--set", help="Override a key: --set engine.quality=0.9 (repeatable).")
    ] = None,
    workers: Annotated[
        int | None,
        typer.Option("--workers", "-w", help="Processes running replicates (default: the machine's cores)."),
    ] = None,
    force: Annotated[
        bool, typer.Option(help="Replace an existing output directory (only an empty one or a previous run).")
    ] = False,
    quiet: Annotated[bool, typer.Option(help="No progress bar.")] = False,
) -> None:
    """Run a scenario and write timeseries.csv, summary.json and charts."""
    from tqdm import tqdm

    import sim.viz.charts
    from sim.cli.research import default_output, reported, run_options
    from sim.run.executor import available_cores, check_workers
    from sim.run.io import check_output
    from sim.run.runner import RUN_KIND, run_scenario, write_run

    with reported():
        check_workers(workers)
        sc = run_options(load_scenario(scenario, list(set_ or [])), replicates, seed)
        out = check_output(out or default_output(sc.name), RUN_KIND, force)
        n_rep = sc.run.replicates
        with tqdm(
            total=n_rep * sc.run.n_steps,
            unit="step",
            desc=f"{sc.name} x{n_rep}",
            disable=quiet,
            file=sys.stderr,
            dynamic_ncols=True,
        ) as bar:
            result = run_scenario(sc, progress=bar.update, workers=workers or available_cores())
        path = write_run(result, out, force=force, draw=sim.viz.charts.draw_run)
    m = result.summary["metrics"]["mean"]
    typer.echo(plain_summary(sc.name, m, n_rep))
    typer.echo(f"wrote {path}/ (timeseries.csv, summary.json, adoption.png, funnel.png, channels.png)")


def plain_summary(name: str, m: dict, replicates: int) -> str:
    """A few plain sentences on the run's outcome."""

    def fmt_days(x):
        return "never" if x is None else f"day {x:.0f}"

    lines = [
        f"{name}: {replicates} replicate(s)",
        f"  final adoption {100 * (m['final_adoption'] or 0):.1f}% of the population; "
        f"10% reached {fmt_days(m['time_to_10pct'])}, 50% reached {fmt_days(m['time_to_50pct'])}",
        f"  fans {100 * (m['fan_share'] or 0):.1f}% and detractors {100 * (m['detractor_share'] or 0):.1f}% of adopters",
    ]
    if m.get("bass_p") is not None:
        lines.append(f"  fitted Bass p = {m['bass_p']:.4f}, q = {m['bass_q']:.3f} (R^2 {m['bass_r2']:.3f})")
    return "\n".join(lines)


@app.command()
def validate(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file.")],
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a key (repeatable).")] = None,
) -> None:
    """Check a scenario file and print the resolved scenario as JSON."""
    try:
        sc = load_scenario(scenario, list(set_ or []))
    except ScenarioError as exc:
        fail(str(exc))
    typer.echo(sc.model_dump_json(indent=2))


def _register_commands() -> None:
    """Commands that live beside their concern: research tools, experiments, the app and the report."""
    from sim.cli import claims as cli_experiment
    from sim.cli import present as cli_present
    from sim.cli import research as cli_research

    cli_research.register(app)
    cli_experiment.register(app)
    cli_present.register(app)


_register_commands()


def main() -> None:
    """Entry point of the `wom` console script."""
    app()


if __name__ == "__main__":
    main()

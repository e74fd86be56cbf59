"""The `wom` command line.

Typer gives typed options and --help; tqdm draws the progress bar. Every command runs inside one error
boundary (sim.cli.console.WomGroup): bad input is one line and exit 2, environment faults one line and
exit 1, Ctrl-C exit 130, never a traceback. Start-up is kept light: this module imports Typer and the
light parts of sim.config only; each command imports what it needs inside its function, and the
commands defined in other modules are loaded only when called (console.LAZY_COMMANDS).
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from sim.cli.console import QuietOption, WomGroup, run_app

if TYPE_CHECKING:
    from sim.config.schema import Scenario

app = typer.Typer(
    cls=WomGroup,
    add_completion=False,
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
    help="Word-of-mouth diffusion simulator: the iron triangle and the participation 3x3 rule.",
)


def _version(value: bool) -> None:
    """--version: the project's version and, in a git checkout, its commit."""
    if value:
        from sim.config.version import version_info

        info = version_info()
        commit = f" (commit {info['commit']})" if info["commit"] else ""
        typer.echo(f"wom-sim {info['version']}{commit}")
        raise typer.Exit()


@app.callback()
def _wom(
    version: Annotated[
        bool, typer.Option("--version", callback=_version, is_eager=True, help="Show the version and exit.")
    ] = False,
) -> None:
    """Word-of-mouth diffusion simulator: the iron triangle and the participation 3x3 rule."""


def runnable_scenario(path: Path | str, overrides: list[str] | tuple[str, ...] = ()) -> Scenario:
    """The scenario of `wom run`: a shipped name (`wom scenarios`) or a path, validated, and refused
    (exit 2, with the estimate) when this machine cannot hold it (sim.config.memory.check_memory)."""
    from sim.config.memory import check_memory
    from sim.config.scenario import load_scenario

    scenario = load_scenario(path, overrides)
    check_memory(scenario, 1, str(path))
    return scenario


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
    quiet: QuietOption = False,
) -> None:
    """Run a scenario and write timeseries.csv, summary.json and charts."""
    import sim.viz.charts
    from sim.cli.common import default_output, progress_bar, reported, run_options
    from sim.run.executor import available_cores, check_workers
    from sim.run.io import check_output
    from sim.run.runner import RUN_KIND, run_scenario, write_run

    with reported(out):
        check_workers(workers)
        sc = run_options(runnable_scenario(scenario, list(set_ or [])), replicates, seed)
        out = check_output(out or default_output(sc.name), RUN_KIND, force)
        n_rep = sc.run.replicates
        with progress_bar(n_rep * sc.run.n_steps, f"{sc.name} x{n_rep}", quiet, unit="step") as bar:
            result = run_scenario(sc, progress=bar.update, workers=workers or available_cores())
        path = write_run(result, out, force=force, draw=sim.viz.charts.draw_run)
    m = result.summary["metrics"]["mean"]
    typer.echo(plain_summary(sc.name, m, n_rep))
    charts = [name for name in sim.viz.charts.RUN_CHARTS if (path / name).exists()]
    typer.echo(f"wrote {path}/ ({', '.join(['timeseries.csv', 'summary.json', *charts])})")


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
    if m.get("lifetime_adoption") is not None:  # product generations
        per_gen = ", ".join(f"{100 * m[k]:.1f}%" for k in m if k.startswith("adoption_gen"))
        lines.append(
            f"  lifetime adoption {m['lifetime_adoption']:.2f} purchases per person (by generation: {per_gen} "
            f"of the population); repeat buyers {100 * m['repeat_buyers']:.1f}% of adopters"
        )
    if m.get("npv") is not None:  # money books (a margin above 0)
        lines.append(f"  net present value {m['npv']:,.0f} (discounted margins minus discounted spend)")
    return "\n".join(lines)


@app.command()
def validate(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file, or the name of a shipped scenario.")],
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a key (repeatable).")] = None,
) -> None:
    """Check a scenario file and print the resolved scenario as JSON (and its memory estimate on stderr)."""
    from sim.config.memory import memory_note
    from sim.config.scenario import load_scenario

    sc = load_scenario(scenario, list(set_ or []))
    typer.echo(sc.model_dump_json(indent=2))
    typer.echo(f"note: {memory_note(sc, 1)}", err=True)


@app.command()
def scenarios(
    copy: Annotated[
        Path | None,
        typer.Option(help="Copy the shipped scenarios, experiments and example data into this new folder."),
    ] = None,
) -> None:
    """List the shipped scenarios (usable by name: wom run miui) and example data, with what each is."""
    from sim.config.shipped import copy_shipped, example_files, shipped_scenarios

    if copy is not None:
        typer.echo(f"copied the shipped files to {copy_shipped(copy)}/")
        return
    rows = shipped_scenarios()
    width = max(len(name) for name in rows)
    typer.echo("Shipped scenarios (wom run NAME, or a path to your own file):")
    for name, (_path, description) in rows.items():
        typer.echo(f"  {name:<{width}}  {description}")
    typer.echo("Example data (wom scenarios --copy DIR puts them in DIR):")
    for path in example_files():
        typer.echo(f"  {path.name}")


def main() -> None:
    """Entry point of the `wom` console script (see sim.cli.entry for the start-up guard)."""
    run_app(app)


if __name__ == "__main__":
    main()

"""`wom experiment`: run the sources' claims (TOML files in experiments/claims/, see docs/experiments.md).

`register(app)` adds the command to a Typer app (sim/cli/main.py does so for `wom`). Bad input (a file, a
key, an arm's scenario, an existing output without --force) prints one error and exits with status 2
before anything runs; every file of a directory is checked before the first one runs. Whether a claim
holds is a finding, not an error: the exit status is 0 either way.
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

import sim.cli.console as wom_cli
from sim.cli.common import reported
from sim.research.claims.method import CLAIM_KIND, ClaimResult, default_out_dir, plan_replicates, run
from sim.research.claims.spec import ClaimError, arm_scenarios, claim_files, load_spec, point_label
from sim.research.claims.stats import DEFAULT_POWER
from sim.research.options import ResearchOptions
from sim.run.io import check_output

#: Fewest replicates a claim may run (its tests compare replicates).
MIN_REPLICATES = 2


def _out_dirs(files: list[Path], out: Path | None, ci: bool, directory: bool) -> list[Path]:
    """Output folder of each file: --out itself for one file, --out/<name> for a directory of files."""
    dirs = []
    for path in files:
        spec = load_spec(path)
        if out is None:
            dirs.append(default_out_dir(spec, ci))
        elif directory:
            dirs.append(out / default_out_dir(spec, ci).name)
        else:
            dirs.append(out)
    return dirs


def report(result: ClaimResult) -> str:
    """A few lines: the claim, the verdict, and each claimed comparison."""
    lines = [f"{result.spec.name}: {result.summary}", f"  claim: {result.spec.claim}"]
    for c in result.comparisons:
        mark = "*" if c.claimed else " "
        lines.append(
            f"  {mark} {c.description} at {point_label(c.point)}: estimate {c.estimate:.4g}, "
            f"p = {c.p_value:.3g}, Holm {c.p_holm:.3g} ({c.test}, n = {c.n}) -> {c.verdict}"
        )
    if result.out_dir is not None:
        lines.append(f"  wrote {result.out_dir}/ (comparison.png, table.md, table.csv, comparisons.csv, verdict.json)")
    return "\n".join(lines)


def _check_options(replicates: int | None, seed: int | None, workers: int) -> None:
    """--replicates, --seed and --workers within their ranges, else one error line and exit 2."""
    if replicates is not None and replicates < MIN_REPLICATES:
        wom_cli.fail(f"--replicates must be >= {MIN_REPLICATES} (the tests compare replicates)")
    if seed is not None and seed < 0:
        wom_cli.fail("--seed must be >= 0")
    if workers < 1:
        wom_cli.fail("--workers must be >= 1")


def _checked_claims(path: Path, out: Path | None, ci: bool) -> tuple[list[Path], list[Path]]:
    """The claim files of PATH and their output folders, every file and every arm's scenario checked
    before anything runs."""
    try:
        files = claim_files(path)
        for file in files:
            arm_scenarios(load_spec(file), file, ci)
        return files, _out_dirs(files, out, ci, path.is_dir())
    except ClaimError as exc:
        wom_cli.fail(str(exc))


def _plan(files: list[Path], ci: bool, workers: int, quiet: bool) -> None:
    """--plan: run each file's pilot and print the replicates each test needs for the planned power."""
    for file in files:
        try:
            table = plan_replicates(file, ci=ci, workers=workers, progress=not quiet)
        except ClaimError as exc:
            wom_cli.fail(str(exc))
        typer.echo(f"{file}: power {DEFAULT_POWER:g}, pilot seed {load_spec(file).pilot_seed}")
        typer.echo(table.to_string(index=False))


def claims_command(
    path: Annotated[Path, typer.Argument(help="Experiment TOML file, or a directory: every *.toml in it.")],
    ci: Annotated[bool, typer.Option("--ci", help="Small CI settings (ci_set, ci_replicates, ci_conditions).")] = False,
    out: Annotated[
        Path | None,
        typer.Option(
            "--out",
            "-o",
            help="Output folder (default results/experiments/<name>); "
            "for a directory, the parent of one folder per experiment.",
        ),
    ] = None,
    replicates: Annotated[int | None, typer.Option("--replicates", "-r", help="Replicates per arm and point.")] = None,
    seed: Annotated[int | None, typer.Option(help="Master seed (default: the file's).")] = None,
    workers: Annotated[int, typer.Option("--workers", "-w", help="Worker processes.")] = 1,
    force: Annotated[bool, typer.Option(help="Overwrite existing output folders.")] = False,
    quiet: wom_cli.QuietOption = False,
    plan: Annotated[
        bool,
        typer.Option(
            "--plan",
            help="Power calculation only: run the pilot (pilot_seed) and print the replicates each test needs.",
        ),
    ] = False,
) -> None:
    """Run one experiment (or all in a directory): charts, tables and a verdict per claim."""
    from sim.viz.research_charts import draw_claim

    _check_options(replicates, seed, workers)
    files, dirs = _checked_claims(path, out, ci)
    if plan:
        _plan(files, ci, workers, quiet)
        return
    with reported(out):
        for out_dir in dirs:
            check_output(out_dir, CLAIM_KIND, force)
    for file, out_dir in zip(files, dirs):
        try:
            options = ResearchOptions(replicates, seed, workers, out=out_dir, force=force, progress=not quiet)
            result = run(file, options, ci=ci, draw=draw_claim)
        except ClaimError as exc:
            wom_cli.fail(str(exc))
        typer.echo(report(result))


def register(app: typer.Typer) -> None:
    """Add `experiment` to a Typer app."""
    app.command("experiment")(claims_command)


if __name__ == "__main__":
    standalone = typer.Typer(add_completion=False)
    register(standalone)
    standalone()

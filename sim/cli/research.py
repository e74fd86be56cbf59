"""The research commands of `wom`: sweep, analyze, attribute, fit-bass, calibrate.

`register(app)` adds them to a Typer app (sim/cli/main.py does so for `wom`); `python -m sim.cli.research`
runs them on their own. Bad input (files, keys, options) prints one error and exits with status 2,
like `wom run`; an interrupted sweep exits with 130 after saying how to resume.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated

import typer

import sim.cli.console as wom_cli  # `fail` and EXIT_BAD_INPUT
from sim.cli.maps import attribute_map
from sim.config.errors import InputError
from sim.config.scenario import load_scenario
from sim.config.schema import Scenario
from sim.run.executor import available_cores, check_workers
from sim.run.io import check_output, check_output_file, output_name

#: Where attribution and calibration outputs go by default.
RESULTS_ROOT = Path("results")


def _fail(message: str) -> None:
    """Print an error and exit with the bad-input status (sim.cli.console.fail)."""
    wom_cli.fail(message)


def _bar(total: int, desc: str, quiet: bool, unit: str = "run"):
    """A tqdm progress bar on stderr."""
    from tqdm import tqdm

    return tqdm(total=total, desc=desc, unit=unit, disable=quiet, file=sys.stderr, dynamic_ncols=True)


def reported(out: object = None):
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


def default_output(name: str, suffix: str = "") -> Path:
    """RESULTS_ROOT / <name><suffix>, with `name` checked to be a plain file name (never a path)."""
    return RESULTS_ROOT / (output_name(name, "scenario name") + suffix)


# ==================================================================================================
# wom sweep
# ==================================================================================================
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
    from sim.research.sweep import run_sweep
    from sim.run.executor import check_scheduler

    if workers is not None and scheduler:
        _fail("give --workers (local cluster) or --scheduler (existing cluster), not both")
    with reported(out):
        check_workers(workers)
        if scheduler:
            check_scheduler(scheduler)
        report = run_sweep(
            experiment, out, workers=workers, scheduler=scheduler, retry_failed=retry_failed, progress=not quiet
        )
    typer.echo(report.summary())
    if report.interrupted:
        raise typer.Exit(wom_cli.EXIT_INTERRUPTED)


# ==================================================================================================
# wom analyze
# ==================================================================================================
def analyze(
    results_dir: Annotated[Path, typer.Argument(help="A sweep's results folder, e.g. results/<name>.")],
) -> None:
    """Per-point means and 90% intervals, Bass fits, heatmaps, Sobol indices -> RESULTS_DIR/analysis/."""
    from sim.research.analysis import analyze as run_analysis
    from sim.research.analysis import write_analysis
    from sim.viz.research_charts import draw_analysis

    with reported():
        result = run_analysis(results_dir)
        files = write_analysis(result, draw_analysis)
    for note in result.notes:
        typer.echo(f"note: {note}")
    typer.echo("wrote " + ", ".join(str(p) for p in files))


# ==================================================================================================
# wom attribute
# ==================================================================================================
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
) -> None:
    """Shapley attribution of final adoption and time to 50% to engine, accelerator and relationship chain."""
    from sim.research.attribution import ATTRIBUTION_KIND, all_combinations, write_attribution
    from sim.research.attribution import attribute as run_attribution
    from sim.viz.research_charts import draw_attribution

    if baseline is None and not baseline_set:
        _fail("give --baseline FILE and/or --baseline-set KEY=VALUE to say what the factors are compared with")
    with reported(out):
        sc = load_scenario(scenario, list(set_ or []))
        run_options(sc, replicates, seed)  # the file's limits, before any work
        check_workers(workers)
        base = load_scenario(baseline or scenario, [*(set_ or []), *(baseline_set or [])])
        out = check_output(out or default_output(sc.name, "-attribution"), ATTRIBUTION_KIND, force)
    if baseline is None:
        base = base.model_copy(update={"name": f"{sc.name} with {', '.join(baseline_set)}"})
    n_rep = replicates or sc.run.replicates
    with _bar(len(all_combinations()) * n_rep, f"{sc.name} attribution", quiet) as bar:
        try:
            result = run_attribution(
                sc,
                base,
                replicates,
                seed,
                progress=bar.update,
                workers=check_workers(workers) or available_cores(),
                metrics=metric or (),
            )
        except InputError as exc:
            _fail(str(exc))
    with reported(out):
        files = write_attribution(result, out, force, draw=draw_attribution)
    typer.echo(result.table())
    if result.ignored_differences:
        typer.echo(
            f"note: the baseline's {', '.join(result.ignored_differences)} section(s) differ but are not "
            "part of any factor; the scenario's were used"
        )
    typer.echo("wrote " + ", ".join(str(p) for p in files))


# ==================================================================================================
# wom fit-bass
# ==================================================================================================
def fit_bass_command(
    series: Annotated[Path, typer.Argument(help="CSV with a time column and adopted_total or new_adopters.")],
    json_: Annotated[bool, typer.Option("--json", help="Print a JSON object (p, q, m, p_se, q_se, m_se, r2).")] = False,
    force: Annotated[bool, typer.Option(help="Replace an existing chart SERIES.fit.png.")] = False,
) -> None:
    """Fit Bass p, q, m (with standard errors) to an adoption series; chart SERIES.fit.png beside it.

    A series the Bass model cannot describe (no adoption, R^2 < 0, p or q on its bound) is reported as
    not identified, with the reason, and its values are null.
    """
    from sim.research.calibrate import fit_chart_path, fit_series, load_series, not_identified
    from sim.run.metrics import to_jsonable
    from sim.viz.research_charts import plot_bass_fit

    with reported():
        data = load_series(series)
        chart_path = check_output_file(fit_chart_path(series), force, option="chart")
        fit = fit_series(data)
        reason = not_identified(data, fit)
        values = fit.as_dict() | {"identified": reason is None, "reason": reason}
        if reason is not None:
            values |= {k: None for k in ("p", "q", "m", "p_se", "q_se", "m_se")}
        chart = plot_bass_fit(data, fit, chart_path, reason)
    if json_:
        typer.echo(json.dumps(to_jsonable(values)))
        typer.echo(f"wrote {chart}", err=True)
        return
    typer.echo(f"Bass fit of {series} ({data.column}, {fit.n_points} periods, fitted on per-period increments)")
    if reason is not None:
        typer.echo(f"  not identified: {reason}")
    else:
        for name in ("p", "q", "m"):
            typer.echo(f"  {name} = {values[name]:.6g}   (standard error {values[name + '_se']:.3g})")
        typer.echo(f"  R^2 of the cumulative curve = {fit.r2:.4f}")
    typer.echo(f"wrote {chart}")


# ==================================================================================================
# wom calibrate
# ==================================================================================================
def calibrate_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file to calibrate.")],
    target: Annotated[Path, typer.Option(help="Target series CSV (time and adopted_total or new_adopters).")],
    vary: Annotated[list[str], typer.Option(help="A key and its search range KEY=LO:HI (repeatable).")],
    set_: Annotated[list[str] | None, typer.Option("--set", help="Override a key (repeatable).")] = None,
    replicates: Annotated[
        int | None, typer.Option("--replicates", "-r", help="Replicates per evaluation (default: run.replicates).")
    ] = None,
    seed: Annotated[
        int | None, typer.Option(help="Seed of the replicates, shared by all evaluations (default: run.seed).")
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option("--out", "-o", help="Calibrated scenario TOML (default results/<name>-calibrated.toml)."),
    ] = None,
    max_evals: Annotated[
        int | None, typer.Option(help="Most candidate values simulated (default 48 per --vary key).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="Processes running replicates (default: the machine's cores).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing output file.")] = False,
    quiet: wom_cli.QuietOption = False,
    method: Annotated[
        str,
        typer.Option(help="'de': best values by differential evolution; 'abc': a posterior by ABC-SMC."),
    ] = "de",
    market: Annotated[
        float | None, typer.Option(help="People in the market the population stands for (scales targets and seeds).")
    ] = None,
    hold_out: Annotated[
        list[float] | None, typer.Option("--hold-out", help="A target time (days) left out of the fit and predicted.")
    ] = None,
    particles: Annotated[int, typer.Option(help="ABC-SMC particles per generation.")] = 40,
    generations: Annotated[int, typer.Option(help="ABC-SMC generations.")] = 4,
    scheduler: Annotated[str | None, typer.Option(help="Dask scheduler address for the simulations (abc).")] = None,
) -> None:
    """Find the values of the --vary keys whose simulated mean adoption best matches a target series
    (--method de), or their posterior distribution given the series (--method abc)."""
    if method not in ("de", "abc"):
        _fail(f"--method {method!r}: allowed: de, abc")
    if method == "abc" or market is not None or hold_out:
        from sim.cli.calibration import abc_command

        abc_command(
            scenario,
            target,
            vary,
            list(set_ or []),
            replicates,
            seed,
            out,
            max_evals,
            workers,
            force,
            quiet,
            market,
            list(hold_out or []),
            particles,
            generations,
            scheduler,
            method,
        )
        return
    from sim.research.calibrate import (
        calibrate,
        default_max_evals,
        load_series,
        parse_vary,
        write_calibrated_scenario,
    )
    from sim.viz.research_charts import plot_calibration

    if max_evals is not None and max_evals < 1:
        _fail("--max-evals must be >= 1")
    overrides = list(set_ or [])
    with reported(out):
        sc = load_scenario(scenario, overrides)
        run_options(sc, replicates, seed)  # the file's limits, before any work
        check_workers(workers)
        data = load_series(target)
        varies = [parse_vary(v) for v in vary]
        out = check_output_file(out or default_output(sc.name, "-calibrated.toml"), force)
        check_output_file(out.with_suffix(".png"), force, option="chart")
    budget = default_max_evals(len(varies)) if max_evals is None else max_evals
    with _bar(budget, f"calibrating {sc.name}", quiet, unit="eval") as bar:
        try:
            result = calibrate(
                sc,
                data,
                varies,
                replicates,
                seed,
                max_evals,
                progress=bar.update,
                workers=check_workers(workers) or available_cores(),
            )
        except InputError as exc:
            _fail(str(exc))
    with reported(out):
        written = write_calibrated_scenario(scenario, overrides, result, out, force)
        chart = plot_calibration(result, out.with_suffix(".png"), sc.name)
    typer.echo(f"calibrated {sc.name} against {target} ({data.column}) in {result.evaluations} evaluations:")
    for key, value in result.values.items():
        bounds = next(v for v in varies if v.key == key)
        typer.echo(f"  {key} = {value:.6g}   (searched {bounds.low:g} .. {bounds.high:g})")
    typer.echo(f"  RMSE = {result.rmse:.4g} people ({result.relative_rmse:.2%} of the target's maximum)")
    typer.echo(f"wrote {written}, {chart}")


# ==================================================================================================
# Registration
# ==================================================================================================
def register(app: typer.Typer) -> None:
    """Add sweep, analyze, attribute, fit-bass and calibrate to a Typer app."""
    app.command("sweep")(sweep)
    app.command("analyze")(analyze)
    app.command("attribute")(attribute)
    app.command("attribute-map")(attribute_map)
    app.command("fit-bass")(fit_bass_command)
    app.command("calibrate")(calibrate_command)


def main() -> None:
    """Run the research commands on their own: python -m sim.cli.research COMMAND ..."""
    app = typer.Typer(add_completion=False, no_args_is_help=True, help="wom research commands.")
    register(app)
    app()


if __name__ == "__main__":
    main()

"""`wom fit-bass` and `wom calibrate`: Bass p, q, m of an observed series (sim.research.calibrate.bass),
and the values of scenario keys that match it, by differential evolution (--method de,
sim.research.calibrate.bass) or as an ABC-SMC posterior (--method abc, sim.research.calibrate.abc).

--method abc writes a folder (default results/calibration/<name>): posterior.csv, predictions.csv,
summary.json, posterior.png and fit.png. Bad input is one line and exit 2, before any simulation: the
checks are the research methods' own (sim.research.calibrate.bass.check_problem, parse_varies,
search_budget, output_paths; abc.AbcSettings and scale_to_market), so Python callers get the same.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

import sim.cli.console as wom_cli
from sim.cli.common import RESULTS_ROOT, default_output, progress_bar, reported, run_options, with_cores
from sim.config.errors import InputError
from sim.research.options import ResearchOptions

if TYPE_CHECKING:
    from sim.config.schema import Scenario
    from sim.research.calibrate.abc import AbcSettings, Posterior
    from sim.research.calibrate.bass import Vary
    from sim.research.calibrate.targets import Targets

#: Default parent folder of ABC outputs: results/calibration/<scenario name>.
ABC_RESULTS = RESULTS_ROOT / "calibration"
#: The calibration methods of --method.
METHODS = ("de", "abc")


def fit_bass_command(
    series: Annotated[Path, typer.Argument(help="CSV with a time column and adopted_total or new_adopters.")],
    json_: Annotated[bool, typer.Option("--json", help="Print a JSON object (p, q, m, p_se, q_se, m_se, r2).")] = False,
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="The chart, a .png (default results/<series name>.fit.png).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Replace an existing chart.")] = False,
) -> None:
    """Fit Bass p, q, m (with standard errors) to an adoption series; chart it in results/ (or --out).

    A series the Bass model cannot describe (no adoption, R^2 < 0, p or q on its bound) is reported as
    not identified, with the reason, and its values are null.
    """
    from sim.research.calibrate.bass import fit_chart_path, fit_series, load_series, not_identified
    from sim.run.io import check_output_file
    from sim.run.metrics import to_jsonable
    from sim.viz.research_charts import plot_bass_fit

    with reported(out):
        data = load_series(series)
        chart_path = check_output_file(fit_chart_path(series, out, RESULTS_ROOT), force, option="chart")
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


@dataclass(frozen=True)
class CalibrationInputs:
    """What `wom calibrate` fits: the scenario file with its --set overrides, the target series file,
    the --vary keys and ranges, and the most candidate values simulated (None: the method's default)."""

    scenario: Path
    target: Path
    vary: list[str]
    overrides: list[str]
    max_evals: int | None


@dataclass(frozen=True)
class AbcChoices:
    """The options only --method abc reads: the market size, the held-out times, particles, generations."""

    market: float | None
    hold_out: list[float]
    particles: int
    generations: int


def calibrate_command(
    scenario: Annotated[Path, typer.Argument(help="Scenario TOML file to calibrate.")],
    target: Annotated[
        Path,
        typer.Option(
            help="Target series CSV: time and adopted_total or new_adopters; with --method abc also several "
            "cumulative columns adopted_total_<brand> (empty cells: not observed)."
        ),
    ],
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
    if method not in METHODS:
        wom_cli.fail(f"--method {method!r}: allowed: {', '.join(METHODS)}")
    problem = CalibrationInputs(scenario, target, vary, list(set_ or []), max_evals)
    options = ResearchOptions(replicates, seed, workers, scheduler, out, force, progress=not quiet)
    if method == "abc" or market is not None or hold_out:
        if method != "abc":
            wom_cli.fail("--market and --hold-out need --method abc")
        _calibrate_abc(problem, options, AbcChoices(market, list(hold_out or []), particles, generations))
    else:
        _calibrate_de(problem, options)


def _calibrate_de(inputs: CalibrationInputs, options: ResearchOptions) -> None:
    """--method de: search the ranges by differential evolution; write the calibrated scenario and its chart."""
    from sim.config.scenario import load_scenario
    from sim.research.calibrate.bass import (
        check_problem,
        load_series,
        output_paths,
        parse_varies,
        run,
        search_budget,
        write_outputs,
    )
    from sim.run.executor import check_workers
    from sim.run.io import check_output_file
    from sim.viz.research_charts import plot_calibration

    out = options.out
    with reported(out):
        sc = load_scenario(inputs.scenario, inputs.overrides)
        run_options(sc, options.replicates, options.seed)  # the file's limits, before any work
        check_workers(options.workers)
        data = load_series(inputs.target)
        varies = parse_varies(inputs.vary, inputs.overrides)
        check_problem(sc, data, varies)
        budget = search_budget(len(varies), inputs.max_evals)
        out, chart_path = output_paths(out or default_output(sc.name, "-calibrated.toml"))
        check_output_file(out, options.force)
        check_output_file(chart_path, options.force, option="chart")
    with progress_bar(budget, f"calibrating {sc.name}", not options.progress, unit="eval") as bar:
        try:
            result = run(sc, data, varies, with_cores(options), inputs.max_evals, progress=bar.update)
        except InputError as exc:
            wom_cli.fail(str(exc))
    with reported(out):
        written = write_outputs(inputs.scenario, inputs.overrides, result, out, options.force)
        chart = plot_calibration(result, chart_path, sc.name)
    typer.echo(f"calibrated {sc.name} against {inputs.target} ({data.column}) in {result.evaluations} evaluations:")
    for key, value in result.values.items():
        bounds = next(v for v in varies if v.key == key)
        typer.echo(f"  {key} = {value:.6g}   (searched {bounds.low:g} .. {bounds.high:g})")
    typer.echo(f"  RMSE = {result.rmse:.4g} people ({result.relative_rmse:.2%} of the target's maximum)")
    typer.echo(f"wrote {written}, {chart}")


@dataclass(frozen=True)
class AbcProblem:
    """An ABC calibration checked before any simulation: the scenario (scaled to the market, if given),
    the target series (in simulated people), the --vary ranges, the settings, the market note and
    scale (real people per simulated one), and the output folder."""

    scenario: Scenario
    target: Targets
    varies: list[Vary]
    settings: AbcSettings
    note: str
    scale: float
    out: Path


def _abc_problem(inputs: CalibrationInputs, options: ResearchOptions, choices: AbcChoices) -> AbcProblem:
    """Load and check everything --method abc reads (the research module's checks), or fail in one line."""
    from sim.config.scenario import load_scenario
    from sim.research.calibrate.abc import ABC_KIND, DELAY_KEY, AbcSettings, Market, scale_targets
    from sim.research.calibrate.bass import parse_varies
    from sim.research.calibrate.targets import check_targets, load_targets
    from sim.run.executor import check_workers
    from sim.run.io import check_output

    out = options.out
    with reported(out):
        sc = run_options(load_scenario(inputs.scenario, inputs.overrides), options.replicates, options.seed)
        check_workers(options.workers)
        settings = AbcSettings(
            choices.particles,
            choices.generations,
            replicates=options.replicates or 1,
            seed=sc.run.seed,
            max_evals=inputs.max_evals,
        )
        data = load_targets(inputs.target)
        varies = parse_varies(inputs.vary, inputs.overrides)
        note, scale = "", 1.0
        if choices.market is not None:
            market = Market(choices.market, sc.population.size)
            sc, data, note = scale_targets(sc, data, market)
            scale = market.scale
        check_targets(sc, data, varies, choices.hold_out, pseudo_keys=(DELAY_KEY,))
        out = out or ABC_RESULTS / sc.name
        check_output(out, ABC_KIND, options.force)
    return AbcProblem(sc, data, varies, settings, note, scale, out)


def _calibrate_abc(inputs: CalibrationInputs, options: ResearchOptions, choices: AbcChoices) -> None:
    """--method abc: run ABC-SMC and write its folder; print the posterior summary and the held-out predictions."""
    from sim.research.calibrate.abc import run, write_outputs
    from sim.viz.calibration_charts import plot_posterior, plot_posterior_fit

    problem = _abc_problem(inputs, options, choices)
    sc, settings = problem.scenario, problem.settings
    with progress_bar(settings.budget, f"ABC-SMC {sc.name}", not options.progress, unit="sim") as bar:
        try:
            posterior = run(
                sc,
                problem.target,
                problem.varies,
                settings,
                with_cores(options),
                choices.hold_out,
                progress=bar.update,
                note=problem.note,
                scale=problem.scale,
            )
        except InputError as exc:
            wom_cli.fail(str(exc))

    def draw(post, folder: Path) -> list[Path]:
        return [
            plot_posterior(post, folder / "posterior.png", sc.name),
            plot_posterior_fit(post, folder / "fit.png", sc.name),
        ]

    chosen = {"market": choices.market, "hold_out": choices.hold_out}
    with reported(problem.out):
        written = write_outputs(posterior, problem.out, settings, chosen, options.force, draw)
    _print_posterior(posterior, sc.name, inputs.target)
    typer.echo(f"wrote {written}/ (posterior.csv, predictions.csv, summary.json, posterior.png, fit.png)")


def _print_posterior(posterior: Posterior, name: str, target: Path) -> None:
    """The posterior summary per key and the predictions per target row; a run stopped early on its
    budget says so first."""
    typer.echo(
        f"ABC-SMC posterior of {name} against {target}: {posterior.evaluations} simulations, {posterior.message}"
    )
    if posterior.stopped_early:
        typer.echo(
            f"  STOPPED EARLY on its budget: {posterior.generations} generations; raise --max-evals for the rest"
        )
    if posterior.note:
        typer.echo(f"  market: {posterior.note}")
    for key, s in posterior.summary().items():
        typer.echo(
            f"  {key}: mean {s['mean']:.4g}, median {s['median']:.4g}, 90% interval {s['lo']:.4g} .. {s['hi']:.4g}"
        )
    for row in posterior.predictions().itertuples():
        typer.echo(
            f"  {row.series} day {row.time:g} ({row.role}): observed {row.observed:.4g}, predicted median {row.median:.4g} "
            f"(90% {row.lo:.4g} .. {row.hi:.4g})"
        )


def register(app: typer.Typer) -> None:
    """Add fit-bass and calibrate to a Typer app."""
    app.command("fit-bass")(fit_bass_command)
    app.command("calibrate")(calibrate_command)

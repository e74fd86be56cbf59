"""`wom calibrate --method abc`: a posterior of several scenario keys by ABC-SMC (sim.research.calibrate_abc).

Writes a folder (default results/calibration/<name>): posterior.csv, predictions.csv, summary.json,
posterior.png and fit.png. Bad input (a key, a range, more --vary keys than fitted data points, a
--hold-out time not in the data, a market smaller than the population) is one line and exit 2.
"""

from __future__ import annotations

from pathlib import Path

import typer

import sim.cli.console as wom_cli
from sim.config.errors import InputError
from sim.config.scenario import load_scenario
from sim.run.executor import available_cores, check_workers

#: Default parent folder of ABC outputs: results/calibration/<scenario name>.
ABC_RESULTS = Path("results") / "calibration"


def abc_command(
    scenario: Path,
    target: Path,
    vary: list[str],
    overrides: list[str],
    replicates: int | None,
    seed: int | None,
    out: Path | None,
    max_evals: int | None,
    workers: int | None,
    force: bool,
    quiet: bool,
    market: float | None,
    hold_out: list[float],
    particles: int,
    generations: int,
    scheduler: str | None,
    method: str,
) -> None:
    """Run ABC-SMC and write its folder; print the posterior summary and the held-out predictions."""
    from tqdm import tqdm

    from sim.cli.research import reported, run_options
    from sim.research.calibrate import load_series, parse_vary
    from sim.research.calibrate_abc import (
        ABC_KIND,
        AbcSettings,
        Market,
        abc_smc,
        check_problem,
        scale_to_market,
        write_posterior,
    )
    from sim.run.io import check_output
    from sim.viz.calibration_charts import plot_posterior, plot_posterior_fit

    if method != "abc":
        wom_cli.fail("--market and --hold-out need --method abc")
    if particles < 4:
        wom_cli.fail("--particles must be >= 4")
    if generations < 1:
        wom_cli.fail("--generations must be >= 1")
    with reported(out):
        sc = run_options(load_scenario(scenario, overrides), replicates, seed)
        check_workers(workers)
        data = load_series(target)
        varies = [parse_vary(v) for v in vary]
        check_problem(data, varies, hold_out)
        note = ""
        scale = 1.0
        if market is not None:
            m = Market(market, sc.population.size)
            sc, data, note = scale_to_market(sc, data, m)
            scale = m.scale
        out = out or ABC_RESULTS / sc.name
        check_output(out, ABC_KIND, force)
    settings = AbcSettings(particles, generations, replicates=replicates or 1, seed=sc.run.seed, max_evals=max_evals)
    with tqdm(total=settings.budget, desc=f"ABC-SMC {sc.name}", unit="sim", disable=quiet) as bar:
        try:
            posterior = abc_smc(
                sc,
                data,
                varies,
                settings,
                hold_out,
                workers or available_cores(),
                scheduler,
                progress=bar.update,
                note=note,
                scale=scale,
            )
        except InputError as exc:
            wom_cli.fail(str(exc))

    def draw(post, folder: Path) -> list[Path]:
        return [
            plot_posterior(post, folder / "posterior.png", sc.name),
            plot_posterior_fit(post, folder / "fit.png", sc.name),
        ]

    with reported(out):
        written = write_posterior(posterior, out, settings, {"market": market, "hold_out": hold_out}, force, draw)
    typer.echo(
        f"ABC-SMC posterior of {sc.name} against {target}: {posterior.evaluations} simulations, {posterior.message}"
    )
    if note:
        typer.echo(f"  market: {note}")
    for key, s in posterior.summary().items():
        typer.echo(
            f"  {key}: mean {s['mean']:.4g}, median {s['median']:.4g}, 90% interval {s['lo']:.4g} .. {s['hi']:.4g}"
        )
    for row in posterior.predictions().itertuples():
        typer.echo(
            f"  day {row.time:g} ({row.role}): observed {row.observed:.4g}, predicted median {row.median:.4g} "
            f"(90% {row.lo:.4g} .. {row.hi:.4g})"
        )
    typer.echo(f"wrote {written}/ (posterior.csv, predictions.csv, summary.json, posterior.png, fit.png)")

"""`wom attribute-map SPEC`: the Shapley split of the iron triangle across settings of one factor's
parameters (sim.research.attribution_map), written as map.csv, map.png and summary.txt.

Registered with the research commands (sim.cli.research.register).
"""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from sim.cli.console import QuietOption
from sim.run.executor import available_cores, check_workers
from sim.run.io import check_output


def attribute_map(
    spec: Annotated[Path, typer.Argument(help="Map spec TOML (e.g. experiments/maps/relationship_chain.toml).")],
    out: Annotated[
        Path | None, typer.Option("--out", "-o", help="Output folder (default results/<spec name>).")
    ] = None,
    workers: Annotated[
        int | None, typer.Option("--workers", "-w", help="Processes running replicates (default: the machine's cores).")
    ] = None,
    force: Annotated[bool, typer.Option(help="Overwrite an existing output folder.")] = False,
    quiet: QuietOption = False,
) -> None:
    """Shapley attribution at every point of a grid and of lines of one factor's parameters: where does
    that factor outweigh another?"""
    import time

    from sim.cli.research import _bar, default_output, reported
    from sim.research.attribution_map import MAP_FILE, MAP_KIND, attribution_map, load_map_spec, map_runs, summary
    from sim.run.io import atomic_directory
    from sim.viz.map_charts import plot_attribution_map

    with reported(out):
        check_workers(workers)
        map_spec = load_map_spec(spec)
        out = check_output(out or default_output(map_spec.name), MAP_KIND, force)
    started = time.perf_counter()
    with _bar(map_runs(map_spec), f"{map_spec.name}", quiet) as bar, reported(out):
        table = attribution_map(
            map_spec, spec.resolve().parent, check_workers(workers) or available_cores(), progress=bar.update
        )
    text = summary(map_spec, table) + f"\n  ({map_runs(map_spec)} runs in {time.perf_counter() - started:.0f} s)"
    with reported(out), atomic_directory(out, MAP_KIND, force) as tmp:
        table.to_csv(tmp / MAP_FILE, index=False, float_format="%.6g")
        plot_attribution_map(map_spec, table, tmp / "map.png")
        (tmp / "summary.txt").write_text(text + "\n", encoding="utf-8")
    typer.echo(text)
    typer.echo(f"wrote {out / MAP_FILE}, {out / 'map.png'}, {out / 'summary.txt'}")

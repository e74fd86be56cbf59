"""The research commands of `wom`, one module per research method: sweep and analyze (sim.cli.sweep),
attribute and attribute-map (sim.cli.attribution), fit-bass and calibrate (sim.cli.calibrate).

`python -m sim.cli.research COMMAND ...` runs them on their own. Bad input (files, keys, options) prints
one error and exits with status 2, like `wom run`; an interrupted sweep exits with 130 after saying how
to resume.
"""

from __future__ import annotations

import typer

import sim.cli.attribution
import sim.cli.calibrate
import sim.cli.sweep


def register(app: typer.Typer) -> None:
    """Add sweep, analyze, attribute, attribute-map, fit-bass and calibrate to a Typer app."""
    sim.cli.sweep.register(app)
    sim.cli.attribution.register(app)
    sim.cli.calibrate.register(app)


def main() -> None:
    """Run the research commands on their own: python -m sim.cli.research COMMAND ..."""
    app = typer.Typer(add_completion=False, no_args_is_help=True, help="wom research commands.")
    register(app)
    app()


if __name__ == "__main__":
    main()

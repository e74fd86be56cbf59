"""What every `wom` command shares: bad input ends with a message on stderr and exit status 2."""

from __future__ import annotations

import typer

#: Exit status for bad input (scenario files, overrides, existing outputs).
EXIT_BAD_INPUT = 2


def fail(message: str) -> None:
    """Print an error and exit with the bad-input status."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(EXIT_BAD_INPUT)

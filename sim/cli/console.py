"""The one error boundary of every `wom` command, and the option limits they share.

`WomGroup` is the Click group behind the `wom` Typer app: every command runs inside `boundary()`, so

| what happened | printed (one line on stderr) | exit |
|---|---|---|
| bad input: `InputError` (incl. `ScenarioError`, `OutputError`), a Click usage error | `error: ...` | 2 |
| environment fault: `EnvironmentFault`, `OSError` (read-only, disk full, missing dir, permission) | `error: <path>: <reason>` | 1 |
| `MemoryError` | `error: out of memory ...` | 1 |
| Ctrl-C (`KeyboardInterrupt`) at any moment, start-up imports included | nothing | 130 |
| anything else (a bug) | `error: internal error (<type>: ...); set WOM_DEBUG=1 ...` | 1 |

No traceback is ever printed unless `WOM_DEBUG=1` is set. Commands are loaded lazily (`LAZY_COMMANDS`):
`wom --help` and `wom --version` import only Typer and this package's light modules.
"""

from __future__ import annotations

import importlib
import os
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Annotated, Any, NoReturn

import typer
from typer.core import TyperGroup

from sim.config.errors import EnvironmentFault, InputError, os_error_text
from sim.config.limits import MAX_REPLICATES, MAX_SEED

#: Exit status for bad input (scenario files, overrides, options, existing outputs).
EXIT_BAD_INPUT = 2
#: Exit status for faults of the environment (disk, memory, network) and internal errors.
EXIT_FAULT = 1
#: Exit status after Ctrl-C (128 + SIGINT).
EXIT_INTERRUPTED = 130
#: Environment variable that shows tracebacks of unexpected errors (for reporting a bug).
DEBUG_ENV = "WOM_DEBUG"
#: Most worker processes any command may start.
MAX_WORKERS = 1024
#: Options several commands share, declared once: local worker processes, an existing Dask
#: scheduler, and no progress bar.
WorkersOption = Annotated[
    int | None, typer.Option("--workers", "-w", help="Local worker processes (default: one per core).")
]
SchedulerOption = Annotated[
    str | None, typer.Option(help="Address of an existing Dask scheduler, e.g. tcp://10.0.0.5:8786.")
]
QuietOption = Annotated[bool, typer.Option(help="No progress bar.")]

#: Ranges of integer options shared by the commands (the same limits as the scenario file).
OPTION_RANGES: dict[str, tuple[int, int]] = {
    "replicates": (1, MAX_REPLICATES),
    "seed": (0, MAX_SEED),
    "workers": (1, MAX_WORKERS),
    "max_evals": (1, 1_000_000),
    "port": (0, 65_535),  # 0 = any free port (wom app)
}
#: The options by which commands name their output (named in an error when a write fails).
OUTPUT_OPTIONS = ("--out", "-o")
#: Commands defined outside sim.cli.main: name -> (module with `register(app)`, one-line help for --help).
LAZY_COMMANDS: dict[str, tuple[str, str]] = {
    "sweep": ("sim.cli.sweep", "Run (or resume) a parameter sweep on Dask."),
    "analyze": ("sim.cli.sweep", "Per-point means, Bass fits, heatmaps and Sobol indices of a sweep."),
    "attribute": ("sim.cli.attribution", "Shapley attribution to engine, accelerator and relationship chain."),
    "attribute-map": ("sim.cli.attribution", "Shapley attribution across a grid of one factor's parameters."),
    "value": ("sim.cli.value", "What a program is worth: acceleration, expansion and loss against a baseline."),
    "fit-bass": ("sim.cli.calibrate", "Fit Bass p, q, m (with standard errors) to an adoption series."),
    "calibrate": ("sim.cli.calibrate", "Find the values of keys that best match a target series."),
    "optimize": ("sim.cli.optimize", "The best plan for a budget: search, re-check on fresh seeds, charts."),
    "experiment": ("sim.cli.claims", "Run the sources' claims as experiments: charts, tables, verdicts."),
    "app": ("sim.cli.present", "Interactive page: watch the model spread and change its levers."),
    "report": ("sim.cli.present", "One self-contained HTML report comparing runs or sweeps."),
}


def fail(message: str, code: int = EXIT_BAD_INPUT) -> NoReturn:
    """Print one error line (or a few for a scenario's list of problems) and exit with `code`."""
    typer.echo(f"error: {message}", err=True)
    raise typer.Exit(code)


def _say(message: str) -> None:
    """An error on stderr that never raises (stderr may be closed or broken)."""
    try:
        typer.echo(f"error: {message}", err=True)
    except Exception:  # noqa: BLE001  (nothing more can be said)
        pass


@contextmanager
def boundary(output: str | None = None) -> Iterator[None]:
    """Run a command and turn every exception into one line and an exit status (see the module doc).

    `output` is the command's --out, named when a write fails without saying where (a full disk is
    reported by the write that no longer fits, which knows no path)."""
    try:
        yield
    except (typer.Exit, typer.Abort, typer.TyperException, SystemExit):
        raise
    except KeyboardInterrupt:
        raise typer.Exit(EXIT_INTERRUPTED) from None
    except InputError as exc:
        _debug()
        _say(str(exc))
        raise typer.Exit(EXIT_BAD_INPUT) from None
    except EnvironmentFault as exc:
        _debug()
        _say(str(exc))
        raise typer.Exit(EXIT_FAULT) from None
    except OSError as exc:
        _debug()
        text = os_error_text(exc)
        if exc.filename is None:
            where = output if output is not None else "the output folder"
            text = f"{where}: {text.removeprefix(f'[Errno {exc.errno}] ')} (while writing)"
        _say(text)
        raise typer.Exit(EXIT_FAULT) from None
    except MemoryError:
        _debug()
        _say("out of memory; lower population.size or the number of workers (see 'wom validate' for an estimate)")
        raise typer.Exit(EXIT_FAULT) from None
    except Exception as exc:  # noqa: BLE001  (the boundary: a bug must still end in one line)
        _debug()
        text = str(exc).splitlines()[0][:200] if str(exc) else ""
        _say(
            f"internal error ({type(exc).__name__}: {text}); please report it with the command you ran "
            f"(set {DEBUG_ENV}=1 to see the traceback)"
        )
        raise typer.Exit(EXIT_FAULT) from None


def _debug() -> None:
    """Print the traceback of the exception being handled when WOM_DEBUG=1."""
    if os.environ.get(DEBUG_ENV) == "1":
        traceback.print_exc()


def bound_options(command: Any) -> Any:
    """Give the command's integer options their shared ranges (OPTION_RANGES): out of range is a usage
    error (exit 2) before the command starts, like a value out of range in a scenario file."""
    for param in getattr(command, "params", ()):
        limits = OPTION_RANGES.get(param.name or "")
        descriptor = getattr(param, "type_descriptor", None)
        info = getattr(descriptor, "parameter_info", None)
        if (
            limits
            and info is not None
            and int in (descriptor.annotation, *getattr(descriptor.annotation, "__args__", ()))
        ):
            if info.min != limits[0] or info.max != limits[1]:
                info.min, info.max = limits
                param._runtime_param = None  # rebuilt with the range on next use
    return command


class WomGroup(TyperGroup):
    """The `wom` group: lazy commands, bounded options, and `boundary()` around every invocation."""

    _lazy_loaded: set[str]

    def list_commands(self, ctx: Any) -> list[str]:
        """Commands in the order they were defined, the lazy ones after the eager ones."""
        eager = super().list_commands(ctx)
        return eager + [name for name in LAZY_COMMANDS if name not in eager]

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        """The command, importing its module on first use (only the one asked for)."""
        command = super().get_command(ctx, cmd_name)
        if command is None and cmd_name in LAZY_COMMANDS:
            command = self._load(cmd_name)
        return bound_options(command) if command is not None else None

    def _load(self, cmd_name: str) -> Any:
        """Import the module that registers `cmd_name` and take its Click command."""
        module = importlib.import_module(LAZY_COMMANDS[cmd_name][0])
        sub = typer.Typer(add_completion=False, rich_markup_mode=None, pretty_exceptions_enable=False)
        module.register(sub)
        group = typer.main.get_command(sub)
        commands = getattr(group, "commands", None) or {cmd_name: group}  # one command: Typer gives it alone
        for name, command in commands.items():
            self.commands.setdefault(name, command)
        return self.commands.get(cmd_name)

    def format_commands(self, ctx: Any, formatter: Any) -> None:
        """The command list of --help, without importing the lazy commands (their help is in LAZY_COMMANDS)."""
        rows = []
        for name in self.list_commands(ctx):
            command = super().get_command(ctx, name)
            if command is not None:
                if command.hidden:
                    continue
                rows.append((name, command.get_short_help_str(limit=80)))
            else:
                rows.append((name, LAZY_COMMANDS[name][1]))
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def invoke(self, ctx: Any) -> Any:
        """Run the chosen command inside the error boundary."""
        with boundary(_option_value([*ctx._protected_args, *ctx.args], OUTPUT_OPTIONS)):
            return super().invoke(ctx)


def _option_value(args: list[str], names: tuple[str, ...]) -> str | None:
    """The value given to one of the options `names` on a command line (`--out X` or `--out=X`)."""
    for i, arg in enumerate(args):
        if arg in names and i + 1 < len(args):
            return args[i + 1]
        for name in names:
            if name.startswith("--") and arg.startswith(name + "="):
                return arg.split("=", 1)[1]
    return None


def run_app(app: Callable[[], object]) -> None:
    """Run a Typer app as the console script does (Typer's standalone mode turns usage errors into exit 2
    and Ctrl-C into exit 130); a Ctrl-C outside a command (while exiting) is also exit 130, quietly."""
    try:
        app()
    except KeyboardInterrupt:
        sys.exit(EXIT_INTERRUPTED)

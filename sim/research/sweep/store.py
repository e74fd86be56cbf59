"""The results folder of a sweep: layout, run files written atomically, reading them back, the lock.

Layout of ``results/<name>/``::

    experiment.toml     copy of the sweep spec (latest invocation)
    sweep.json          seed, base scenario, counts, package versions and code version (git commit)
    design.parquet      one row per point: point, then one column per parameter
    runs/               run-PPPPP-RRR.parquet: one row per run (see RUN_META_COLUMNS, parameters, metrics)
    runs/corrupt/       run files that could not be read, moved aside (their runs are run again)
    timeseries/         run-PPPPP-RRR.parquet: the run's per-step series (finished runs only)

Every file is written through sim.run.io (a temporary sibling renamed into place), so readers never
see a partial file. Read the results with ``pandas.read_parquet("results/<name>/runs")`` or `read_runs`.
"""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pandas as pd

from sim.config.arguments import check_folder, check_strings
from sim.config.errors import InputError
from sim.config.version import version_info
from sim.research.sweep.spec import SweepSpec, SweepSpecError
from sim.run.io import (
    MARKER,
    OutputError,
    atomic_file,
    clean_stale,
    inside_output,
    lock_output,
    output_name,
    unlock_output,
)

#: Where `wom sweep` writes unless --out is given: RESULTS_ROOT / <sweep name>.
RESULTS_ROOT = Path("results")
#: The copy of the sweep spec in the results folder (its file name is kept: folders written before read it).
SPEC_COPY = "experiment.toml"
MANIFEST_FILE = "sweep.json"
DESIGN_FILE = "design.parquet"
RUNS_DIR = "runs"
TIMESERIES_DIR = "timeseries"
PARQUET_SUFFIX = ".parquet"
#: Characters of a commit hash shown in messages.
SHORT_COMMIT = 7
#: Where unreadable run files are moved (outside runs/ and timeseries/, which are read as datasets).
CORRUPT_DIR = "corrupt"
#: Output kind of a sweep folder (sim.run.io markers).
SWEEP_KIND = "sweep"

# --- Runs -----------------------------------------------------------------------------------------
STATUS_OK = "ok"
STATUS_ERROR = "error"
#: Columns of a run row before the parameters and the metrics, in file order.
RUN_META_COLUMNS = (
    "run_id",
    "point",
    "replicate",
    "status",
    "error",
    "traceback",
    "seed_entropy",
    "seed_spawn_key",
    "population",
    "days",
)
#: Columns put in front of each run's time series.
TIMESERIES_KEY_COLUMNS = ("run_id", "point", "replicate")

# ==================================================================================================
# The results folder
# ==================================================================================================


def default_out_dir(spec: SweepSpec) -> Path:
    """results/<sweep name> (the name is checked to be a plain file name)."""
    return RESULTS_ROOT / output_name(spec.name, "sweep name")


def run_file(results_dir: Path, subdir: str, rid: str) -> Path:
    """Path of a run's file in runs/ or timeseries/: run-00003-001.parquet."""
    return Path(results_dir) / subdir / f"run-{rid}{PARQUET_SUFFIX}"


def _write_parquet(frame: pd.DataFrame, path: Path, root: Path) -> None:
    """Atomic Parquet write of a frame without its index.

    Written through pyarrow without pandas' schema metadata and column statistics: for one-row files
    these are most of the bytes (about 14 kB down to 5 kB per run), and the dataset reads the same.
    """
    import pyarrow as pa
    import pyarrow.parquet as pq

    table = pa.Table.from_pandas(frame, preserve_index=False).replace_schema_metadata(None)
    with atomic_file(path, force=True, clean=False, root=root) as tmp:
        pq.write_table(table, tmp, write_statistics=False)


def _write_text(text: str, path: Path, root: Path) -> None:
    """Atomic text write of a file of the sweep folder `root` (never through a symlink: `inside_output`)."""
    with atomic_file(path, force=True, clean=False, root=root) as tmp:
        tmp.write_text(text, encoding="utf-8")


def code_version() -> dict:
    """The git commit of the simulator's checkout and whether it had uncommitted changes
    (sim.config.version.version_info), stored in sweep.json so that results can be traced to the model
    that made them; None values outside a git checkout."""
    commit = version_info()["commit"]
    if commit is None:
        return {"commit": None, "dirty": None}
    return {"commit": commit.removesuffix("+dirty"), "dirty": commit.endswith("+dirty")}


def check_same_sweep(plan: Any, new: dict, results_dir: Path) -> list[str]:
    """Refuse to resume into a folder written by a different sweep (other seed, base scenario or design).

    `new` is this invocation's manifest. Replicates and the description may change: raising
    `replicates` adds runs and keeps the old ones. A new config section with its defaults counts as a
    changed base scenario. Returns notes for the user, e.g. that the simulator's code changed since
    the sweep started.
    """
    manifest_path = results_dir / MANIFEST_FILE
    if not manifest_path.is_file():
        if results_dir.exists() and any(results_dir.iterdir()):
            raise SweepSpecError(
                f"{results_dir} exists and is not a sweep folder (no {MANIFEST_FILE}); use --out to write elsewhere"
            )
        return []
    stored = json.loads(manifest_path.read_text(encoding="utf-8"))
    changed = [key for key in ("seed", "base_scenario") if stored.get(key) != new[key]]
    stored_design = read_design(results_dir)
    if list(stored_design.columns) != list(plan.design.columns) or stored_design.to_dict("list") != plan.design.to_dict(
        "list"
    ):
        changed.append("design")
    if changed:
        raise SweepSpecError(
            f"{results_dir} holds a different sweep ({', '.join(changed)} changed since it was started); "
            "resuming would mix results. Use --out for a new folder, or delete the old one."
        )
    if stored.get("code") != new["code"]:
        return [
            f"the simulator's code differs from the last invocation ({_describe_code(stored.get('code'))} -> "
            f"{_describe_code(new['code'])}): runs written before and after may not be comparable"
        ]
    return []


def _describe_code(code: dict | None) -> str:
    """'d5e6a6a' or 'd5e6a6a+changes' or 'unknown'."""
    if not code or not code.get("commit"):
        return "unknown"
    return code["commit"][:SHORT_COMMIT] + ("+changes" if code.get("dirty") else "")


def check_stored_folders(results_dir: Path) -> None:
    """Refuse (OutputError, exit 2) a sweep folder whose runs/, timeseries/ or corrupt/ is a symlink (or
    lies below one): stored runs are read and written only inside the folder (`sim.run.io.inside_output`)."""
    for sub in (RUNS_DIR, TIMESERIES_DIR, CORRUPT_DIR):
        inside_output(results_dir, results_dir / sub, "sweep folder")


def write_sweep_folder(plan: Any, results_dir: Path, manifest: dict) -> None:
    """Write experiment.toml, sweep.json (`manifest`) and design.parquet,
    and create runs/ and timeseries/."""
    check_stored_folders(results_dir)
    for sub in (RUNS_DIR, TIMESERIES_DIR):
        (results_dir / sub).mkdir(parents=True, exist_ok=True)
    _write_text(plan.source.read_text(encoding="utf-8"), results_dir / SPEC_COPY, results_dir)
    _write_parquet(plan.design.reset_index(), results_dir / DESIGN_FILE, results_dir)
    _write_text(json.dumps(manifest, indent=2) + "\n", results_dir / MANIFEST_FILE, results_dir)
    _write_text(SWEEP_KIND + "\n", results_dir / MARKER, results_dir)


def remove_stale_tmp(results_dir: Path) -> None:
    """Delete temporary files left by a killed process (they were never renamed into place)."""
    check_stored_folders(results_dir)
    for sub in (RUNS_DIR, TIMESERIES_DIR):
        clean_stale(results_dir / sub)


def _readable(path: Path) -> bool:
    """Whether a Parquet file's footer can be read (a truncated or garbled file cannot)."""
    import pyarrow.parquet as pq

    try:
        pq.read_metadata(path)
    except (OSError, ValueError):  # pyarrow's ArrowInvalid is a ValueError
        return False
    return True


def corrupt_files(results_dir: str | Path) -> list[Path]:
    """Run files in runs/ and timeseries/ that cannot be read, in name order."""
    results_dir = Path(results_dir)
    files = [
        f for sub in (RUNS_DIR, TIMESERIES_DIR) for f in sorted((results_dir / sub).glob(f"run-*{PARQUET_SUFFIX}"))
    ]
    return [f for f in files if not _readable(f)]


def quarantine_corrupt(results_dir: Path) -> list[str]:
    """Move unreadable run files (and the other file of the same run) to corrupt/, so the run is
    run again; returns a note naming each moved file."""
    notes = []
    for bad in corrupt_files(results_dir):
        for sub in (RUNS_DIR, TIMESERIES_DIR):
            path = results_dir / sub / bad.name
            if path.exists():
                dest = results_dir / CORRUPT_DIR / sub / path.name
                dest.parent.mkdir(parents=True, exist_ok=True)
                os.replace(path, dest)
        notes.append(f"{bad}: unreadable run file moved to {results_dir / CORRUPT_DIR}/; its run is run again")
    return notes

    return True


@contextmanager
def sweep_lock(results_dir: Path) -> Iterator[None]:
    """Hold the folder's lock while running, so two processes never run the same sweep at once: the one
    output lock of `sim.run.io` (an flock the kernel releases when its holder ends, even after kill -9,
    so a killed sweep's folder is resumed without removing anything by hand)."""
    try:
        lock_output(results_dir)
    except OutputError as exc:
        raise SweepSpecError(str(exc)) from None
    try:
        yield
    finally:
        unlock_output(results_dir)


def write_outcome(results_dir: Path, outcome: Any, parameters: dict[str, Any]) -> None:
    """Write a finished run: its time series first, then its row (the row marks the run as done)."""
    row = outcome.row
    rid = row["run_id"]
    ts_path = run_file(results_dir, TIMESERIES_DIR, rid)
    if outcome.timeseries is not None:
        _write_parquet(outcome.timeseries, ts_path, results_dir)
    else:
        ts_path.unlink(missing_ok=True)  # from an earlier attempt killed before its row was written
    metrics = {k: v for k, v in row.items() if k not in RUN_META_COLUMNS}
    ordered = {k: row[k] for k in RUN_META_COLUMNS} | parameters | metrics
    _write_parquet(pd.DataFrame([ordered]), run_file(results_dir, RUNS_DIR, rid), results_dir)


def _readable_runs(directory: Path) -> list[str]:
    """The readable run files of runs/ or timeseries/ (unreadable ones are named by `corrupt_files`)."""
    if not directory.is_dir():
        return []
    return [str(f) for f in sorted(directory.glob(f"run-*{PARQUET_SUFFIX}")) if _readable(f)]


def check_sweep_folder(results_dir: Any, columns: Any) -> Path:
    """The arguments of `read_runs` and `read_timeseries`: an existing sweep folder (with its manifest) and
    None or a list of column names; else TypeError (a wrong type) or InputError, naming the argument."""
    folder = check_folder("results_dir", results_dir)
    if not (folder / MANIFEST_FILE).is_file():
        raise InputError(
            f"results_dir {folder}: not a sweep results folder (no {MANIFEST_FILE}); run `wom sweep` first"
        )
    if columns is not None:
        check_strings("columns", columns, "column names")
    return folder


def read_runs(results_dir: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """All run rows of a sweep (one per run, sorted by point and replicate); empty if none yet."""
    files = _readable_runs(check_sweep_folder(results_dir, columns) / RUNS_DIR)
    if not files:
        return pd.DataFrame(columns=columns or list(RUN_META_COLUMNS))
    frame = _read_parquet(files, columns)
    order = [c for c in ("point", "replicate") if c in frame.columns]
    return frame.sort_values(order).reset_index(drop=True) if order else frame


def read_timeseries(results_dir: str | Path, columns: list[str] | None = None) -> pd.DataFrame:
    """The per-step series of every finished run, with run_id, point and replicate columns."""
    files = _readable_runs(check_sweep_folder(results_dir, columns) / TIMESERIES_DIR)
    if not files:
        return pd.DataFrame(columns=columns or list(TIMESERIES_KEY_COLUMNS))
    return _read_parquet(files, columns)


def _read_parquet(files: list[str], columns: list[str] | None) -> pd.DataFrame:
    """The rows of `files` (only `columns`, if given); a column the files lack is an InputError naming it."""
    if columns is not None:
        import pyarrow.parquet as pq  # pandas' parquet engine, needed only to list a file's columns

        have = pq.read_schema(files[0]).names
        missing = [c for c in columns if c not in have]
        if missing:
            raise InputError(f"columns: no column {missing[0]!r} in the sweep; allowed: {', '.join(have)}")
    return pd.read_parquet(files, columns=columns)


def read_design(results_dir: str | Path) -> pd.DataFrame:
    """The stored design, indexed by point."""
    return pd.read_parquet(Path(results_dir) / DESIGN_FILE).set_index("point")


def existing_statuses(results_dir: Path) -> dict[str, str]:
    """run_id -> status of every run already written."""
    runs = read_runs(results_dir, columns=["run_id", "status"])
    return dict(zip(runs["run_id"], runs["status"]))


def pending_specs(specs: list, statuses: dict[str, str], retry_failed: bool) -> list:
    """Runs still to do: those without a row, plus the failed ones when retry_failed."""
    return [s for s in specs if s.run_id not in statuses or (retry_failed and statuses[s.run_id] == STATUS_ERROR)]

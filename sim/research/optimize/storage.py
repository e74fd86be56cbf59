"""Where `wom optimize` stores its work: the output folder (its manifest and marker), one JSON file per
evaluated candidate (trials/) and per re-evaluated plan (checks/, sim.research.optimize.method).

A stored record is trusted only when it has this search's shape (read_trial): anything else, however it
got there, runs again. A plan's decisions are stored with encode_params, so a never-day (inf), which JSON
cannot hold, survives the round trip.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
from pathlib import Path
from typing import Any

import numpy as np

from sim.config.errors import EnvironmentFault, os_reason
from sim.config.toml import toml_value
from sim.research.optimize.spec import DecisionRange, OptimizeSpec, OptimizeSpecError
from sim.run.io import MARKER, OutputError, inside_output, is_output_of, lock_output, output_name, write_text
from sim.run.metrics import OBJECTIVES

#: Output kind of an optimize folder (sim.run.io markers).
OPTIMIZE_KIND = "optimize"
#: The spec and base scenario the folder's stored candidates belong to.
MANIFEST_FILE = "optimize.json"
#: Folder of the stored candidates of the search, one JSON file each.
TRIALS_DIR = "trials"
#: Metrics every stored replicate holds (the objective metrics and the day money ran out).
METRICS_STORED = (*OBJECTIVES, "out_of_money_day")
#: Where optimize outputs go by default.
RESULTS_ROOT = Path("results")


def default_out_dir(spec: OptimizeSpec) -> Path:
    """results/<spec name>."""
    return RESULTS_ROOT / output_name(spec.name, "spec name")


def manifest(spec: OptimizeSpec, base_data: dict) -> dict:
    """What the stored candidates depend on: the spec (as validated) and the base scenario's table."""
    data = {"spec": spec.model_dump(mode="json"), "base_scenario": base_data}
    digest = hashlib.sha256(json.dumps(data, sort_keys=True, default=str).encode()).hexdigest()
    return {"kind": OPTIMIZE_KIND, "digest": digest, **data}


def prepare_out(out: Path, spec: OptimizeSpec, base_data: dict, force: bool) -> bool:
    """Make the output folder ready; True when it holds candidates of this same spec to resume.

    A folder of another optimize spec is replaced only with --force; a folder that is not an optimize
    output (and not empty) is never touched. Raises OptimizeSpecError (exit 2) or EnvironmentFault (exit 1).
    """
    new = manifest(spec, base_data)
    try:
        lock_output(out)  # a second optimize on this folder is refused at once (sim.run.io)
    except OutputError as exc:
        raise OptimizeSpecError(str(exc)) from None
    for stored in (TRIALS_DIR, "checks"):  # stored candidates are never read or written through a symlink
        inside_output(out, out / stored, "optimize folder")
    if out.exists() and not out.is_dir():
        raise OptimizeSpecError(f"--out {out}: is a file; optimize writes a folder")
    if out.is_dir() and any(out.iterdir()):
        if not is_output_of(out, OPTIMIZE_KIND):
            raise OptimizeSpecError(f"--out {out}: exists and is not an optimize output of this tool (choose another)")
        try:
            old = json.loads((out / MANIFEST_FILE).read_text(encoding="utf-8"))
        except (OSError, ValueError):
            old = {}
        if old.get("digest") == new["digest"]:
            return True
        if not force:
            raise OptimizeSpecError(
                f"--out {out}: holds an optimize of another spec or base scenario; use --force to start over"
            )
        _clear(out)
    try:
        (out / TRIALS_DIR).mkdir(parents=True, exist_ok=True)
        (out / MARKER).write_text(OPTIMIZE_KIND + "\n", encoding="utf-8")
        write_text(out / MANIFEST_FILE, json.dumps(new, indent=2, default=str) + "\n", force=True)
    except OSError as exc:
        raise EnvironmentFault(f"--out {out}: cannot write: {os_reason(exc)}") from None
    return False


#: What an optimize writes in its folder (charts from sim.viz.optimize_charts); `--force` removes only these.
OWN_ENTRIES = (
    TRIALS_DIR, "checks", MANIFEST_FILE, "ranked.csv", "trials.csv", "plan.toml", "result.json",
    "response.png", "pareto.png",
)  # fmt: skip
#: Prefix of the folder an earlier optimize's files are moved into before they are deleted.
TRASH_PREFIX = ".wom-trash-"


def _clear(out: Path) -> None:
    """Remove what an earlier optimize wrote in `out` (`OWN_ENTRIES`), never a file of the user's.

    The entries are first moved into one trash folder inside `out` (renames), the marker last, and the trash
    is deleted after: a command stopped midway leaves the old output or a trash folder that the next
    `--force` removes, never a half-deleted folder passed off as a result."""
    import shutil

    trash = out / f"{TRASH_PREFIX}{os.getpid()}"
    for stale in out.glob(f"{TRASH_PREFIX}*"):
        shutil.rmtree(stale, ignore_errors=True)
    trash.mkdir()
    for name in (*OWN_ENTRIES, MARKER):
        if (out / name).exists() or (out / name).is_symlink():
            os.replace(out / name, trash / name)
    shutil.rmtree(trash)


def trial_file(out: Path, number: int) -> Path:
    """Where candidate `number` of the search is stored."""
    return out / TRIALS_DIR / f"trial-{number:05d}.json"


def read_trial(spec: OptimizeSpec, out: Path, number: int) -> dict | None:
    """Stored candidate `number` as its record (params decoded), or None if absent, unreadable or not a
    record of this search's shape (wrong number, keys, objectives or replicates): then it runs again."""
    try:
        stored = json.loads(trial_file(out, number).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return None
    objectives = 2 if spec.two_objectives else 1
    replicates = stored.get("replicates") if isinstance(stored, dict) else None
    params = decode_params(spec, stored.get("params")) if isinstance(stored, dict) else None
    if (
        params is None
        or stored.get("number") != number
        or not _numbers(stored.get("objectives"), objectives)
        or not isinstance(replicates, list)
        or len(replicates) != (0 if isinstance(stored.get("infeasible"), str) else spec.search.replicates)
        or not all(is_metrics(r, spec.brand_objectives) for r in replicates)
    ):
        return None
    return reloaded(stored | {"params": params})


def _numbers(values: Any, count: int) -> bool:
    """A list of `count` numbers or nulls (NaN stored as null)."""
    return (
        isinstance(values, list)
        and len(values) == count
        and all(v is None or (isinstance(v, (int, float)) and not isinstance(v, bool)) for v in values)
    )


def is_metrics(replicate: Any, extra: tuple[str, ...] = ()) -> bool:
    """One replicate's stored metrics: every objective metric, the out-of-money day and the `extra` metrics (a
    spec's per-brand objectives), numbers or null."""
    return (
        isinstance(replicate, dict)
        and set(replicate) >= {*METRICS_STORED, *extra}
        and _numbers(list(replicate.values()), len(replicate))
    )


def encode_params(params: dict[str, Any]) -> dict[str, Any]:
    """A plan's decisions as stored in JSON: Python numbers, and a never-day (inf) as the string "inf"
    (JSON has no infinity, and a null would lose it)."""
    plain = {k: v.item() if isinstance(v, np.generic) else v for k, v in params.items()}
    return {k: toml_value(v) if isinstance(v, float) and not math.isfinite(v) else v for k, v in plain.items()}


def decode_params(spec: OptimizeSpec, stored: Any) -> dict[str, Any] | None:
    """Stored decisions back as values (inverse of encode_params), or None unless they are exactly the
    spec's decisions, each a value it allows."""
    if not isinstance(stored, dict) or list(stored) != list(spec.decisions):
        return None
    out: dict[str, Any] = {}
    for key, choice in spec.decisions.items():
        value = stored[key]
        numeric = isinstance(choice, DecisionRange) or not isinstance(choice[0], (str, bool))
        if numeric and value in ("inf", "-inf"):
            value = float(value)
        if isinstance(choice, DecisionRange):
            if isinstance(value, bool) or not isinstance(value, (int, float)) or not choice.low <= value <= choice.high:
                return None
        elif value not in choice or type(value) is not type(choice[choice.index(value)]):
            return None
        out[key] = value
    return out


def store(path: Path, record: dict) -> None:
    """Write one record atomically (sim.run.io), NaN as null; its plan's decisions (`params`, if any)
    with encode_params, so a never-day stays one."""
    from sim.run.metrics import to_jsonable

    if "params" in record:
        record = record | {"params": encode_params(record["params"])}
    write_text(path, json.dumps(to_jsonable(record), indent=1) + "\n", force=True)


def reloaded(record: dict) -> dict:
    """A record exactly as it reads back from its JSON file (NaN stored as null, read back as NaN), so a
    replayed candidate tells the optimiser the very numbers a fresh one does."""
    from sim.run.metrics import to_jsonable

    params = {k: v.item() if isinstance(v, np.generic) else v for k, v in record["params"].items()}
    record = json.loads(json.dumps(to_jsonable(record | {"params": {}}))) | {"params": params}
    record["objectives"] = [math.nan if v is None else float(v) for v in record["objectives"]]
    record["replicates"] = [
        {k: math.nan if v is None else float(v) for k, v in rep.items()} for rep in record["replicates"]
    ]
    return record

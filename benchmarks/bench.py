"""Scale benchmark: wom-sim against a reference frontier kernel and peer libraries, per step and in memory.

Usage (from the repository root)::

    .venv/bin/python -m benchmarks.bench [--sizes 1e4,1e5,1e6] [--peers mesa,ndlib,eon] [--quick]
                                         [--out results/benchmarks] [--timeout 300] [--clock wall|cpu]
                                         [--workloads cascade,default] [--only IMPLS] [--merge]

Workloads (see benchmarks/README.md for the exact definitions):

* ``cascade`` - independent cascade on an Erdos-Renyi graph, N nodes, mean degree 10,
  transmission T = 0.2, 10 random seeds, everyone talks once.  Implementations: the reference
  frontier kernel (``reference``: self-contained numpy graph build; ``reference-simgraph``: on
  ``sim.networks.erdos_renyi``), the project's model (``wom``: build and every step timed), the
  whole ``wom run`` (``wom-run``), and the peers (Mesa's virus_on_network, NDlib, EoN).
* ``default`` - ``scenarios/default.toml`` at population N for 365 days (30 with --quick)
  (``wom``) and one sparse matrix-vector product over its whole multiplex graph
  (``multiplex-spmv``).

Every measurement runs in its own subprocess (``python -m benchmarks.worker``): its peak
memory is its own, and one that runs past --timeout is killed and recorded as ``timeout``
(its peak memory is then the largest RSS sampled with psutil, if installed); a peer that timed
out is not run at larger N.  Results go to OUT/results.csv (rewritten after every
measurement), OUT/table.md, OUT/per_step.png and OUT/memory.png; the table is printed at the end.

Per-step time, for every implementation: simulation time of the steps that had activity (began
with at least one node able to transmit) divided by their number.  Times are wall-clock unless
``--clock cpu`` (each measurement's own CPU time: use it when other jobs share the machine; the
``load`` column records the load average).
"""

from __future__ import annotations

import argparse
import csv
import importlib.util
import json
import math
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict, dataclass
from pathlib import Path

from benchmarks.peers import PEER_PACKAGES, PEERS
from benchmarks.timing import CLOCK_ENV, CLOCKS

#: Repository root: measurements run with it as working directory.
ROOT = Path(__file__).resolve().parents[1]
#: Columns of results.csv: the first nine are the documented schema; then the final cascade or adoption
#: size, the machine's 1-minute load average when the measurement ended (other jobs competing for
#: the cores inflate wall-clock times), and free-text detail.
COLUMNS = (
    "workload",
    "implementation",
    "N",
    "steps",
    "per_step_ms",
    "total_s",
    "build_s",
    "peak_mb",
    "status",
    "final_fraction",
    "load",
    "detail",
)

# The workloads' parameters.
CASCADE_MEAN_DEGREE = 10
CASCADE_TRANSMISSION = 0.2
CASCADE_SEEDS = 10
#: Cascades pooled into the per-step time of the reference kernel and of wom: a cascade's number of
#: active steps varies by +-10% between seeds, which moves a single run's per-step time as much.
CASCADE_REPEATS = 3
DEFAULT_DAYS = 365
QUICK_DAYS = 30
#: Master seed of every measurement (each implementation derives its own streams from it).
BENCH_SEED = 20240501

DEFAULT_SIZES = "1e4,1e5,1e6"
DEFAULT_PEERS = "mesa,ndlib,eon"
DEFAULT_TIMEOUT_S = 300.0
#: How often the driver samples a running measurement's memory (seconds).
SAMPLE_INTERVAL_S = 0.2

#: Project and reference implementations of each workload, in run order (peers follow).
CASCADE_IMPLS = ("reference", "reference-simgraph", "wom", "wom-run")
DEFAULT_IMPLS = ("wom", "multiplex-spmv")
WORKLOADS = ("cascade", "default")


@dataclass(frozen=True)
class Measurement:
    """One (workload, implementation, N) measurement; its fields are the worker's spec."""

    workload: str
    impl: str
    n: int
    seed: int = BENCH_SEED
    days: float = DEFAULT_DAYS
    mean_degree: float = CASCADE_MEAN_DEGREE
    transmission: float = CASCADE_TRANSMISSION
    n_seeds: int = CASCADE_SEEDS
    repeats: int = CASCADE_REPEATS

    @property
    def label(self) -> str:
        return f"{self.workload}/{self.impl} N={self.n:.0e}"


def parse_sizes(text: str) -> list[int]:
    """'1e4,1e5' -> [10000, 100000] (sorted, distinct)."""
    sizes = sorted({int(float(item)) for item in text.split(",") if item.strip()})
    if not sizes or sizes[0] < 100:
        raise argparse.ArgumentTypeError(f"sizes must be integers >= 100, got {text!r}")
    return sizes


def parse_peers(text: str) -> list[str]:
    """'mesa,eon' -> ['mesa', 'eon']; '' or 'none' -> []."""
    names = [item.strip() for item in text.split(",") if item.strip() and item.strip() != "none"]
    unknown = [name for name in names if name not in PEERS]
    if unknown:
        raise argparse.ArgumentTypeError(f"unknown peer(s) {', '.join(unknown)}; choose from {', '.join(PEERS)}")
    return names


def plan(
    sizes: list[int], peers: list[str], workloads: list[str], quick: bool, only: list[str] | None = None
) -> list[Measurement]:
    """All measurements, smallest N first within each workload (restricted to implementations in ``only``)."""
    days = QUICK_DAYS if quick else DEFAULT_DAYS
    out = []
    if "cascade" in workloads:
        out += [Measurement("cascade", impl, n) for n in sizes for impl in (*CASCADE_IMPLS, *peers)]
    if "default" in workloads:
        out += [Measurement("default", impl, n, days=days) for n in sizes for impl in DEFAULT_IMPLS]
    return [m for m in out if not only or m.impl in only]


def _row_key(row: dict) -> tuple:
    """(workload, implementation, N): what identifies a measurement."""
    return row["workload"], row["implementation"], int(row["N"])


def merge_rows(old: list[dict], new: list[dict]) -> list[dict]:
    """Rows of an earlier results.csv with those measured again replaced; sorted by workload, N, implementation order."""
    rows = {_row_key(r): r for r in old}
    rows.update({_row_key(r): r for r in new})
    order: dict[str, int] = {}
    for impl in (*CASCADE_IMPLS, *PEERS, *DEFAULT_IMPLS):
        order.setdefault(impl, len(order))
    return sorted(
        rows.values(),
        key=lambda r: (WORKLOADS.index(r["workload"]), int(r["N"]), order.get(r["implementation"], len(order))),
    )


def read_csv(path: Path) -> list[dict]:
    """Rows of an existing results.csv (missing columns filled with '')."""
    with open(path, newline="") as fh:
        return [{col: row.get(col, "") or "" for col in COLUMNS} for row in csv.DictReader(fh)]


def empty_row(m: Measurement, status: str) -> dict:
    """A results row with no numbers (missing, skipped, failed measurements)."""
    row = dict.fromkeys(COLUMNS, "")
    row.update(workload=m.workload, implementation=m.impl, N=m.n, status=status)
    return row


def _rss_mb(pid: int) -> float:
    """Current RSS of a process in MB, or 0 if it cannot be read (psutil missing, process gone)."""
    try:
        import psutil

        return psutil.Process(pid).memory_info().rss / 1e6
    except Exception:
        return 0.0


def run_measurement(m: Measurement, timeout: float, clock: str = "wall") -> dict:
    """Run one measurement in a fresh subprocess timed with ``clock``; kill it after ``timeout`` wall seconds."""
    with tempfile.TemporaryDirectory(prefix="wom-bench-") as tmp:
        result_path = Path(tmp) / "result.json"
        log_path = Path(tmp) / "worker.log"
        env = dict(
            os.environ,
            PYTHONPATH=os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")])),
            MPLBACKEND="Agg",
            **{CLOCK_ENV: clock},
        )
        cmd = [sys.executable, "-m", "benchmarks.worker", json.dumps(asdict(m)), str(result_path)]
        with open(log_path, "w") as log:
            proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=log, stderr=subprocess.STDOUT)
            start, sampled_mb = time.monotonic(), 0.0
            while proc.poll() is None:
                sampled_mb = max(sampled_mb, _rss_mb(proc.pid))
                if time.monotonic() - start > timeout:
                    proc.kill()
                    proc.wait()
                    row = empty_row(m, "timeout")
                    row.update(peak_mb=round(sampled_mb, 1) if sampled_mb else "", total_s=f">{timeout:g}")
                    return row
                time.sleep(SAMPLE_INTERVAL_S)
        if not result_path.exists():
            tail = log_path.read_text()[-300:].strip().replace("\n", " | ")
            return empty_row(m, f"crashed (exit {proc.returncode}): {tail}")
        result = json.loads(result_path.read_text())
        if result["status"] != "ok":
            print(f"\n{m.label} failed; worker log:\n{log_path.read_text()}", file=sys.stderr)
    row = empty_row(m, result.pop("status"))
    for key, value in result.items():
        row[key] = _rounded(value)
    row["load"] = round(os.getloadavg()[0], 2)
    return row


def _rounded(value):
    """Numbers with a sensible number of significant digits for the CSV."""
    if isinstance(value, float):
        return "" if math.isnan(value) else float(f"{value:.5g}")
    return value


def write_csv(rows: list[dict], path: Path) -> None:
    """Write results.csv (all rows so far)."""
    with open(path, "w", newline="") as fh:
        writer = csv.DictWriter(fh, fieldnames=COLUMNS)
        writer.writeheader()
        writer.writerows(rows)


def run_all(
    measurements: list[Measurement],
    timeout: float,
    out: Path,
    progress: bool = True,
    clock: str = "wall",
    previous: list[dict] | None = None,
) -> list[dict]:
    """Run every measurement in order with a progress bar, writing results.csv as it goes
    (merged into ``previous`` rows, if given)."""
    from tqdm import tqdm

    rows, timed_out = [], set()
    bar = tqdm(measurements, unit="run", disable=not progress, file=sys.stderr, dynamic_ncols=True)
    for m in bar:
        bar.set_description(m.label)
        package = PEER_PACKAGES.get(m.impl) if m.workload == "cascade" and m.impl in PEERS else None
        if package and importlib.util.find_spec(package) is None:
            row = empty_row(m, f"missing: {package} not installed (pip install -e '.[bench]')")
        elif (m.workload, m.impl) in timed_out:
            row = empty_row(m, "skipped: timed out at a smaller N")
        else:
            row = run_measurement(m, timeout, clock)
            if row["status"] == "timeout":
                timed_out.add((m.workload, m.impl))
        rows.append(row)
        bar.write(
            f"{m.label}: {row['status']}, per step {row['per_step_ms']} ms, total {row['total_s']} s, "
            f"peak {row['peak_mb']} MB"
        )
        write_csv(merge_rows(previous, rows) if previous else rows, out / "results.csv")
    return merge_rows(previous, rows) if previous else rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.bench", description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--sizes",
        type=parse_sizes,
        default=parse_sizes(DEFAULT_SIZES),
        help=f"population sizes, comma separated (default {DEFAULT_SIZES})",
    )
    parser.add_argument(
        "--peers",
        type=parse_peers,
        default=parse_peers(DEFAULT_PEERS),
        help=f"peer libraries to run on the cascade, from {', '.join(PEERS)}; "
        f"'' or none for none (default {DEFAULT_PEERS})",
    )
    parser.add_argument(
        "--workloads", default=",".join(WORKLOADS), help=f"comma separated, from {', '.join(WORKLOADS)} (default: all)"
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"smoke-test mode: the default scenario runs {QUICK_DAYS} days instead of {DEFAULT_DAYS}",
    )
    parser.add_argument("--out", type=Path, default=ROOT / "results" / "benchmarks", help="output directory")
    parser.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT_S,
        help=f"seconds before a measurement is killed (default {DEFAULT_TIMEOUT_S:g})",
    )
    parser.add_argument(
        "--clock",
        choices=tuple(CLOCKS),
        default="wall",
        help="time with the wall clock (default) or with each measurement's CPU time "
        "(steadier on a machine shared with other jobs)",
    )
    parser.add_argument(
        "--only", default="", help="run only these implementations (comma separated, e.g. wom,wom-run or mesa)"
    )
    parser.add_argument(
        "--merge",
        action="store_true",
        help="keep the rows of an existing OUT/results.csv that this run does not measure again",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    args = parser.parse_args(argv)
    workloads = [w.strip() for w in args.workloads.split(",") if w.strip()]
    if not workloads or any(w not in WORKLOADS for w in workloads):
        parser.error(f"--workloads must be a comma separated subset of {', '.join(WORKLOADS)}")

    from benchmarks.report import write_report

    args.out.mkdir(parents=True, exist_ok=True)
    only = [item.strip() for item in args.only.split(",") if item.strip()]
    measurements = plan(args.sizes, args.peers, workloads, args.quick, only)
    if not measurements:
        parser.error("nothing to measure (check --only, --peers and --workloads)")
    previous = read_csv(args.out / "results.csv") if args.merge and (args.out / "results.csv").exists() else None
    rows = run_all(
        measurements, args.timeout, args.out, progress=not args.no_progress, clock=args.clock, previous=previous
    )
    table = write_report(rows, args.out, quick=args.quick, clock=args.clock)
    print(table)
    print(f"wrote {args.out}/ (results.csv, table.md, per_step.png, memory.png)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

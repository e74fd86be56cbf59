"""Reading large edge lists (`network.kind = "edgelist"`): pyarrow's CSV and Parquet readers against the
text parser, on the same random edges.

For each number of edges, random ties among edges/10 people are written once as a CSV with a header
(pyarrow's writer) and as Parquet; the same CSV bytes under a `.txt` name go to the text parser (the
baseline, measured here in the same process), `.csv` to pyarrow's CSV reader and `.parquet` to its
Parquet reader. Each is timed as the best of `--repeats` whole `from_edgelist` calls (reading, checks
and building the layer) on the chosen clock (benchmarks/timing.py; pyarrow reads with several threads,
so the wall clock is the fair one), printed in seconds with the ratio to the text parser.

Usage: .venv/bin/python -m benchmarks.edgelists [--edges 1e5,1e6,1e7] [--repeats 1]
"""

from __future__ import annotations

import argparse
import os
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.csv as pcsv
import pyarrow.parquet as pq

from benchmarks.timing import clock_name, now
from sim.networks.edgelist import from_edgelist

#: Seed of the random edges.
SEED = 2026
#: Edges per person of the random graphs (people = edges / this).
EDGES_PER_PERSON = 10


def write_files(folder: Path, edges: int) -> tuple[int, dict[str, Path]]:
    """Random edges written as .csv (with a header), the same bytes as .txt, and .parquet: (people, files)."""
    people = max(2, edges // EDGES_PER_PERSON)
    rng = np.random.default_rng(SEED)
    table = pa.table({"source": rng.integers(0, people, edges), "target": rng.integers(0, people, edges)})
    files = {kind: folder / f"edges{kind}" for kind in (".txt", ".csv", ".parquet")}
    pcsv.write_csv(table, files[".csv"])
    os.link(files[".csv"], files[".txt"])
    pq.write_table(table, files[".parquet"])
    return people, files


def best_seconds(path: Path, people: int, repeats: int) -> float:
    """Shortest of `repeats` whole reads of the file into a layer."""
    best = float("inf")
    for _ in range(repeats):
        t0 = now()
        from_edgelist(path, n=people)
        best = min(best, now() - t0)
    return best


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--edges", default="1e5,1e6,1e7", help="numbers of edges, comma separated")
    parser.add_argument("--repeats", type=int, default=1, help="reads per measurement (the best counts)")
    args = parser.parse_args()
    print(f"edge lists read into a layer; clock {clock_name()}, best of {args.repeats}")
    print("| edges | text parser (s) | pyarrow CSV (s) | ratio | Parquet (s) | ratio |")
    print("|---:|---:|---:|---:|---:|---:|")
    for edges in (int(float(e)) for e in args.edges.split(",")):
        with tempfile.TemporaryDirectory() as tmp:
            people, files = write_files(Path(tmp), edges)
            text, csv, parquet = (best_seconds(files[k], people, args.repeats) for k in (".txt", ".csv", ".parquet"))
        print(
            f"| {edges:.0e} | {text:.2f} | {csv:.2f} | {csv / text:.2f}x | {parquet:.2f} | {parquet / text:.2f}x |",
            flush=True,
        )


if __name__ == "__main__":
    main()

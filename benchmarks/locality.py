"""Locality of people in memory (issue 25, part 4): would numbering people by reverse Cuthill-McKee (RCM) of the
offline graph speed the reading step?

Usage (from the repository root)::

    .venv/bin/python -m benchmarks.locality --size 1e6     # ~2 min, ~2 GB
    .venv/bin/python -m benchmarks.locality --size 2e3 --repeats 1   # smoke test (tests/test_benchmarks.py)

Builds the default scenario's layers (offline small world, Weibo followers) and times one read pass per layer
as `EdgeChannel._reads` does it late in a run (a third of the people with a live post, one in seven open: out-ties
gathered, the open filter, tie ids, tie strengths and one keyed uniform per read) under three numberings of the
same people: the builder's own, RCM of the offline graph (scipy's `reverse_cuthill_mckee`), and a random one
(what locality is worth at all). Passes are interleaved and each numbering keeps its fastest (CPU clock).
Printed: the median and mean |i - j| over ties (bandwidth) and the pass time per numbering, with ratios to the
builder's. Measurement only: keyed draws are keyed by person id, so renumbering people changes every result.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
#: Shares of the people with a live post and of the people still open, late in a default run at 10^6.
POSTING_SHARE, OPEN_SHARE = 0.35, 0.15
REPEATS = 7
SEED = 2026


def relabelled(layer, order: np.ndarray):
    """The layer with person order[k] renamed k (ties numbered afresh in the new order, as a builder would)."""
    import scipy.sparse as sp

    from sim.networks.core import EdgeLayer

    n = layer.n
    matrix = sp.csr_array((np.ones(layer.nnz, np.int8), layer.indices, layer.indptr), shape=(n, n))
    moved = matrix[order][:, order].tocsr()
    moved.sort_indices()
    n_ties = moved.nnz if layer.directed else moved.nnz // 2
    return EdgeLayer(n, moved.indptr.astype(np.int64), moved.indices.astype(np.int32), None, n_ties, layer.directed)


def bandwidth(layer) -> tuple[float, float]:
    """Median and mean |i - j| over the layer's CSR entries."""
    rows = np.repeat(np.arange(layer.n), np.diff(layer.indptr))
    gap = np.abs(rows - layer.indices)
    return float(np.median(gap)), float(gap.mean())


def read_pass(layer, senders, open_mask, strength, draws) -> int:
    """One late step's reads of `senders`' posts (as `EdgeChannel._reads`); returns the reads that persuade."""
    from sim.model.edge_channel import read_id
    from sim.model.streams import Purpose

    pos = layer.entries(senders)
    sender = np.repeat(senders, layer.indptr[senders + 1] - layer.indptr[senders])
    targets = layer.indices[pos]
    keep = open_mask[targets] | open_mask[sender]
    pos, sender, targets = np.compress(keep, pos), np.compress(keep, sender), np.compress(keep, targets)
    ties = layer.ties_at(pos)
    u = draws.uniform(Purpose.READ, read_id(ties, sender, targets))
    return int(np.count_nonzero(u < 0.3 * strength[ties]))


def measure(n: int, repeats: int) -> list[dict]:
    import scipy.sparse as sp
    from scipy.sparse.csgraph import reverse_cuthill_mckee

    from sim.config.scenario import load_scenario
    from sim.model.model import WomModel

    model = WomModel(load_scenario(ROOT / "scenarios" / "default.toml", [f"population.size={n}", "run.days=1"]), SEED)
    rng = np.random.default_rng(SEED)
    senders = np.sort(rng.choice(n, int(POSTING_SHARE * n), replace=False))
    open_mask = rng.random(n) < OPEN_SHARE
    offline = model.channels["offline"].layer
    t = time.process_time()
    graph = sp.csr_array((np.ones(offline.nnz, np.int8), offline.indices, offline.indptr), shape=(n, n))
    rcm = reverse_cuthill_mckee(graph, symmetric_mode=True).astype(np.int64)
    rcm_s = time.process_time() - t
    orders = {"builder": np.arange(n), "rcm": rcm, "random": rng.permutation(n)}
    rows = []
    for name in ("offline", "weibo"):
        base = model.channels[name].layer
        strength = rng.random(base.n_ties)
        cases = {}
        for label, order in orders.items():
            layer = base if label == "builder" else relabelled(base, order)
            layer.prepare_ties()
            rename = np.empty(n, np.int64)
            rename[order] = np.arange(n)
            cases[label] = (layer, np.sort(rename[senders]), open_mask[order], strength)
        best = dict.fromkeys(cases, np.inf)
        for _ in range(repeats):
            for label, args in cases.items():
                t = time.process_time()
                read_pass(*args, model.draws)
                best[label] = min(best[label], time.process_time() - t)
        for label, (layer, *_) in cases.items():
            median, mean = bandwidth(layer)
            rows.append(
                {
                    "layer": name,
                    "numbering": label,
                    "median_gap": median,
                    "mean_gap": mean,
                    "pass_s": best[label],
                    "ratio": best[label] / best["builder"],
                    "rcm_order_s": rcm_s,
                }  # fmt: skip
            )
    return rows


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m benchmarks.locality", description=__doc__.split("\n")[0])
    parser.add_argument("--size", default="1e6", help="the population (default 1e6)")
    parser.add_argument("--repeats", type=int, default=REPEATS, help=f"interleaved passes (default {REPEATS})")
    args = parser.parse_args(argv)
    try:
        n = int(float(args.size))
    except ValueError:
        print(f"benchmarks.locality: --size must be a number, got {args.size!r}", file=sys.stderr)
        return 2
    if n < 100 or args.repeats < 1:
        print("benchmarks.locality: --size at least 100 and --repeats at least 1", file=sys.stderr)
        return 2
    rows = measure(n, args.repeats)
    print(f"N = {n:.0e}; RCM ordering of the offline graph: {rows[0]['rcm_order_s']:.2f} s CPU")
    print("| layer | numbering | median |i-j| | mean |i-j| | read pass (ms) | / builder's |")
    print("|---|---|---:|---:|---:|---:|")
    for r in rows:
        print(
            f"| {r['layer']} | {r['numbering']} | {r['median_gap']:.0f} | {r['mean_gap']:.0f} "
            f"| {1e3 * r['pass_s']:.1f} | {r['ratio']:.2f} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

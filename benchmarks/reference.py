"""Reference frontier kernel for the independent cascade (IC) on an Erdos-Renyi graph.

This is the yardstick the project is measured against: the least work a vectorised numpy
implementation of the cascade can do.  The graph is a plain CSR structure (``indptr``,
``indices``); each step visits only the out-edges of the *frontier* (the nodes activated in
the previous step), so a whole cascade touches every edge at most twice and costs O(E) in total.

One step of the kernel::

    pos      = CSR positions of all edges of the frontier      (gather, no Python loop)
    hit      = compress(random(len(pos)) < T, pos)              (one Bernoulli(T) per edge)
    targets  = indices[hit], kept if still susceptible
    frontier = distinct targets                                 (O(m) scatter-stamp, no sort)
    mark frontier active

Boolean masks select with ``np.compress``: in numpy 2.5 ``a[mask]`` is several times slower than
``np.compress(mask, a)`` at 10^6 entries, and the kernel should be as fast as plain numpy allows.

Two graph builds are offered so that build times can be compared fairly:

* :func:`er_csr_numpy` - a self-contained numpy build (G(n, M) with M ~ Binomial, i.e. an ER
  graph up to the ~k^2/2 duplicate pairs it drops; one 64-bit sort of packed (row, col) keys);
* the project's exact G(n, p) generator ``sim.networks.erdos_renyi`` (used with
  :func:`csr_of_layer`), so that the kernel can also run on exactly the project's graph.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from benchmarks.timing import now

#: Bits used for the column in a packed (row << COL_BITS) | col sort key.
COL_BITS = 32
#: Mask extracting the column from a packed key.
COL_MASK = (1 << COL_BITS) - 1


@dataclass
class CsrGraph:
    """An undirected graph as CSR arrays: neighbours of node j are indices[indptr[j]:indptr[j+1]]."""

    n: int
    indptr: np.ndarray  # int64, shape (n+1,)
    indices: np.ndarray  # int32, shape (nnz,)

    @property
    def nnz(self) -> int:
        """Number of stored directed entries (2 per undirected edge)."""
        return len(self.indices)


@dataclass
class CascadeResult:
    """Outcome and timing of one cascade run."""

    n: int
    active: int  # nodes ever activated, seeds included
    step_seconds: list[float] = field(default_factory=list)  # one entry per step with a non-empty frontier
    sizes: list[int] = field(default_factory=list)  # frontier size at the start of each of those steps

    @property
    def steps(self) -> int:
        """Steps that had activity (a non-empty frontier)."""
        return len(self.step_seconds)

    @property
    def run_seconds(self) -> float:
        """Total time of the simulation loop."""
        return float(sum(self.step_seconds))

    @property
    def final_fraction(self) -> float:
        """Share of the population ever activated."""
        return self.active / self.n


def er_csr_numpy(n: int, mean_degree: float, rng: np.random.Generator) -> CsrGraph:
    """Self-contained numpy Erdos-Renyi build: draw M ~ Binomial(n(n-1)/2, p) node pairs, keep distinct ones.

    Pairs are drawn uniformly with replacement; self loops and repeated pairs (about
    mean_degree^2/2 of them in expectation, whatever n) are dropped.  Both directions of every
    edge are packed into int64 keys ``row << 32 | col`` and sorted once, which yields the CSR
    rows in order, sorted columns and makes duplicates adjacent.
    """
    if n < 2 or mean_degree <= 0:
        return CsrGraph(n, np.zeros(n + 1, dtype=np.int64), np.empty(0, dtype=np.int32))
    p = min(mean_degree / (n - 1), 1.0)
    m = int(rng.binomial(n * (n - 1) // 2, p))
    a = rng.integers(0, n, m, dtype=np.int64)
    b = rng.integers(0, n, m, dtype=np.int64)
    keep = a != b
    a, b = a[keep], b[keep]
    key = np.concatenate([(a << COL_BITS) | b, (b << COL_BITS) | a])
    del a, b, keep
    key.sort()
    distinct = np.empty(len(key), dtype=bool)
    distinct[:1] = True
    np.not_equal(key[1:], key[:-1], out=distinct[1:])
    key = key[distinct]
    indices = (key & COL_MASK).astype(np.int32)
    indptr = np.zeros(n + 1, dtype=np.int64)
    np.cumsum(np.bincount(key >> COL_BITS, minlength=n), out=indptr[1:])
    return CsrGraph(n, indptr, indices)


def csr_of_layer(layer) -> CsrGraph:
    """The CSR arrays of a ``sim.networks.core.EdgeLayer`` (no copy)."""
    return CsrGraph(layer.n, layer.indptr, layer.indices)


def frontier_edges(indptr: np.ndarray, frontier: np.ndarray) -> np.ndarray:
    """CSR positions of all out-edges of the frontier nodes, concatenated (vectorised)."""
    starts = indptr[frontier]
    counts = indptr[frontier + 1] - starts
    ends = np.cumsum(counts)
    out = np.arange(int(ends[-1]) if len(ends) else 0, dtype=np.int64)
    out += np.repeat(starts - (ends - counts), counts)
    return out


def distinct(values: np.ndarray, scratch: np.ndarray) -> np.ndarray:
    """Distinct entries of ``values`` in O(len) without sorting.

    Every entry writes its own index into ``scratch[value]``; for each value exactly one of the
    writes survives, and the entry whose index survived is kept.  ``scratch`` (int64, one
    slot per node) needs no resetting between calls.
    """
    idx = np.arange(len(values), dtype=np.int64)
    scratch[values] = idx
    return np.compress(scratch[values] == idx, values)


def run_cascade(
    graph: CsrGraph, transmission: float, seeds: np.ndarray, rng: np.random.Generator, max_steps: int = 10_000
) -> CascadeResult:
    """Synchronous independent cascade from ``seeds``: each newly active node tries each neighbour once.

    Times every step that starts with a non-empty frontier; stops when the frontier is empty.
    """
    n = graph.n
    active = np.zeros(n, dtype=bool)
    scratch = np.empty(n, dtype=np.int64)
    frontier = np.unique(np.asarray(seeds, dtype=np.int64))
    active[frontier] = True
    result = CascadeResult(n, len(frontier))
    indptr, indices = graph.indptr, graph.indices
    clock = now
    while len(frontier) and result.steps < max_steps:
        t0 = clock()
        pos = frontier_edges(indptr, frontier)
        hit = np.compress(rng.random(len(pos)) < transmission, pos)
        targets = indices[hit]
        targets = np.compress(~active[targets], targets)
        new = distinct(targets, scratch)
        active[new] = True
        elapsed = clock() - t0
        result.step_seconds.append(elapsed)
        result.sizes.append(len(frontier))
        result.active += len(new)
        frontier = new.astype(np.int64)
    return result


def random_seeds(n: int, count: int, rng: np.random.Generator) -> np.ndarray:
    """``count`` distinct random nodes."""
    return rng.choice(n, size=min(count, n), replace=False)


if __name__ == "__main__":  # quick check: python -m benchmarks.reference [n]
    import sys

    size = int(float(sys.argv[1])) if len(sys.argv) > 1 else 10**6
    gen = np.random.default_rng(0)
    t = now()
    g = er_csr_numpy(size, 10, gen)
    build = now() - t
    res = run_cascade(g, 0.2, random_seeds(size, 10, gen), gen)
    print(
        f"n={size} build {build:.2f} s, {res.steps} steps, run {res.run_seconds:.3f} s, "
        f"{1e3 * res.run_seconds / max(res.steps, 1):.2f} ms/step, final size {res.final_fraction:.4f}"
    )

"""Edge lists: an offline network read from a file (`network.kind = "edgelist"`).

A line holds two node columns separated by whitespace or commas; '#' starts a comment; columns
after the second (e.g. weights) are ignored. Two kinds of file:

* node ids (every node column an integer): the ids are the people, used as they are, so person i of
  the population is node i. Each id must be an integer in [0, n) (n defaults to the largest id + 1);
  a negative or larger id is an error naming the file, the line and the allowed range. A first line
  whose node columns are not integers while the rest are (``source target``) is a header and is
  skipped: it never becomes a tie.
* node labels (any other file, e.g. names): labels are relabelled 0..L-1 in sorted label order and
  n >= L pads isolated people L..n-1.

A file with no ties (no edge lines, or only self loops) is an error naming the file. Every error is a
ValueError (FileNotFoundError for a missing file) whose message starts with the file name; the model
turns it into a scenario error on `network.path`.
"""

from __future__ import annotations

import errno
import io
import warnings
from os import PathLike
from pathlib import Path

import numpy as np

from sim.networks.core import EdgeLayer, from_pairs
from sim.networks.csr import _check_n, unique_inverse


def from_edgelist(path: str | PathLike, n: int | None = None, directed: bool = False, *, return_labels: bool = False):
    """Load an edge list file (see the module docstring for its form and checks).

    Directed lines ``u v`` mean u -> v (messages of u reach v). With ``return_labels=True`` also
    returns ``labels[id]`` (the ids themselves for a file of node ids).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(errno.ENOENT, "edge list file not found", str(path))
    try:
        lines = path.read_text().replace(",", " ").split("\n")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a text edge list: {exc}") from exc
    data_lines = [k for k, line in enumerate(lines) if line.split("#", 1)[0].strip()]
    if data_lines and not _is_id_pair(lines[data_lines[0]]) and all(_is_id_pair(lines[k]) for k in data_lines[1:2]):
        header = data_lines.pop(0)  # a header line: skipped
        lines[header] = ""
    pairs = _load(lines, np.int64)
    if pairs is not None:
        ids, labels, n = _checked_ids(path, pairs, n, data_lines)
    else:
        ids, labels, n = _relabelled(path, lines, n)
    if len(ids) == 0:
        raise ValueError(f"{path}: no ties: an edge list needs lines of two node columns ('#' starts a comment)")
    layer = from_pairs(n, ids[:, 0], ids[:, 1], directed)
    if layer.n_ties == 0:
        raise ValueError(f"{path}: no ties: every line joins a node to itself")
    return (layer, labels) if return_labels else layer


def from_config(net, n: int, rng: np.random.Generator) -> EdgeLayer:
    """The offline network of `network.kind = "edgelist"`: the file at network.path, one node per person."""
    return from_edgelist(net.path, n=n)


def _is_id_pair(line: str) -> bool:
    """Whether a line's first two columns are integers."""
    fields = line.split("#", 1)[0].split()
    try:
        [int(f) for f in fields[:2]]
    except ValueError:
        return False
    return len(fields) >= 2


def _load(lines: list[str], dtype) -> np.ndarray | None:
    """The first two columns of every edge line as an (edges, 2) array, or None if they do not parse."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", UserWarning)  # "input contained no data"
            return np.loadtxt(io.StringIO("\n".join(lines)), comments="#", usecols=(0, 1), dtype=dtype, ndmin=2)
    except ValueError:
        return None


def _checked_ids(path: Path, pairs: np.ndarray, n: int | None, data_lines: list[int]):
    """Node ids used as they are: each in [0, n) (n defaults to the largest id + 1)."""
    if pairs.size and pairs.min() < 0:
        edge = int(np.flatnonzero((pairs < 0).any(axis=1))[0])
        bad = int(pairs[edge][pairs[edge] < 0][0])
        raise ValueError(
            f"{path}, line {data_lines[edge] + 1}: node id {bad} is negative; node ids are integers from 0 "
            f"(one per person)"
        )
    if n is None:
        n = int(pairs.max()) + 1 if pairs.size else 0
    elif pairs.size and pairs.max() >= n:
        edge = int(np.flatnonzero((pairs >= n).any(axis=1))[0])
        bad = int(pairs[edge][pairs[edge] >= n][0])
        raise ValueError(
            f"{path}, line {data_lines[edge] + 1}: node id {bad} is out of range; "
            f"node ids must be integers in [0, {n - 1}] (one per person of a population of {n})"
        )
    try:
        n = _check_n(n)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc
    return pairs, np.arange(n, dtype=np.int64), n


def _relabelled(path: Path, lines: list[str], n: int | None):
    """Node labels relabelled 0..L-1 in sorted label order; n >= L pads isolated nodes."""
    pairs = _load(lines, str)
    if pairs is None:
        raise ValueError(f"{path}: malformed edge list: every edge line needs two node columns")
    labels, ids = unique_inverse(pairs.ravel())
    n_labels = len(labels)
    if n is None:
        n = n_labels
    elif n < n_labels:
        raise ValueError(f"{path}: n={n} is smaller than the {n_labels} node labels in the file")
    try:
        n = _check_n(n)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc
    return ids.reshape(-1, 2), labels, n

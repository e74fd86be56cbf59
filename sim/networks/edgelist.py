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

Large files are read by pyarrow's multithreaded readers (a 10^7-edge CSV in about 3 s, where the text
parser takes about 10 s and holds every line as a Python string; `benchmarks/edgelists.py`):

* `.parquet`: the first two columns are the node columns (integers: node ids; strings: labels);
* `.csv` of node ids: comma-separated, an optional header line. A CSV pyarrow cannot read as two
  integer columns (comments, labels, ragged lines) goes to the text parser above, so both readers
  accept the same files and give the same layer.
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

#: Bytes of a CSV's first line read to decide whether it is a header.
MAX_HEADER_BYTES = 1 << 16
#: The node columns of a CSV read by pyarrow (its names for the first two columns of a file without a header).
NODE_COLUMNS = ("f0", "f1")


def from_edgelist(path: str | PathLike, n: int | None = None, directed: bool = False, *, return_labels: bool = False):
    """Load an edge list file (see the module docstring for its form and checks).

    Directed lines ``u v`` mean u -> v (messages of u reach v). With ``return_labels=True`` also
    returns ``labels[id]`` (the ids themselves for a file of node ids).
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(errno.ENOENT, "edge list file not found", str(path))
    columns = _columnar(path)
    if columns is not None:
        pairs, first_row, row_word = columns
        if pairs.dtype.kind in "iu":
            ids, labels, n = _checked_ids(path, pairs, n, range(first_row, first_row + len(pairs)), row_word)
        else:
            ids, labels, n = _labelled(path, pairs, n)
        return _layer(path, ids, labels, n, directed, return_labels)
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
    return _layer(path, ids, labels, n, directed, return_labels)


def _layer(path: Path, ids: np.ndarray, labels: np.ndarray, n: int, directed: bool, return_labels: bool):
    """The layer of an (edges, 2) array of node ids (and the labels, if asked for); no ties is an error."""
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


def _columnar(path: Path) -> tuple[np.ndarray, int, str] | None:
    """A Parquet file, or a CSV of two integer columns, read by pyarrow: (the node columns as an (edges, 2)
    array, the line or row index of the first edge, "line" or "row"); None sends the file to the text parser."""
    suffix = path.suffix.lower()
    if suffix == ".parquet":
        return _parquet_pairs(path), 0, "row"
    if suffix != ".csv":
        return None
    import pyarrow as pa
    import pyarrow.csv as pcsv

    with path.open("rb") as f:
        first = f.readline(MAX_HEADER_BYTES).decode("utf-8", "replace")
    header = 0 if _is_id_pair(first.replace(",", " ")) else 1
    try:
        table = pcsv.read_csv(
            path,
            read_options=pcsv.ReadOptions(skip_rows=header, autogenerate_column_names=True),
            convert_options=pcsv.ConvertOptions(
                include_columns=list(NODE_COLUMNS), column_types=dict.fromkeys(NODE_COLUMNS, pa.int64())
            ),
        )
    except (pa.ArrowInvalid, pa.ArrowKeyError, pa.ArrowTypeError, KeyError):
        return None  # comments, labels, ragged or one-column lines: the text parser reads (or refuses) it
    if table.num_rows == 0 or any(table.column(c).null_count for c in NODE_COLUMNS):
        return None
    return np.column_stack([table.column(c).to_numpy() for c in NODE_COLUMNS]), header, "line"


def _parquet_pairs(path: Path) -> np.ndarray:
    """The first two columns of a Parquet edge list: integers (node ids) or strings (labels)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        schema = pq.read_schema(path)
        if len(schema.names) < 2:
            raise ValueError(f"{path}: an edge list needs two node columns, found {len(schema.names)}")
        table = pq.read_table(path, columns=schema.names[:2])
    except (pa.ArrowException, OSError) as exc:
        raise ValueError(f"{path}: not a readable Parquet file: {exc}") from None
    cols = [table.column(i) for i in range(2)]
    if any(c.null_count for c in cols):
        raise ValueError(f"{path}: empty cells in the node columns {schema.names[:2]}")
    integer = [pa.types.is_integer(c.type) for c in cols]
    text = [pa.types.is_string(c.type) or pa.types.is_large_string(c.type) for c in cols]
    if all(integer):
        return np.column_stack([c.to_numpy().astype(np.int64) for c in cols])
    if not all(text):
        raise ValueError(
            f"{path}: the node columns {schema.names[:2]} are {cols[0].type} and {cols[1].type}; "
            "allowed: two integer columns (node ids) or two string columns (labels)"
        )
    return np.column_stack([np.asarray(c.to_pylist(), dtype=object) for c in cols]).astype(str)


def _checked_ids(path: Path, pairs: np.ndarray, n: int | None, data_lines, row_word: str = "line"):
    """Node ids used as they are: each in [0, n) (n defaults to the largest id + 1); `data_lines[e]` is the
    0-based line (or row) of edge e, named in errors."""
    if pairs.size and pairs.min() < 0:
        edge = int(np.flatnonzero((pairs < 0).any(axis=1))[0])
        bad = int(pairs[edge][pairs[edge] < 0][0])
        raise ValueError(
            f"{path}, {row_word} {data_lines[edge] + 1}: node id {bad} is negative; node ids are integers from 0 "
            f"(one per person)"
        )
    if n is None:
        n = int(pairs.max()) + 1 if pairs.size else 0
    elif pairs.size and pairs.max() >= n:
        edge = int(np.flatnonzero((pairs >= n).any(axis=1))[0])
        bad = int(pairs[edge][pairs[edge] >= n][0])
        raise ValueError(
            f"{path}, {row_word} {data_lines[edge] + 1}: node id {bad} is out of range; "
            f"node ids must be integers in [0, {n - 1}] (one per person of a population of {n})"
        )
    try:
        n = _check_n(n)
    except ValueError as exc:
        raise ValueError(f"{path}: {exc}") from exc
    return pairs, np.arange(n, dtype=np.int64), n


def _relabelled(path: Path, lines: list[str], n: int | None):
    """Node labels of a text file relabelled (see `_labelled`)."""
    pairs = _load(lines, str)
    if pairs is None:
        raise ValueError(f"{path}: malformed edge list: every edge line needs two node columns")
    return _labelled(path, pairs, n)


def _labelled(path: Path, pairs: np.ndarray, n: int | None):
    """Node labels relabelled 0..L-1 in sorted label order; n >= L pads isolated nodes."""
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

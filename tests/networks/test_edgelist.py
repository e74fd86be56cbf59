"""sim.networks.edgelist: edge list files, their two kinds and their errors."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from sim.networks.edgelist import from_edgelist
from sim.networks.followers import followers
from sim.networks.small_world import small_world
from tests.networks.helpers import edge_set, rng, same_layer, sources


def test_from_edgelist_round_trip(tmp_path):
    layer = small_world(50, 4, 0.5, rng(3))
    src = sources(layer)
    upper = src < layer.indices
    path = tmp_path / "edges.txt"
    lines = ["# an edge list: mixed separators, a weight column and trailing comments"]
    for w, (u, v) in enumerate(zip(src[upper], layer.indices[upper])):
        sep = "," if w % 2 else "\t"
        lines.append(f"{u}{sep}{v} {w * 0.5}  # weight ignored")
    path.write_text("\n".join(lines) + "\n")
    assert same_layer(from_edgelist(path), layer)
    assert same_layer(from_edgelist(str(path), n=50), layer)

    directed = followers(40, 4.0, 2.0, rng(4))
    dpath = tmp_path / "directed.csv"
    np.savetxt(dpath, np.column_stack([sources(directed), directed.indices]), fmt="%d", delimiter=",")
    assert edge_set(from_edgelist(dpath, n=40, directed=True)) == edge_set(directed)


def test_from_edgelist_labels_padding_and_errors(tmp_path):
    path = tmp_path / "names.txt"
    path.write_text("bob alice\nalice carol 3\n\n# done\n")
    layer, labels = from_edgelist(path, return_labels=True)
    assert labels.tolist() == ["alice", "bob", "carol"]  # sorted labels -> ids 0, 1, 2
    assert edge_set(layer) == {(0, 1), (1, 0), (0, 2), (2, 0)}

    padded = from_edgelist(path, n=5)
    assert padded.n == 5 and np.array_equal(padded.out_degree(), [2, 1, 1, 0, 0])
    with pytest.raises(ValueError, match="names.txt"):
        from_edgelist(path, n=2)

    numeric = tmp_path / "sparse_ids.txt"
    numeric.write_text("10 2\n2 300\n")
    layer, ids = from_edgelist(numeric, return_labels=True)  # node ids are people: kept as they are
    assert layer.n == 301 and edge_set(layer) == {(10, 2), (2, 10), (2, 300), (300, 2)}
    assert np.array_equal(ids, np.arange(301))

    missing = tmp_path / "nope.txt"
    with pytest.raises(FileNotFoundError, match="nope.txt"):
        from_edgelist(missing)
    bad = tmp_path / "bad.txt"
    bad.write_text("0 1\n2\n")
    with pytest.raises(ValueError, match="bad.txt"):
        from_edgelist(bad)

    binary = tmp_path / "binary.bin"
    binary.write_bytes(b"\xff\xfe\x00\x81")
    with pytest.raises(ValueError, match="binary.bin"):
        from_edgelist(binary)


def test_a_header_line_is_skipped_never_a_tie(tmp_path):
    path = tmp_path / "with_header.csv"
    path.write_text("# exported\nsource,target,weight\n0,1,2.5\n1,2,1\n")
    assert edge_set(from_edgelist(path, n=4)) == {(0, 1), (1, 0), (1, 2), (2, 1)}


@pytest.mark.parametrize(
    "text",
    ["", "# nothing\n", "source target\n", "3 3\n1 1\n"],
    ids=["empty", "comments only", "header only", "self loops only"],
)
def test_an_edge_list_without_ties_is_an_error_naming_the_file(tmp_path, text):
    path = tmp_path / "no_ties.txt"
    path.write_text(text)
    with pytest.raises(ValueError, match=r"no_ties\.txt: no ties"):
        from_edgelist(path, n=5)


def test_node_ids_out_of_range_or_negative_name_the_file_line_and_allowed_ids(tmp_path):
    path = tmp_path / "ids.txt"
    path.write_text("# people 0..4\n0 1\n\n1 5\n")
    with pytest.raises(ValueError, match=r"ids\.txt, line 4: node id 5 is out of range; .* \[0, 4\]"):
        from_edgelist(path, n=5)
    assert from_edgelist(path, n=6).n == 6
    path.write_text("0 1\n2 -3\n")
    with pytest.raises(ValueError, match=r"ids\.txt, line 2: node id -3 is negative"):
        from_edgelist(path)


# --- large files: pyarrow's readers (.csv of node ids, .parquet) ------------------------------------------
def _pairs_file(folder, name: str, pairs: np.ndarray, header: str | None = None) -> object:
    path = folder / name
    with open(path, "w") as f:
        if header is not None:
            f.write(header + "\n")
        np.savetxt(f, pairs, fmt="%d", delimiter="," if name.endswith(".csv") else " ")
    return path


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    pairs=arrays(np.int64, st.tuples(st.integers(1, 60), st.just(2)), elements=st.integers(0, 29)),
    header=st.sampled_from([None, "source,target", "a,b"]),
    directed=st.booleans(),
)
def test_the_csv_reader_and_the_text_parser_build_the_same_layer(tmp_path, pairs, header, directed):
    """Whatever the ids, header and direction: a .csv read by pyarrow gives the layer the text parser gives
    for the same lines (or both refuse a file of self loops only)."""
    fast, text = _pairs_file(tmp_path, "e.csv", pairs, header), _pairs_file(tmp_path, "e.txt", pairs, header)
    if (pairs[:, 0] == pairs[:, 1]).all():
        for path in (fast, text):
            with pytest.raises(ValueError, match="no ties"):
                from_edgelist(path, n=30, directed=directed)
        return
    assert same_layer(from_edgelist(fast, n=30, directed=directed), from_edgelist(text, n=30, directed=directed))


def test_a_csv_pyarrow_cannot_read_as_ids_goes_to_the_text_parser(tmp_path):
    commented = tmp_path / "commented.csv"
    commented.write_text("# exported\n0,1  # a comment\n1,2\n")
    names = tmp_path / "names.csv"
    names.write_text("bob,alice\nalice,carol\n")
    assert edge_set(from_edgelist(commented, n=3)) == {(0, 1), (1, 0), (1, 2), (2, 1)}
    assert edge_set(from_edgelist(names)) == {(0, 1), (1, 0), (0, 2), (2, 0)}


def test_an_out_of_range_id_in_a_large_csv_names_its_line(tmp_path):
    pairs = np.array([[0, 1], [1, 2], [2, 9]])
    with pytest.raises(
        ValueError, match=r"e\.csv, line 4: node id 9 is out of range; node ids must be integers in \[0, 4\]"
    ):
        from_edgelist(_pairs_file(tmp_path, "e.csv", pairs, "u,v"), n=5)


def test_parquet_edge_lists_of_ids_or_labels_and_their_errors(tmp_path):
    import pyarrow as pa
    import pyarrow.parquet as pq

    ids = tmp_path / "ids.parquet"
    pq.write_table(pa.table({"u": [0, 1, 7], "v": [1, 2, 0], "weight": [0.5, 1.0, 2.0]}), ids)
    assert edge_set(from_edgelist(ids, n=8)) == {(0, 1), (1, 0), (1, 2), (2, 1), (7, 0), (0, 7)}
    with pytest.raises(ValueError, match=r"ids\.parquet, row 3: node id 7 is out of range"):
        from_edgelist(ids, n=5)
    names = tmp_path / "names.parquet"
    pq.write_table(pa.table({"from": ["bob", "alice"], "to": ["alice", "carol"]}), names)
    layer, labels = from_edgelist(names, return_labels=True)
    assert labels.tolist() == ["alice", "bob", "carol"] and edge_set(layer) == {(0, 1), (1, 0), (0, 2), (2, 0)}
    for name, table, message in [
        ("one.parquet", pa.table({"u": [0, 1]}), "needs two node columns, found 1"),
        ("mixed.parquet", pa.table({"u": [0, 1], "v": ["a", "b"]}), "allowed: two integer columns"),
        ("floats.parquet", pa.table({"u": [0.0, 1.0], "v": [1.0, 2.0]}), "allowed: two integer columns"),
        ("gaps.parquet", pa.table({"u": [0, None], "v": [1, 2]}), "empty cells"),
    ]:
        pq.write_table(table, tmp_path / name)
        with pytest.raises(ValueError, match=f"{name}: .*{message}"):
            from_edgelist(tmp_path / name, n=5)
    (tmp_path / "broken.parquet").write_bytes(b"PAR1 not really")
    with pytest.raises(ValueError, match="broken.parquet: not a readable Parquet file"):
        from_edgelist(tmp_path / "broken.parquet", n=5)

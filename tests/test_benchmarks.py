"""Smoke test of the scale benchmark (benchmarks/): it runs end to end at a small size and writes its files.

No wall-clock assertions: timings belong to the benchmark, not to CI.  The reference frontier
kernel doubles as a check of itself: its cascades must end near the bond-percolation size.
"""

import csv
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from sim.model import theory

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # `benchmarks` is a top-level directory, not part of the installed package

from benchmarks import reference  # noqa: E402
from benchmarks.bench import COLUMNS  # noqa: E402

#: Percolation size for the cascade workload (k = 10, T = 0.2): S = 1 - exp(-k T S) = 0.797.
PERCOLATION_S = theory.percolation_giant_fraction(10, 0.2)
#: Final size of one cascade at N = 10^4 is within a few hundredths of S (sd ~ 0.006).
FINAL_SIZE_TOL = 0.03


def test_reference_kernel_final_size_is_percolation_size():
    rng = np.random.default_rng(7)
    graph = reference.er_csr_numpy(20_000, 10, rng)
    assert np.all(np.diff(graph.indptr) >= 0) and graph.indptr[-1] == graph.nnz
    assert abs(graph.nnz / graph.n - 10) < 0.2
    sizes = [
        reference.run_cascade(graph, 0.2, reference.random_seeds(graph.n, 10, rng), rng).final_fraction
        for _ in range(3)
    ]
    assert all(abs(s - PERCOLATION_S) < FINAL_SIZE_TOL for s in sizes), sizes


def test_reference_distinct_keeps_one_of_each():
    scratch = np.empty(10, dtype=np.int64)
    values = np.array([3, 1, 3, 3, 7, 1, 0])
    assert sorted(reference.distinct(values, scratch).tolist()) == [0, 1, 3, 7]
    assert reference.distinct(np.empty(0, dtype=np.int64), scratch).size == 0


@pytest.mark.slow
@pytest.mark.timeout(120)
def test_quick_benchmark_writes_table_charts_and_csv(tmp_path):
    out = tmp_path / "bench"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.bench",
            "--quick",
            "--sizes",
            "1e4",
            "--peers",
            "",
            "--out",
            str(out),
            "--timeout",
            "100",
            "--no-progress",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    for name in ("results.csv", "table.md", "per_step.png", "memory.png"):
        assert (out / name).stat().st_size > 0, name
    with open(out / "results.csv") as fh:
        rows = list(csv.DictReader(fh))
    assert tuple(rows[0]) == COLUMNS
    by_impl = {(r["workload"], r["implementation"]): r for r in rows}
    assert set(by_impl) == {
        ("cascade", "reference"),
        ("cascade", "reference-simgraph"),
        ("cascade", "wom"),
        ("cascade", "wom-run"),
        ("default", "wom"),
        ("default", "multiplex-spmv"),
    }
    assert all(r["status"] == "ok" for r in rows), [(r["implementation"], r["status"]) for r in rows]
    for impl in ("reference", "reference-simgraph", "wom"):
        row = by_impl[("cascade", impl)]
        assert abs(float(row["final_fraction"]) - PERCOLATION_S) < FINAL_SIZE_TOL, row
        assert (
            float(row["steps"]) > 5 and float(row["per_step_ms"]) > 0 and float(row["peak_mb"]) > 0
        )  # steps: mean of 3 cascades
    assert int(by_impl[("default", "wom")]["steps"]) == 30  # --quick
    assert math.isfinite(float(by_impl[("default", "multiplex-spmv")]["per_step_ms"]))
    table = (out / "table.md").read_text()
    assert "## Targets" in table and "| 1e+04 | wom |" in table
    assert "per step" in proc.stdout


def _row(workload, impl, n, per_step="", total="", peak="", status="ok", steps=""):
    from benchmarks.bench import COLUMNS

    row = dict.fromkeys(COLUMNS, "")
    row.update(
        workload=workload,
        implementation=impl,
        N=n,
        per_step_ms=per_step,
        total_s=total,
        peak_mb=peak,
        status=status,
        steps=steps,
    )
    return row


def test_targets_pass_fail_and_not_measured():
    from benchmarks.report import targets

    rows = [
        _row("cascade", "reference", 10**6, per_step=10, total=2),
        _row("cascade", "wom", 10**6, per_step=15, total=3),  # 1.5x: pass
        _row("cascade", "wom-run", 10**6, total=7),  # 3.5x: fail
        _row("cascade", "wom", 10**5, per_step=1),
        _row("cascade", "mesa", 10**5, per_step=150),  # 150x: pass
        _row("cascade", "ndlib", 10**5, status="timeout"),  # not measured
        _row("default", "wom", 10**6, per_step=400, peak=1500, steps=365),
        _row("default", "multiplex-spmv", 10**6, per_step=100),  # 4x: pass
    ]
    verdicts = [t[3] for t in targets(rows, quick=False)]
    assert verdicts[:6] == ["PASS", "FAIL", "PASS", "PASS", "PASS", "n/a (not measured)"]
    assert targets(rows, quick=True)[2][3] == "n/a (quick run)"


def test_loglog_slope_and_merge():
    from benchmarks.bench import merge_rows
    from benchmarks.report import loglog_slope

    assert math.isclose(loglog_slope([(10**4, 1.0), (10**5, 10.0), (10**6, 100.0)]), 1.0)
    assert math.isnan(loglog_slope([(10**4, 1.0), (2 * 10**4, 2.0)]))  # too narrow a span
    old = [_row("cascade", "wom", 10**4, per_step=5), _row("cascade", "mesa", 10**4, per_step=50)]
    new = [_row("cascade", "wom", 10**4, per_step=1), _row("cascade", "reference", 10**4, per_step=0.1)]
    merged = merge_rows(old, new)
    assert [(r["implementation"], r["per_step_ms"]) for r in merged] == [("reference", 0.1), ("wom", 1), ("mesa", 50)]


def test_scale_step_ratio_finds_peak_and_saturated_steps():
    from benchmarks.scale import step_ratio

    # adopted total after steps 0..8: the most new adopters (40) in step 3, 99% of the final 100 from step 5
    adopted = [0, 10, 30, 70, 90, 99, 100, 100, 100]
    steps = [1.0, 2.0, 4.0, 3.0, 2.0, 0.5, 0.5, 0.5]  # seconds of steps 1..8
    saturated, peak, peak_step, first_saturated = step_ratio(steps, adopted)
    assert (peak_step, first_saturated) == (3, 5)
    assert peak == 2.0  # median of steps 1..5
    assert saturated == 0.5  # median of steps 6..8


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_scale_benchmark_reports_the_growth_ratios(tmp_path):
    out = tmp_path / "scale"
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.scale", "--sizes", "2e3,2e4", "--days", "20", "--out", str(out)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=290,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = json.loads((out / "scale.json").read_text())
    assert [(r["workload"], r["N"]) for r in rows] == [
        ("default", 2000),
        ("default", 20000),
        ("cascade", 2000),
        ("cascade", 20000),
    ]
    for r in rows:
        assert r["cpu_s"] > 0 and 0 <= r["sys_share"] < 1 and r["peak_rss_bytes"] > 0 and r["steps"] == 20
    table = (out / "scale.md").read_text()
    assert "system / total CPU time" in table and "saturated step / peak step" in table


@pytest.mark.timeout(120)
def test_draws_benchmark_prints_a_ratio_per_size():
    """benchmarks/draws.py at small sizes: one row per size with a finite ratio to numpy, then the scalar row."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.draws", "--sizes", "1e3,5e4", "--repeats", "1", "--blocks", "4096"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| ") and "x |" in line]
    assert [row.split("|")[1].strip() for row in rows] == ["1e+03", "5e+04", "1 (scalar: uniform_one vs random())"]
    assert all(math.isfinite(float(row.split("|")[4].strip().rstrip("x"))) for row in rows)
    assert "| 4096 |" in proc.stdout


@pytest.mark.timeout(120)
def test_edgelists_benchmark_prints_a_ratio_per_size():
    """benchmarks/edgelists.py at small sizes: one row per size with finite ratios to the text parser."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.edgelists", "--edges", "1e3,2e4"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [line for line in proc.stdout.splitlines() if line.startswith("| ") and "x |" in line]
    assert [row.split("|")[1].strip() for row in rows] == ["1e+03", "2e+04"]
    assert all(math.isfinite(float(row.split("|")[i].strip().rstrip("x"))) for row in rows for i in (4, 6))


def test_brands_report_keeps_the_fastest_repeat_and_judges_the_targets():
    from benchmarks.brands import report

    def row(b, step, rss, repeat=0):
        return {"brands": b, "N": 10**6, "repeat": repeat, "mean_step_s": step, "median_step_s": step,
                "build_s": 1.0, "peak_rss_bytes": rss, "owned": 0.5, "load": 1.0}  # fmt: skip

    rows = [row(1, 0.10, 10**9), row(2, 0.20, 10**9 + 4 * 10**6), row(1, 0.08, 10**9, 1), row(2, 0.09, 10**9, 1)]
    lines = {line.split("|")[1].strip(): line for line in report(rows).splitlines() if line.startswith("| ")}
    assert "| 1.12 | <= 1.25 | PASS |" in lines["2"]  # 0.09 / 0.08, the fastest repeats
    rows.append(row(4, 0.30, 10**9 + 30 * 10**6, 1))  # 3.75 x one brand, 10 bytes per person per extra brand
    four = [line for line in report(rows).splitlines() if line.startswith("| 4 ")][0]
    assert "| 3.75 | <= 1.75 | FAIL |" in four and "| 10.0 | <= 8 | FAIL |" in four


@pytest.mark.slow
@pytest.mark.timeout(300)
def test_brands_benchmark_writes_a_row_per_number_of_brands(tmp_path):
    out = tmp_path / "brands"
    proc = subprocess.run(
        [
            sys.executable,
            "-m",
            "benchmarks.brands",
            "--size",
            "2e4",
            "--days",
            "5",
            "--repeats",
            "1",
            "--out",
            str(out),
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=290,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = json.loads((out / "brands.json").read_text())
    assert [r["brands"] for r in rows] == [1, 2, 4, 8]
    assert all(r["mean_step_s"] > 0 and r["peak_rss_bytes"] > 0 and 0 < r["owned"] <= 1 for r in rows)
    assert "step / one brand" in (out / "brands.md").read_text()


@pytest.mark.timeout(120)
def test_brands_benchmark_runs_with_the_channels_on(tmp_path):
    """--channels: the same workload with the forum, Weibo and WeChat on (small: 2,000 people, 3 days, B = 1, 2)."""
    out = tmp_path / "brands"
    cmd = ["-m", "benchmarks.brands", "--size", "2e3", "--days", "3", "--brands", "1,2", "--repeats", "1"]
    proc = subprocess.run(
        [sys.executable, *cmd, "--channels", "--out", str(out)], cwd=ROOT, capture_output=True, text=True, timeout=110
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = json.loads((out / "brands.json").read_text())
    assert [r["brands"] for r in rows] == [1, 2] and all(r["mean_step_s"] > 0 for r in rows)


def test_brands_workload_holds_the_markets_messages_whatever_the_number_of_brands():
    """Every owner persuades at wom.q in all (own brand plus rivals) and the brands share one brand's ads, so the
    category's Bass curve is the same for any B; with --extra-category-talk, category talk comes on top."""
    from benchmarks.brands import scenario_of

    one = scenario_of(1, 1000, 5)
    for b in (2, 4, 8):
        sc = scenario_of(b, 1000, 5)
        assert sc.wom.q + (b - 1) * sc.wom.q_cross == pytest.approx(one.wom.q)
        assert sum(brand.advertising.p_max for brand in sc.brands.values()) == pytest.approx(
            one.brands["b0"].advertising.p_max
        )
        extra = scenario_of(b, 1000, 5, extra_category_talk=True)
        assert extra.wom.q == one.wom.q and extra.wom.q_cross * max(1, b - 1) == pytest.approx(one.wom.q_cross)


def test_brands_benchmark_refuses_bad_options():
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.brands", "--brands", "2,4"], cwd=ROOT, capture_output=True, text=True
    )
    assert proc.returncode == 2 and "--brands from 1" in proc.stderr


@pytest.mark.timeout(120)
def test_locality_benchmark_times_three_numberings_per_layer():
    """benchmarks/locality.py at a small size: the builder's numbering, RCM and a random one, for both layers."""
    proc = subprocess.run(
        [sys.executable, "-m", "benchmarks.locality", "--size", "2e3", "--repeats", "1"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=110,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    rows = [line.split("|")[1:3] for line in proc.stdout.splitlines() if line.startswith("| ") and "ms" not in line]
    assert [(a.strip(), b.strip()) for a, b in rows] == [
        (layer, numbering) for layer in ("offline", "weibo") for numbering in ("builder", "rcm", "random")
    ]

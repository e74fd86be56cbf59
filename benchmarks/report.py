"""Turn benchmark rows into table.md (results, ratios, targets with PASS/FAIL) and the two charts."""

from __future__ import annotations

import math
from pathlib import Path

# Targets of the Scale issue.
TARGET_N = 10**6  # size at which the cascade and default-scenario targets apply
PEER_TARGET_N = 10**5  # size at which the speed-ups over the peers apply
CASCADE_STEP_RATIO_MAX = 2.0  # wom per step <= 2x the reference kernel
CASCADE_RUN_RATIO_MAX = 3.0  # whole wom run <= 3x the reference's build + run
DEFAULT_PEAK_MB_MAX = 2000.0  # default scenario peak memory < 2 GB (10^9 bytes)
DEFAULT_STEP_SPMV_MAX = 5.0  # default step <= 5x one multiplex SpMV
MESA_SPEEDUP_MIN = 100.0  # wom >= 100x faster per step than Mesa's example
NDLIB_SPEEDUP_MIN = 20.0  # and >= 20x faster than NDlib
LINEAR_SLOPE_MAX = 1.1  # fitted d log(per-step time) / d log N of the project's workloads
LINEAR_MIN_SPAN = 10  # sizes must span at least this factor to fit a slope

#: Line styles of the charts, by (workload, implementation).
STYLES = {
    ("cascade", "reference"): dict(color="black", marker="o", label="reference kernel (numpy graph)"),
    ("cascade", "reference-simgraph"): dict(color="grey", marker="o", ls="--", label="reference kernel (sim graph)"),
    ("cascade", "wom"): dict(color="tab:red", marker="s", lw=2.5, label="wom-sim cascade"),
    ("cascade", "wom-run"): dict(color="tab:red", marker="x", ls=":", label="whole wom run"),
    ("cascade", "mesa"): dict(color="tab:blue", marker="^", label="Mesa virus_on_network"),
    ("cascade", "ndlib"): dict(color="tab:green", marker="v", label="NDlib SIR (IC)"),
    ("cascade", "ndlib-ic"): dict(color="tab:olive", marker="v", ls="--", label="NDlib IndependentCascades"),
    ("cascade", "eon"): dict(color="tab:purple", marker="D", label="EoN basic_discrete_SIR"),
    ("default", "wom"): dict(color="tab:orange", marker="s", ls="--", lw=2.5, label="wom-sim default scenario"),
    ("default", "multiplex-spmv"): dict(color="tab:brown", marker="*", ls=":", label="one SpMV, default multiplex"),
}


def num(row: dict | None, key: str) -> float:
    """A row's numeric field, or nan when absent or not a number."""
    if row is None:
        return math.nan
    try:
        return float(row.get(key, ""))
    except (TypeError, ValueError):
        return math.nan


def index(rows: list[dict]) -> dict:
    """Successful rows by (workload, implementation, N)."""
    return {(r["workload"], r["implementation"], int(r["N"])): r for r in rows if r["status"] == "ok"}


def fmt(x: float, digits: int = 3, missing: str = "") -> str:
    """Compact number for the table (``missing`` for nan)."""
    if x is None or math.isnan(x):
        return missing
    if x == 0:
        return "0"
    if abs(x) >= 10**digits:
        return f"{x:,.0f}"
    return f"{x:.{digits}g}"


def ratio(a: float, b: float) -> float:
    return a / b if b and not (math.isnan(a) or math.isnan(b)) else math.nan


def loglog_slope(points: list[tuple[int, float]]) -> float:
    """Least-squares slope of log(y) against log(N) (nan with < 2 usable points or too narrow a span)."""
    pts = [(math.log(n), math.log(y)) for n, y in points if y > 0 and not math.isnan(y)]
    if len(pts) < 2 or math.exp(max(p[0] for p in pts) - min(p[0] for p in pts)) < LINEAR_MIN_SPAN * 0.999:
        return math.nan
    mx = sum(p[0] for p in pts) / len(pts)
    my = sum(p[1] for p in pts) / len(pts)
    return sum((x - mx) * (y - my) for x, y in pts) / sum((x - mx) ** 2 for x, _ in pts)


def _verdict(ok: bool | None, note: str = "") -> str:
    if ok is None:
        return f"n/a{f' ({note})' if note else ''}"
    return "PASS" if ok else "FAIL"


def targets(rows: list[dict], quick: bool) -> list[tuple[str, str, str, str]]:
    """(target, measured, limit, PASS/FAIL/n/a) for each target of the issue."""
    ix = index(rows)
    out = []

    def check(value: float, good) -> bool | None:
        return None if math.isnan(value) else bool(good(value))

    n = TARGET_N
    r = ratio(
        num(ix.get(("cascade", "wom", n)), "per_step_ms"), num(ix.get(("cascade", "reference", n)), "per_step_ms")
    )
    out.append(
        (
            f"cascade N={n:.0e}: wom per step / reference kernel per step",
            fmt(r, missing="-") + "x",
            f"<= {CASCADE_STEP_RATIO_MAX:g}x",
            _verdict(check(r, lambda v: v <= CASCADE_STEP_RATIO_MAX), "not measured"),
        )
    )
    r = ratio(num(ix.get(("cascade", "wom-run", n)), "total_s"), num(ix.get(("cascade", "reference", n)), "total_s"))
    out.append(
        (
            f"cascade N={n:.0e}: whole wom run (graph, model, 100 days, outputs) / reference build + run",
            fmt(r, missing="-") + "x",
            f"<= {CASCADE_RUN_RATIO_MAX:g}x",
            _verdict(check(r, lambda v: v <= CASCADE_RUN_RATIO_MAX), "not measured"),
        )
    )
    default = ix.get(("default", "wom", n))
    days = "" if default is None else f", {fmt(num(default, 'steps'))} days"
    peak = num(default, "peak_mb")
    out.append(
        (
            f"default scenario N={n:.0e}{days}: peak memory",
            fmt(peak, 4, missing="-") + " MB",
            f"< {DEFAULT_PEAK_MB_MAX:g} MB",
            _verdict(
                None if quick else check(peak, lambda v: v < DEFAULT_PEAK_MB_MAX),
                "quick run" if quick else "not measured",
            ),
        )
    )
    r = ratio(num(default, "per_step_ms"), num(ix.get(("default", "multiplex-spmv", n)), "per_step_ms"))
    out.append(
        (
            f"default scenario N={n:.0e}{days}: mean step / one multiplex SpMV",
            fmt(r, missing="-") + "x",
            f"<= {DEFAULT_STEP_SPMV_MAX:g}x",
            _verdict(
                None if quick else check(r, lambda v: v <= DEFAULT_STEP_SPMV_MAX),
                "quick run" if quick else "not measured",
            ),
        )
    )
    n = PEER_TARGET_N
    wom = num(ix.get(("cascade", "wom", n)), "per_step_ms")
    for peer, name, limit in (
        ("mesa", "Mesa virus_on_network", MESA_SPEEDUP_MIN),
        ("ndlib", "NDlib", NDLIB_SPEEDUP_MIN),
    ):
        r = ratio(num(ix.get(("cascade", peer, n)), "per_step_ms"), wom)
        out.append(
            (
                f"cascade N={n:.0e}: {name} per step / wom per step",
                fmt(r, missing="-") + "x",
                f">= {limit:g}x",
                _verdict(check(r, lambda v, lim=limit: v >= lim), "not measured"),
            )
        )
    slopes = []
    for workload in ("cascade", "default"):
        pts = [(n, num(row, "per_step_ms")) for (w, impl, n), row in ix.items() if w == workload and impl == "wom"]
        slopes.append((workload, loglog_slope(sorted(pts))))
    measured = ", ".join(f"{w} {fmt(s, 2)}" for w, s in slopes if not math.isnan(s)) or "n/a"
    usable = [s for _, s in slopes if not math.isnan(s)]
    out.append(
        (
            "wom per-step cost vs N: fitted log-log slope (1 = linear)",
            measured,
            f"<= {LINEAR_SLOPE_MAX:g}",
            _verdict(
                None if not usable else all(s <= LINEAR_SLOPE_MAX for s in usable),
                f"needs sizes spanning {LINEAR_MIN_SPAN}x",
            ),
        )
    )
    return out


def _md(header: list[str], lines: list[list[str]]) -> str:
    out = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    out += ["| " + " | ".join(line) + " |" for line in lines]
    return "\n".join(out)


def cascade_table(rows: list[dict]) -> str:
    """Markdown table of the cascade workload with ratios to the reference kernel and to wom."""
    ix = index(rows)
    lines = []
    for r in [r for r in rows if r["workload"] == "cascade"]:
        n = int(r["N"])
        ref = ix.get(("cascade", "reference", n))
        wom = ix.get(("cascade", "wom", n))
        step, total = num(r, "per_step_ms"), num(r, "total_s")
        is_peer = r["implementation"] not in ("reference", "reference-simgraph", "wom", "wom-run")
        lines.append(
            [
                f"{n:.0e}",
                r["implementation"],
                fmt(num(r, "steps")),
                fmt(step),
                fmt(ratio(step, num(ref, "per_step_ms"))),
                fmt(ratio(step, num(wom, "per_step_ms"))) if is_peer else "",
                fmt(total),
                fmt(ratio(total, num(ref, "total_s"))),
                fmt(num(r, "build_s")),
                fmt(num(r, "peak_mb"), 4),
                fmt(num(r, "final_fraction")),
                r["status"],
            ]
        )
    return _md(
        [
            "N",
            "implementation",
            "steps",
            "per step (ms)",
            "step x ref",
            "wom faster by",
            "total (s)",
            "total x ref",
            "build (s)",
            "peak (MB)",
            "final size",
            "status",
        ],
        lines,
    )


def default_table(rows: list[dict]) -> str:
    """Markdown table of the default scenario with the SpMV baseline."""
    ix = index(rows)
    lines = []
    for r in [r for r in rows if r["workload"] == "default"]:
        n = int(r["N"])
        spmv = num(ix.get(("default", "multiplex-spmv", n)), "per_step_ms")
        step = num(r, "per_step_ms")
        is_wom = r["implementation"] == "wom"
        lines.append(
            [
                f"{n:.0e}",
                r["implementation"],
                fmt(num(r, "steps")),
                fmt(step),
                fmt(ratio(step, spmv)) if is_wom else "",
                fmt(num(r, "total_s")),
                fmt(num(r, "build_s")),
                fmt(num(r, "peak_mb"), 4),
                fmt(num(r, "final_fraction")),
                r["status"],
                r.get("detail", ""),
            ]
        )
    return _md(
        [
            "N",
            "implementation",
            "steps",
            "per step (ms)",
            "step / SpMV",
            "total (s)",
            "build (s)",
            "peak (MB)",
            "final adoption",
            "status",
            "detail",
        ],
        lines,
    )


def write_charts(rows: list[dict], out: Path) -> None:
    """per_step.png and memory.png: log-log against N for every implementation that has numbers."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ix = index(rows)
    series: dict[tuple[str, str], list[tuple[int, dict]]] = {}
    for (w, impl, n), row in sorted(ix.items(), key=lambda kv: kv[0][2]):
        series.setdefault((w, impl), []).append((n, row))
    for key, ylabel, fname, title in (
        ("per_step_ms", "time per active step (ms)", "per_step.png", "Per-step time vs population"),
        ("peak_mb", "peak resident memory (MB)", "memory.png", "Peak memory vs population"),
    ):
        fig, ax = plt.subplots(figsize=(8, 5.5))
        all_n = []
        for (w, impl), points in series.items():
            pts = [(n, num(row, key)) for n, row in points if not math.isnan(num(row, key))]
            if not pts:
                continue
            style = dict(STYLES.get((w, impl), dict(label=f"{w}/{impl}")))
            ax.plot([p[0] for p in pts], [p[1] for p in pts], **style)
            all_n += [p[0] for p in pts]
        # Measurements killed at the timeout: their sampled peak memory, as open markers.
        for r in rows:
            value = num(r, key)
            if r["status"] == "timeout" and not math.isnan(value):
                style = STYLES.get((r["workload"], r["implementation"]), {})
                ax.plot(
                    [int(r["N"])],
                    [value],
                    ls="none",
                    marker=style.get("marker", "o"),
                    mfc="none",
                    color=style.get("color", "black"),
                    ms=10,
                )
                ax.annotate(
                    f"{r['implementation']}: timeout (>= this)",
                    (int(r["N"]), value),
                    fontsize=7,
                    xytext=(-8, 6),
                    textcoords="offset points",
                    ha="right",
                )
        if key == "per_step_ms":
            ref = series.get(("cascade", "reference"))
            if ref and len(set(all_n)) > 1:
                n0, y0 = ref[0][0], num(ref[0][1], key)
                xs = [min(all_n), max(all_n)]
                ax.plot(
                    xs,
                    [y0 * x / n0 for x in xs],
                    color="lightgrey",
                    lw=6,
                    alpha=0.6,
                    zorder=0,
                    label="linear in N (through reference)",
                )
        ax.set_xscale("log")
        ax.set_yscale("log")
        ax.set_xlabel("population N")
        ax.set_ylabel(ylabel)
        ax.set_title(f"{title} (cascade: ER k=10, T=0.2; default scenario)")
        ax.grid(True, which="both", alpha=0.3)
        ax.legend(fontsize=8, loc="upper left")
        fig.tight_layout()
        fig.savefig(out / fname, dpi=120)
        plt.close(fig)


def machine_line(clock: str) -> str:
    """One line on where and how the numbers were taken."""
    import os
    import platform

    import numpy

    cpu = platform.processor() or platform.machine()
    try:
        with open("/proc/cpuinfo") as fh:
            cpu = next(line.split(":", 1)[1].strip() for line in fh if line.startswith("model name"))
    except (OSError, StopIteration):
        pass
    return (
        f"Machine: {os.cpu_count()} cores ({cpu}), Python {platform.python_version()}, numpy {numpy.__version__}; "
        f"clock: {'CPU time of each measurement process' if clock == 'cpu' else 'wall clock'}."
    )


def write_report(rows: list[dict], out: Path, quick: bool = False, clock: str = "wall") -> str:
    """Write table.md and the charts; return the markdown."""
    target_lines = [list(t) for t in targets(rows, quick)]
    text = (
        "\n\n".join(
            [
                "# wom-sim scale benchmark" + (" (quick)" if quick else ""),
                machine_line(clock),
                "## Targets",
                _md(["target", "measured", "limit", "result"], target_lines),
                "## Cascade: independent cascade on ER(N, k=10), T = 0.2, 10 seeds",
                "Per step = time of the steps that had activity / their number. `step x ref` and `total x ref`: "
                "ratio to the reference kernel (numpy graph build) at the same N; `wom faster by`: peer per step / "
                "wom per step.",
                cascade_table(rows),
                "## Default scenario (all its layers) and one SpMV over its multiplex graph",
                default_table(rows),
            ]
        )
        + "\n"
    )
    (out / "table.md").write_text(text)
    write_charts(rows, out)
    return text

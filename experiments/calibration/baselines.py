"""Held-out forecasts of the real series: the simulator's ABC posterior against a plain Bass fit on the same
early points (issue 29, part 6; docs/research.md, "Real series against a Bass baseline").

For each calibration folder written by calibrate-cars.sh or calibrate-xiaomi.sh (its predictions.csv: per
series and row the observed value, the posterior predictive median and 90% interval, fitted or held out),
the same series' fitted rows are fitted by the Bass model and the held-out rows forecast:

- a series with at least four fitted rows after its launch: Bass p, q, m by least squares on the
  increments (`sim.run.bass_fit.fit_bass`, as `wom fit-bass`) on a time axis in years (the series'
  period), its clock starting at the launch day the
  simulator is given (a brand's entry day; day 0 otherwise);
- fewer (the MIUI milestones: two), or a free fit that fails (p or q on a bound, or m below the data):
  p and q with m fixed at the market the simulator is given (--market),
  solved by least squares of log(1 + people) over the fitted rows (the ABC's distance), since m, p and q
  cannot all be read off two points.

Printed and written (table.md, heldout.png): per held-out row the observed value, both forecasts, and their
ratio to the observed; per model the median absolute log error over held-out rows (exp of it is the typical
factor off). Nothing is asserted: it is a report.

Usage: .venv/bin/python experiments/calibration/baselines.py \
    --run us-small-cars=results/calibration/us-small-cars --run xiaomi-miui=results/calibration/xiaomi-miui \
    --run xiaomi-shipments=results/calibration/xiaomi-shipments [--out results/experiments/real-series]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import least_squares

from sim.model.theory import bass_cdf
from sim.run.bass_fit import fit_bass, fit_problem

#: Launch day (days from each calibration's day 0) of each series the simulator is given: the brands'
#: entry days of us-small-cars.toml; MIUI's first release for the Xiaomi series.
LAUNCH = {"adopted_total_yugo": 212.0, "adopted_total_excel": 400.0}
#: The market (people) each calibration assumes (--market of its script): the fixed m of the two-point fit.
MARKET = {"us-small-cars": 5e6, "xiaomi-miui": 7e8, "xiaomi-miui-delay": 7e8, "xiaomi-shipments": 7e8}
#: Days per year: the free fit runs on years, the series' own period, so the table's p and q read per year
#: (fit_bass gives the same fit on days, p and q divided by 365: tests/run/test_metrics.py).
YEAR = 365.0
#: Fewest fitted rows for a free m (three parameters and one residual).
MIN_FREE_M_ROWS = 4
#: Search bounds of p and q (per day) for the fixed-m fit.
PQ_BOUNDS = ([1e-9, 0.0], [0.1, 0.1])


def bass_forecast(time: np.ndarray, values: np.ndarray, fitted: np.ndarray, launch: float, market: float):
    """The Bass forecast at every row from the fitted rows, and the kind of fit ('free m' or 'm fixed')."""
    start = values[time == 0][0] if np.any(time == 0) else 0.0
    t = np.clip(time - launch, 0.0, None)
    if fitted.sum() >= MIN_FREE_M_ROWS:
        years = t / YEAR
        fit = fit_bass(
            np.concatenate(([0.0], years[fitted])), np.concatenate(([start], values[fitted])), target="increments"
        )
        if fit_problem(fit) is None and fit.m >= values[fitted].max():  # m below the data: no fit
            curve = start + (fit.m - start) * bass_cdf(years, fit.p, fit.q)
            return curve, f"free m (p={fit.p:.3g}, q={fit.q:.3g} per year, m={fit.m:.3g})"

    def residuals(pq: np.ndarray) -> np.ndarray:
        curve = start + (market - start) * bass_cdf(t[fitted], pq[0], pq[1])
        return np.log1p(curve) - np.log1p(values[fitted])

    best = min(
        (least_squares(residuals, x0, bounds=PQ_BOUNDS) for x0 in ([1e-6, 0.005], [1e-5, 0.01], [1e-4, 0.002])),
        key=lambda r: r.cost,
    )
    p, q = best.x
    return start + (market - start) * bass_cdf(t, p, q), f"m fixed at {market:.3g} (p={p:.3g}, q={q:.3g})"


def compare(name: str, folder: Path) -> pd.DataFrame:
    """Per held-out row of a calibration: observed, ABC median and 90% interval, the Bass forecast and the ratios."""
    pred = pd.read_csv(folder / "predictions.csv")
    rows = []
    for series, part in pred.groupby("series", sort=False):
        time, values = part["time"].to_numpy(float), part["observed"].to_numpy(float)
        fitted = (part["role"] == "fitted").to_numpy()
        bass, kind = bass_forecast(time, values, fitted, LAUNCH.get(series, 0.0), MARKET[name])
        for row, forecast in zip(part.itertuples(), bass):
            if row.role == "held out":
                rows.append(
                    {
                        "case": name,
                        "series": series,
                        "day": row.time,
                        "observed": row.observed,
                        "ABC median": row.median,
                        "ABC 90%": (row.lo, row.hi),
                        "inside": row.lo <= row.observed <= row.hi,
                        "Bass": forecast,
                        "Bass fit": kind,
                    }
                )
    out = pd.DataFrame(rows)
    out["ABC / observed"] = out["ABC median"] / out["observed"]
    out["Bass / observed"] = out["Bass"] / out["observed"]
    return out


def markdown(table: pd.DataFrame) -> str:
    """The held-out rows and, per case, the median absolute log error of each model."""
    lines = [
        "| case | series | day | observed | ABC median (90%) | inside | ABC / obs. | Bass | Bass / obs. |",
        "|---|---|---:|---:|---|---|---:|---:|---:|",
    ]
    for r in table.itertuples(index=False):
        lo, hi = r[5]
        lines.append(
            f"| {r.case} | {r.series} | {r.day:g} | {r.observed:,.0f} | {r[4]:,.0f} ({lo:,.0f} - {hi:,.0f}) | "
            f"{'yes' if r.inside else 'no'} | {r[9]:.2f} | {r.Bass:,.0f} | {r[10]:.2f} |"
        )
    lines += [
        "",
        "| case | ABC median abs. log error | Bass median abs. log error | Bass fits |",
        "|---|---:|---:|---|",
    ]
    for case, part in table.groupby("case", sort=False):
        abc, bass = (np.median(np.abs(np.log(part[c]))) for c in ("ABC / observed", "Bass / observed"))
        lines.append(f"| {case} | {abc:.3f} | {bass:.3f} | {'; '.join(sorted(set(part['Bass fit'])))} |")
    return "\n".join(lines) + "\n"


def chart(table: pd.DataFrame, path: Path) -> None:
    """Each held-out row's forecast / observed ratio (log scale): ABC median with its 90% interval, and Bass."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [f"{r.case}\n{r.series.replace('adopted_total_', '') or 'all'} day {r.day:g}" for r in table.itertuples()]
    y = np.arange(len(table))
    lo = np.array([v[0] for v in table["ABC 90%"]]) / table["observed"]
    hi = np.array([v[1] for v in table["ABC 90%"]]) / table["observed"]
    fig, ax = plt.subplots(figsize=(7.5, 0.45 * len(table) + 1.6))
    ax.hlines(y, lo, hi, color="#4c78a8", lw=3, alpha=0.5, label="ABC 90% interval")
    ax.plot(table["ABC / observed"], y, "o", color="#4c78a8", label="ABC median")
    ax.plot(table["Bass / observed"], y, "D", color="#e45756", mfc="none", label="Bass on the same early points")
    ax.axvline(1.0, color="black", lw=1)
    for f in (1 / 1.5, 1.5):
        ax.axvline(f, color="grey", lw=0.8, ls=":")
    ax.set_xscale("log")
    ticks = [t for t in (0.1, 0.2, 0.5, 1 / 1.5, 1.0, 1.5, 2.0, 5.0, 10.0) if ax.get_xlim()[0] <= t <= ax.get_xlim()[1]]
    ax.set_xticks(ticks, [f"{t:.2g}" for t in ticks])
    ax.minorticks_off()
    ax.set_yticks(y, labels, fontsize=7)
    ax.invert_yaxis()
    ax.set_xlabel("forecast / observed (held out; dotted: a factor of 1.5)")
    ax.legend(fontsize=7, loc="best")
    ax.set_title("Held-out forecasts of real series: simulator (ABC) against Bass", fontsize=10)
    fig.tight_layout()
    fig.savefig(path, dpi=120)
    plt.close(fig)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--run", action="append", required=True, help="CASE=FOLDER of a calibration (repeatable)")
    parser.add_argument("--out", type=Path, default=Path("results/experiments/real-series"), help="output folder")
    args = parser.parse_args(argv)
    parts = []
    for item in args.run:
        name, _, folder = item.partition("=")
        if name not in MARKET or not (Path(folder) / "predictions.csv").is_file():
            parser.error(f"--run {item!r}: CASE is one of {', '.join(MARKET)} and FOLDER a calibration's output")
        parts.append(compare(name, Path(folder)))
    table = pd.concat(parts, ignore_index=True)
    args.out.mkdir(parents=True, exist_ok=True)
    text = markdown(table)
    (args.out / "table.md").write_text(text)
    chart(table, args.out / "heldout.png")
    print(text, end="")
    print(f"wrote {args.out}/ (table.md, heldout.png)")
    return 0


if __name__ == "__main__":
    sys.exit(main())

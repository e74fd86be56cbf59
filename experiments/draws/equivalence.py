"""The pre-registered equivalence check of sequential and keyed draws (issue 25, part 3).

Keyed draws change every number the model draws, so every result changes once. Before the default
switches, this check asks whether the change is only one of random numbers: for every shipped scenario
(scenarios/**/*.toml), at POPULATION people, REPLICATES replicates with sequential draws and REPLICATES
with keyed draws (replicate r's seed: `replicate_seed(scenario seed, r)` for both), a two-sample
Kolmogorov-Smirnov test (scipy's `ks_2samp`, two-sided) on each of METRICS; the p-values of all tests
are adjusted together by Holm's method; the check passes when no adjusted p-value is below ALPHA.
A day of 50% never reached counts as the horizon plus one step (later than any reached day), so runs
that never get there stay in the sample. All of this was fixed before any result was seen.

Results are stored per scenario in the output folder (`<scenario>.json`), so an interrupted check resumes
where it stopped, in this session or a later one. Each stored file holds a probe: a hash of replicate 0's
whole time series with each kind of draws. Before stored results are used, replicate 0 is run again with
the code of the day; if either hash differs, the code now gives other numbers and the file is recomputed
(only with --force: without it the check stops, naming the file). At the end: `table.md` and
`equivalence.json`.

Usage: .venv/bin/python experiments/draws/equivalence.py [--workers 2] [--out experiments/draws/equivalence] [--only NAME ...]
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from functools import partial
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import stats
from tqdm import tqdm

from sim.config.errors import InputError
from sim.config.scenario import load_scenario
from sim.model.streams import replicate_seed
from sim.research.claims.stats import holm
from sim.run.executor import apply_runner, open_executor, run_tasks
from sim.run.io import lock_output, write_text
from sim.run.metrics import summarize_replicate
from sim.run.runner import run_replicate

ROOT = Path(__file__).resolve().parents[2]
SCENARIOS = ROOT / "scenarios"
#: The pre-registered design (issue 25): people per run, replicates per kind of draws, the metrics compared,
#: and the family-wise level of the Holm-adjusted KS tests.
POPULATION = 10_000
REPLICATES = 200
METRICS = ("final_adoption", "time_to_50pct", "fan_share")
ALPHA = 0.01
KINDS = ("sequential", "keyed")
DEFAULT_OUT = Path(__file__).resolve().parent / "equivalence"  # kept in git: the record of the check


def shipped() -> list[str]:
    """Every shipped scenario, by its path under scenarios/ without the suffix."""
    return sorted(str(p.relative_to(SCENARIOS).with_suffix("")) for p in SCENARIOS.rglob("*.toml"))


def scenario(name: str, kind: str):
    """A shipped scenario at the check's size with the given kind of draws."""
    return load_scenario(SCENARIOS / f"{name}.toml", [f"population.size={POPULATION}", f"run.draws={kind}"])


def probe(name: str) -> str:
    """A hash of replicate 0's time series with each kind of draws: what stored results are checked against."""
    digest = hashlib.sha256()
    for kind in KINDS:
        sc = scenario(name, kind)
        frame = run_replicate(sc, replicate_seed(sc.run.seed, 0))
        digest.update(frame.to_csv(index=False).encode())
    return digest.hexdigest()


def outcomes(frame: pd.DataFrame, sc) -> dict[str, float]:
    """The compared metrics of one run (a day of 50% never reached: the horizon plus one step)."""
    summary = summarize_replicate(frame, sc.population.size)
    row = {m: float(summary[m]) for m in METRICS}
    if np.isnan(row["time_to_50pct"]):
        row["time_to_50pct"] = sc.run.days + sc.run.dt
    return row


def run_scenario(name: str, replicates: int, executor, bar) -> list[dict]:
    """Every run of one scenario, both kinds of draws: one row per kind and replicate."""
    scenarios = {kind: scenario(name, kind) for kind in KINDS}
    tasks = [
        (scenarios[kind], replicate_seed(scenarios[kind].run.seed, r), r) for kind in KINDS for r in range(replicates)
    ]
    frames = run_tasks(executor, partial(apply_runner, run_replicate), tasks, lambda task, frame: bar.update(1))
    return [
        {"kind": task[0].run.draws, "replicate": task[2], **outcomes(frame, task[0])}
        for task, frame in zip(tasks, frames)
    ]


def tests(rows_by_scenario: dict[str, list[dict]]) -> pd.DataFrame:
    """One KS test per scenario and metric, with Holm's adjustment over all of them."""
    out = []
    for name, rows in rows_by_scenario.items():
        frame = pd.DataFrame(rows)
        for metric in METRICS:
            a = frame.loc[frame["kind"] == "sequential", metric].to_numpy()
            b = frame.loc[frame["kind"] == "keyed", metric].to_numpy()
            result = stats.ks_2samp(a, b)
            out.append(
                {
                    "scenario": name,
                    "metric": metric,
                    "mean_sequential": float(a.mean()),
                    "mean_keyed": float(b.mean()),
                    "ks_d": float(result.statistic),
                    "p": float(result.pvalue),
                }
            )
    table = pd.DataFrame(out)
    table["p_holm"] = holm(table["p"].tolist())
    table["rejected"] = table["p_holm"] < ALPHA
    return table


def markdown(table: pd.DataFrame, replicates: int) -> str:
    """The table of docs/performance.md."""
    lines = [
        f"{len(table)} tests ({table['scenario'].nunique()} scenarios x {len(METRICS)} metrics), {POPULATION:,} people, "
        f"{replicates} replicates per kind; Holm-adjusted p below {ALPHA} rejects: "
        f"**{int(table['rejected'].sum())} rejected**, smallest adjusted p {table['p_holm'].min():.3g}.",
        "",
        "| scenario | metric | mean, sequential | mean, keyed | KS D | p | p (Holm) |",
        "|---|---|---:|---:|---:|---:|---:|",
    ]
    for r in table.itertuples():
        lines.append(
            f"| {r.scenario} | {r.metric} | {r.mean_sequential:.4g} | {r.mean_keyed:.4g} | {r.ks_d:.3f} | {r.p:.3g} | {r.p_holm:.3g} |"
        )
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--workers", type=int, default=1, help="processes running the replicates")
    parser.add_argument("--out", default=str(DEFAULT_OUT), help="folder of the stored results and the table")
    parser.add_argument("--only", nargs="*", default=None, help="scenarios to run (default: every shipped one)")
    parser.add_argument("--replicates", type=int, default=REPLICATES, help=argparse.SUPPRESS)  # tests only
    parser.add_argument("--force", action="store_true", help="recompute stored results of other code or scenarios")
    args = parser.parse_args(argv)
    names = shipped()
    try:
        unknown = sorted(set(args.only or []) - set(names))
        if unknown:
            raise InputError(f"--only: unknown scenario {unknown[0]!r}; shipped ones: {', '.join(names)}")
        if args.workers < 1:
            raise InputError(f"--workers: must be at least 1, got {args.workers}")
        out = Path(args.out)
        out.mkdir(parents=True, exist_ok=True)
        lock_output(out)
        results, todo = {}, []
        for name in args.only or names:
            path = out / f"{name.replace('/', '__')}.json"
            if path.exists():
                stored = json.loads(path.read_text())
                if stored.get("replicates") == args.replicates and stored.get("probe") == probe(name):
                    results[name] = stored["runs"]
                    continue
                if not args.force:
                    raise InputError(
                        f"{path}: stored from code or scenarios that now give other numbers; --force recomputes it"
                    )
            todo.append((name, path))
        print(f"equivalence: {len(results)} scenario(s) from stored results, {len(todo)} to run", file=sys.stderr)
        bar = tqdm(total=2 * args.replicates * len(todo), desc="equivalence", unit="run", file=sys.stderr)
        with open_executor(args.workers, tasks=2 * args.replicates) as executor:
            for name, path in todo:
                bar.set_postfix_str(name)
                results[name] = run_scenario(name, args.replicates, executor, bar)
                stored = {"replicates": args.replicates, "probe": probe(name), "runs": results[name]}
                write_text(path, json.dumps(stored), force=True, root=out)
        bar.close()
    except InputError as exc:
        print(f"equivalence: {exc}", file=sys.stderr)
        return 2
    table = tests({name: results[name] for name in sorted(results)})
    write_text(out / "table.md", markdown(table, args.replicates), force=True, root=out)
    write_text(out / "equivalence.json", table.to_json(orient="records", indent=1), force=True, root=out)
    print(markdown(table, args.replicates))
    return 1 if table["rejected"].any() else 0


if __name__ == "__main__":
    sys.exit(main())

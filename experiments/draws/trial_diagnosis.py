"""Why the equivalence check rejected `playbook/trial_stores` (issue 25): a diagnostic, run after the verdict.

Hypothesis, written before this run: with keyed draws a tryer who buys lives, at the purchase, the very
experience they lived in the trial (both are `Purpose.EXPERIENCE` for the same person in the same step), so
buyers chosen for a good trial are advocates; with sequential draws the purchase drew fresh noise, so a
tryer's trial and the experience they then talk about were independent. If that coupling is the whole
difference, keyed runs whose trial draws its own experience noise (slot 1 of `Purpose.EXPERIENCE`) must
match the stored sequential runs: the same design as the check (10,000 people, 200 replicates, KS on final
adoption, day of 50% and fan share), reported at the check's level 0.01 without adjustment (3 tests).

Run at commit 487bf1a (results in equivalence/trial_diagnosis.json), when both kinds of draws existed; keyed
draws are now the only kind, so it runs unchanged.

Usage: .venv/bin/python experiments/draws/trial_diagnosis.py [--workers 2]
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

import numpy as np
from scipy import stats
from scipy.special import ndtri

from sim.config.scenario import load_scenario
from sim.model.streams import HALF_ULP, Purpose, replicate_seed
from sim.playbook import trial
from sim.run.metrics import summarize_replicate
from sim.run.runner import run_replicate

ROOT = Path(__file__).resolve().parents[2]
STORED = Path(__file__).resolve().parent / "equivalence" / "playbook__trial_stores.json"
POPULATION, REPLICATES, ALPHA = 10_000, 200, 0.01
METRICS = ("final_adoption", "time_to_50pct", "fan_share")
#: The slot of the trial's own experience noise (the purchase keeps slot 0).
TRIAL_SLOT = 1


def decoupled_decide(self, view, tried, day):
    """`Trial._decide` with the trial's experience drawn apart from the purchase's (slot TRIAL_SLOT)."""
    sd = self.engine.experience_sd
    u = view.draws.draws.uniform(Purpose.EXPERIENCE, view.draws.step, tried, TRIAL_SLOT)
    noise = sd * ndtri(u + HALF_ULP) if sd > 0 else 0.0
    own = dataclasses.replace(
        view,
        experience=lambda people, d: view.product.experience(view.people.expectation[people], noise, d, self.engine),
    )
    return ORIGINAL_DECIDE(self, own, tried, day)


ORIGINAL_DECIDE = trial.Trial._decide


def one(r: int) -> dict:
    sc = load_scenario(ROOT / "scenarios/playbook/trial_stores.toml", [f"population.size={POPULATION}"])
    frame = run_replicate(sc, replicate_seed(sc.run.seed, r), r)
    summary = summarize_replicate(frame, sc.population.size)
    row = {m: float(summary[m]) for m in METRICS}
    if np.isnan(row["time_to_50pct"]):
        row["time_to_50pct"] = sc.run.days + sc.run.dt
    return row


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    trial.Trial._decide = decoupled_decide  # inherited by the forked workers
    with ProcessPoolExecutor(args.workers, mp_context=multiprocessing.get_context("fork")) as pool:
        rows = list(pool.map(one, range(REPLICATES)))
    stored = json.loads(STORED.read_text())["runs"]
    out = {}
    for kind in ("sequential", "keyed"):
        ref = [r for r in stored if r["kind"] == kind]
        out[kind] = {}
        for m in METRICS:
            a, b = np.array([r[m] for r in ref]), np.array([r[m] for r in rows])
            p = float(stats.ks_2samp(a, b).pvalue)
            out[kind][m] = {"mean_stored": float(a.mean()), "mean_decoupled": float(b.mean()), "p": p}
            print(f"decoupled keyed vs stored {kind}: {m}: {a.mean():.4g} vs {b.mean():.4g}, KS p = {p:.3g}")
    (STORED.parent / "trial_diagnosis.json").write_text(json.dumps(out, indent=1) + "\n")


if __name__ == "__main__":
    main()

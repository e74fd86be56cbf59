"""Value experiments 1 and 2 (issue 28) that need `wom value`'s person-by-person split, with the claims
protocol's statistics (sim.research.claims.stats): a power plan on a pilot seed, the verdict with two
unrelated seeds, one-sided Wilcoxon signed-rank tests of paired replicates, Holm over the experiment's
hypotheses. Everything below is fixed before any verdict run (the plan only sets REPLICATES).

Experiment 2, "rival" (Libai, Muller and Peres 2013): the same program, brand a's 100 seed users (1% of
10,000 people; given the product), is worth more against a rival than in a monopoly, and acceleration's
share of its value is smaller with a rival. Markets: experiments/value/scenarios/monopoly.toml (brand a alone) and
market.toml (against an equal rival b). Per replicate r (the same replicate seed in every run):
    value_c(r) = NPV_a(program) - NPV_a(no program) in condition c (monopoly, rival)   (`wom value`)
    H1: value_rival(r) - value_monopoly(r) > 0
    H2: share_monopoly(r) - share_rival(r) > 0, share = |acceleration| / (|acceleration| + |expansion| + |loss|)
        (the part of the program's effect on customer value that is timing rather than who adopts; absolute
        values because acceleration can be negative: seed users given the product pay nothing)

Experiment 1's split, "seeding" (descriptive, no test: the verdict is value_01_influentials.toml's): the
hub-seeding and random-seeding programs of experiments/value/01_influentials.toml, each against no seeding,
split into acceleration, expansion and loss; and Hinz et al.'s ratio, adopters gained by hub seeds over
adopters gained by random seeds.

    PYTHONPATH=. python experiments/value/value_experiments.py rival --plan   # the pilot: replicates needed
    PYTHONPATH=. python experiments/value/value_experiments.py rival          # the verdict, both seeds
    PYTHONPATH=. python experiments/value/value_experiments.py seeding        # the split of experiment 1

Writes results/experiments/value_<name>/result.json (the project's atomic writer).
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np

from sim.config.scenario import load_scenario
from sim.research.claims.stats import holm, replicates_for_power
from sim.research.options import ResearchOptions
from sim.research.value import method
from sim.run.io import write_text
from sim.run.metrics import to_jsonable

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
#: The two conditions' scenario files: brand a alone, and against an equal rival b.
CONDITIONS = {"monopoly": HERE / "scenarios" / "monopoly.toml", "rival": HERE / "scenarios" / "market.toml"}
#: Pre-registered: seeds, pilot, level, power, replicates (REPLICATES from the plan, written before the verdict run).
SEED, CHECK_SEED, PILOT_SEED, PILOT_REPLICATES = 2802, 62802, 82802, 6
ALPHA, POWER = 0.05, 0.8
REPLICATES = 6  # the plan (pilot seed 82802, 6 replicates): 6 for both tests (the exact floor at alpha / 2)
PROGRAM = ["brands.a.seed_users.count=100"]
SEEDING_FILE = HERE / "01_influentials.toml"
SEEDING_SET = [
    "population.size=10000",
    "run.days=365",
    "money.price=2000",
    "money.margin=300",
    "money.discount_rate=0.1",
]
SEEDING_SEED, SEEDING_REPLICATES = 2801, 10


def _market(condition: str, program: bool):
    """Brand a alone (monopoly) or against b (rival), with or without the program."""
    return load_scenario(CONDITIONS[condition], PROGRAM if program else [])


def _share(rep: dict) -> float:
    parts = [abs(rep["value"][p]) for p in method.PARTS]
    return parts[0] / sum(parts) if sum(parts) > 0 else float("nan")


def rival_values(seed: int, replicates: int) -> dict:
    """Per condition, each replicate's value and acceleration share (brand a)."""
    out = {}
    for condition in CONDITIONS:
        result = method.run(_market(condition, True), _market(condition, False), ResearchOptions(replicates, seed))
        out[condition] = {
            "value": [rep["value"]["total"] for rep in result.per_replicate],
            "share": [_share(rep) for rep in result.per_replicate],
            "summary": {"value": result.summary("value"), "people": result.summary("people")},
        }
    return out


def _tests(values: dict) -> dict:
    from scipy.stats import wilcoxon

    d1 = np.array(values["rival"]["value"]) - np.array(values["monopoly"]["value"])
    d2 = np.array(values["monopoly"]["share"]) - np.array(values["rival"]["share"])
    p = [float(wilcoxon(d, alternative="greater").pvalue) for d in (d1, d2)]
    p_rev = [float(wilcoxon(d, alternative="less").pvalue) for d in (d1, d2)]
    adjusted, adjusted_rev = holm(p), holm(p_rev)
    out = {}
    for i, (name, d) in enumerate((("H1 value rival > monopoly", d1), ("H2 share monopoly > rival", d2))):
        verdict = "holds" if adjusted[i] < ALPHA else "reversed" if adjusted_rev[i] < ALPHA else "inconclusive"
        out[name] = {"mean": float(d.mean()), "n": len(d), "p": p[i], "p_holm": adjusted[i], "verdict": verdict}
    return out


def rival(plan: bool) -> dict:
    if plan:
        values = rival_values(PILOT_SEED, PILOT_REPLICATES)
        d1 = np.array(values["rival"]["value"]) - np.array(values["monopoly"]["value"])
        d2 = np.array(values["monopoly"]["share"]) - np.array(values["rival"]["share"])
        need = [replicates_for_power(d, ALPHA, POWER, family=2) for d in (d1, d2)]
        return {"pilot_seed": PILOT_SEED, "pilot_replicates": PILOT_REPLICATES, "needed": need, "pilot": values}
    result = {}
    for seed in (SEED, CHECK_SEED):
        values = rival_values(seed, REPLICATES)
        result[str(seed)] = {"tests": _tests(values), "values": values}
    return result


def seeding() -> dict:
    """Hub and random seeding, each against no seeding: the split and the adopters gained."""
    out = {}
    for label, path in (("hub seeds", "seeds_hubs.toml"), ("random seeds", "seeds_random.toml")):
        scenario_path = ROOT / "scenarios" / "playbook" / path
        sc = load_scenario(scenario_path, SEEDING_SET)
        base = load_scenario(scenario_path, [*SEEDING_SET, "seed_users.count=0"])
        result = method.run(sc, base, ResearchOptions(SEEDING_REPLICATES, SEEDING_SEED))
        out[label] = {
            "value": result.summary("value"),
            "people": result.summary("people"),
            "share": [_share(rep) for rep in result.per_replicate],
            "gained": [rep["people"]["total"] for rep in result.per_replicate],
        }
    gained_hubs, gained_random = (np.array(out[k]["gained"]) for k in ("hub seeds", "random seeds"))
    out["ratio of adopters gained, hubs / random"] = float(gained_hubs.mean() / gained_random.mean())
    return out


def main(argv: list[str]) -> None:
    name, plan = argv[0], "--plan" in argv
    result = rival(plan) if name == "rival" else seeding()
    folder = ROOT / "results" / "experiments" / f"value_{name}"
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / ("plan.json" if plan else "result.json")
    write_text(target, json.dumps(to_jsonable(result), indent=2) + "\n", force=True)
    print(json.dumps(to_jsonable({k: v for k, v in result.items()}), indent=1)[:4000])


if __name__ == "__main__":
    main(sys.argv[1:])

"""The value of a program: the scenario (with it) against its baseline (without it), person by person.

Both runs of a replicate use the same replicate seed, and every random number of the model is keyed by
seed, replicate, purpose, step and person (`sim.model.streams`), so the same person meets the same draws
in both runs: the pairing is real, not only common random numbers per run. For each replicate and the
focal brand b (the first brand unless `brand` names another), each person is one of

- adopts b in both runs: **acceleration**, worth the difference of the discounted margins they bring b
  (positive when the program brings their purchase forward, negative when it delays it or costs a repeat);
- adopts b only with the program: **expansion**, worth their discounted margins with it;
- adopts b only without it: **loss** (lost to complaints or to a rival), worth minus their margins without it;
- adopts b in neither: nothing.

A person adopts b when they own or have owned it at the end of the run (seed users too: they are given
it, so they bring no margin unless they upgrade). Their value is what the money books of the model
(`sim.model.money`) booked for them: the discounted margin of each purchase within the horizon.
The program's extra discounted spend is its own line, **spend** (minus the scenario's discounted spend plus
the baseline's), so that per replicate

    acceleration + expansion + loss + spend = total = NPV_b(scenario) - NPV_b(baseline)      (money)
    acceleration + expansion + loss = total = adopters_b(scenario) - adopters_b(baseline)   (people)

with acceleration 0 in people (those people adopt in both runs); how many of them adopt earlier or later
with the program is reported beside (`earlier`, `later`). Means and 90% intervals are over replicates.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from sim.config.errors import ScenarioError
from sim.config.schema import Scenario
from sim.model.brands import make_model
from sim.model.streams import replicate_seeds
from sim.research.options import ResearchOptions
from sim.run.executor import open_executor, run_tasks
from sim.run.io import atomic_directory
from sim.run.memory import give_back_memory, reuse_freed_memory
from sim.run.metrics import BAND_LEVEL, to_jsonable

#: Output kind of a value folder (sim.run.io markers) and its data file.
VALUE_KIND = "value"
VALUE_FILE = "value.json"
#: The parts of the value, in the order of the waterfall (money has the program's spend besides).
PARTS = ("acceleration", "expansion", "loss")
MONEY_PARTS = (*PARTS, "spend")
#: Quantiles of the intervals over replicates (the same 90% as run summaries).
QUANTILES = ((1 - BAND_LEVEL) / 2, (1 + BAND_LEVEL) / 2)
#: Keys that name a scenario rather than configure it (ignored when asking whether the runs differ).
LABEL_KEYS = ("name", "description")


@dataclass(frozen=True)
class Books:
    """One run's books for the focal brand: who adopted it, on which day, what each person is worth to it
    (currency, discounted), its discounted spend and its NPV (currency)."""

    adopted: np.ndarray
    adopt_day: np.ndarray
    value: np.ndarray
    spent: float
    npv: float


def books_of(scenario: Scenario, seed: np.random.SeedSequence, brand: int) -> Books:
    """Run one replicate of `scenario` on `seed` and read the focal brand's books (a module-level function,
    so the executor's workers can run it)."""
    reuse_freed_memory()
    try:
        model = make_model(scenario, seed)
        model.run()
        people, money = model.people, model.money
        if scenario.brands:
            adopted = (people.owned & np.uint8(1 << brand)) != 0
        else:
            adopted = ~np.isnan(people.adopt_day)
        books = Books(
            adopted=adopted.copy(),
            adopt_day=people.adopt_day.copy(),
            value=money.value[brand].copy(),
            spent=float(money.spent[brand]),
            npv=money.npv(brand),
        )
        del model
    finally:
        give_back_memory()
    return books


def _pair(task: tuple[Scenario, Scenario, np.random.SeedSequence, int]) -> dict[str, dict[str, float]]:
    """One replicate of the scenario and of the baseline on the same seed, split (`decompose`) in the worker,
    so that only the split, not every person's books, comes back."""
    scenario, baseline, seed, brand = task
    return decompose(books_of(scenario, seed, brand), books_of(baseline, seed, brand))


def decompose(program: Books, baseline: Books) -> dict[str, dict[str, float]]:
    """One replicate's split of the value (money) and of the adopters (people), each with its total."""
    both = program.adopted & baseline.adopted
    only_program = program.adopted & ~baseline.adopted
    only_baseline = ~program.adopted & baseline.adopted
    money = {
        "acceleration": math.fsum(program.value[both] - baseline.value[both]),
        "expansion": math.fsum(program.value[only_program]),
        "loss": -math.fsum(baseline.value[only_baseline]),
        "spend": baseline.spent - program.spent,
    }
    money["total"] = money["acceleration"] + money["expansion"] + money["loss"] + money["spend"]
    days = program.adopt_day[both] - baseline.adopt_day[both]
    people = {
        "acceleration": 0.0,
        "expansion": float(np.count_nonzero(only_program)),
        "loss": -float(np.count_nonzero(only_baseline)),
        "both": float(np.count_nonzero(both)),
        "earlier": float(np.count_nonzero(days < 0)),
        "later": float(np.count_nonzero(days > 0)),
    }
    people["total"] = people["acceleration"] + people["expansion"] + people["loss"]
    return {"value": money, "people": people, "npv": {"scenario": program.npv, "baseline": baseline.npv}}


@dataclass
class Value:
    """The value of the program: each replicate's split (`decompose`) and how the runs were made."""

    scenario_name: str
    baseline_name: str
    brand: str | None
    replicates: int
    seed: int
    per_replicate: list[dict[str, dict[str, float]]] = field(default_factory=list)
    #: The baseline equals the scenario: nothing was run and the program is worth 0.
    identical: bool = False

    def stat(self, kind: str, part: str) -> dict[str, float]:
        """Mean and 90% interval over replicates of one part ('value' or 'people', 'npv')."""
        values = np.array([rep[kind][part] for rep in self.per_replicate], dtype=float)
        if values.size == 0:
            return {"mean": 0.0, "ci90": [0.0, 0.0]}
        lo, hi = np.quantile(values, QUANTILES)
        return {"mean": float(values.mean()), "ci90": [float(lo), float(hi)]}

    def summary(self, kind: str) -> dict[str, dict[str, float]]:
        """Every part of `kind` ('value' or 'people') with its total."""
        parts = {"value": (*MONEY_PARTS, "total"), "people": (*PARTS, "total", "both", "earlier", "later")}[kind]
        return {part: self.stat(kind, part) for part in parts}

    def as_json(self) -> dict:
        """The value.json document."""
        return to_jsonable(
            {
                "scenario": self.scenario_name,
                "baseline": self.baseline_name,
                "brand": self.brand,
                "replicates": self.replicates,
                "seed": self.seed,
                "identical": self.identical,
                "value": self.summary("value"),
                "people": self.summary("people"),
                "npv": {"scenario": self.stat("npv", "scenario"), "baseline": self.stat("npv", "baseline")},
                "per_replicate": self.per_replicate,
                "notes": "value (currency, discounted to day 0): acceleration + expansion + loss + spend = total = "
                "NPV(scenario) - NPV(baseline) of the brand, per replicate; people: acceleration + expansion + loss "
                "= total = adopters(scenario) - adopters(baseline) (acceleration moves no one across: 0). Means and "
                f"{BAND_LEVEL:.0%} intervals over replicates; both runs of a replicate use the same draws.",
            }
        )

    def table(self) -> str:
        """Plain-text summary: each part of the value and of the adopters, mean and 90% interval."""
        if self.identical:
            return (
                f"{self.scenario_name}: the baseline is identical to the scenario, so the program is worth 0 "
                "(nothing was run)"
            )
        who = f" for brand {self.brand}" if self.brand else ""
        lines = [
            f"{self.scenario_name} vs {self.baseline_name}{who}: value ({self.replicates} replicates, 90% interval)"
        ]
        for kind, unit in (("value", "currency"), ("people", "people")):
            for part, st in self.summary(kind).items():
                lo, hi = st["ci90"]
                lines.append(f"  {kind:<6} {part:<13}{st['mean']:>16,.1f}  [{lo:,.1f}, {hi:,.1f}] {unit}")
        return "\n".join(lines)


def same_scenario(scenario: Scenario, baseline: Scenario) -> bool:
    """Whether the two scenarios configure the same runs (their names and descriptions aside)."""
    a, b = scenario.model_dump(exclude=set(LABEL_KEYS)), baseline.model_dump(exclude=set(LABEL_KEYS))
    return a == b


def focal_brand(scenario: Scenario, baseline: Scenario, brand: str | None) -> tuple[int, str | None]:
    """The index and name of the brand whose value is split (the first brand by default), checked against
    both scenarios; a scenario of one brand has brand 0 and no name."""
    names, base_names = list(scenario.brands), list(baseline.brands)
    if names != base_names:
        raise ScenarioError(
            f"--baseline-set: the baseline's brands ({', '.join(base_names) or 'one brand'}) must be the "
            f"scenario's ({', '.join(names) or 'one brand'}): each person is compared brand by brand"
        )
    if brand is None:
        return 0, (names[0] if names else None)
    if brand not in names:
        allowed = ", ".join(names) if names else "none (a scenario without [brands] has one brand)"
        raise ScenarioError(f"--brand {brand}: not a brand of the scenario; allowed: {allowed}")
    return names.index(brand), brand


def check_pair(scenario: Scenario, baseline: Scenario) -> None:
    """Both runs must have the same people (population.size) and money books (a margin above 0)."""
    if scenario.population.size != baseline.population.size:
        raise ScenarioError(
            f"--baseline-set population.size: the baseline must have the scenario's people "
            f"({scenario.population.size}, got {baseline.population.size}): each person is compared with themself"
        )
    for label, sc in (("scenario", scenario), ("baseline", baseline)):
        configs = [b.money for b in sc.brands.values()] or [sc.money]
        if not any(c.on for c in configs):
            raise ScenarioError(
                f"money.margin: the {label} earns nothing on a sale (every margin is 0); set money.price and "
                "money.margin (currency per unit) so the program has a value"
            )


def run(
    scenario: Scenario,
    baseline: Scenario,
    options: ResearchOptions | None = None,
    progress: Callable[[int], None] | None = None,
    brand: str | None = None,
) -> Value:
    """The value of the scenario's program over the baseline for `brand` (the first by default), over
    `options.replicates` (default run.replicates) paired replicates seeded from `options.seed` (default
    run.seed); `options.workers` processes (default 1) run them through the one executor with identical
    results (each replicate's pair runs in one worker and comes back split). `progress` is called with 2
    after each replicate (its two runs). A baseline identical to the scenario is worth 0: nothing is run."""
    options = options or ResearchOptions()
    index, name = focal_brand(scenario, baseline, brand)
    replicates = scenario.run.replicates if options.replicates is None else options.replicates
    seed = scenario.run.seed if options.seed is None else options.seed
    result = Value(scenario.name, baseline.name, name, replicates, seed)
    if same_scenario(scenario, baseline):
        result.identical = True
        zero = {k: dict.fromkeys(v, 0.0) for k, v in decompose(*_empty_pair()).items()}
        result.per_replicate = [zero for _ in range(replicates)]
        return result
    check_pair(scenario, baseline)
    tasks = [(scenario, baseline, seq, index) for seq in replicate_seeds(seed, replicates)]
    with open_executor(options.workers or 1, tasks=len(tasks)) as executor:
        done = (lambda task, split: progress(2)) if progress else None  # two runs per replicate
        result.per_replicate = run_tasks(executor, _pair, tasks, done)
    return result


def _empty_pair() -> tuple[Books, Books]:
    """Books of nobody (the shape of a replicate's split when nothing is run)."""
    empty = Books(np.zeros(0, dtype=bool), np.zeros(0), np.zeros(0), 0.0, 0.0)
    return empty, empty


def write_outputs(
    result: Value,
    out_dir: str | Path,
    force: bool = False,
    draw: Callable[[Value, Path], list[Path]] | None = None,
) -> list[Path]:
    """Write value.json and what `draw` adds (the waterfall chart) into out_dir, all at once
    (sim.run.io.atomic_directory; --force replaces only a previous value output)."""
    out_dir = Path(out_dir)
    with atomic_directory(out_dir, VALUE_KIND, force) as tmp:
        (tmp / VALUE_FILE).write_text(json.dumps(result.as_json(), indent=2, allow_nan=False) + "\n", encoding="utf-8")
        drawn = draw(result, tmp) if draw is not None else []
    return [out_dir / VALUE_FILE, *(out_dir / p.name for p in drawn)]

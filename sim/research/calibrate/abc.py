"""Calibration with uncertainty: ABC-SMC over several scenario keys, on the project's executor.

`wom calibrate --method abc` estimates a posterior of the --vary keys given an observed cumulative
adoption series, by approximate Bayesian computation with sequential Monte Carlo (ABC-SMC; Toni et al.
2009, with the adaptive tolerances and the twice-the-weighted-covariance Gaussian kernel of Beaumont
et al. 2009):

1. Generation 0 draws `particles` parameter vectors from the prior (uniform on each --vary range) and
   simulates each once.
2. Every later generation sets its tolerance to the `quantile` of the previous generation's distances,
   proposes batches of `particles` candidates (a particle drawn by weight, moved by the kernel,
   redrawn until inside the prior), simulates them, and keeps those within the tolerance until
   `particles` are accepted. Weights: prior / sum_j w_j K(theta | theta_j) (the prior is flat).
3. It stops after `generations`, or when the next batch would pass `max_evals`, keeping the last full
   generation and saying that it stopped early. Generation 0 is the prior, so at least one later
   generation must complete: the budget must cover generation 0 and one batch, and a run whose budget
   ran out before generation 1 was complete is refused rather than reported as a posterior.

The distance is the root mean square of log(1 + simulated) - log(1 + observed) over the fitted points
(people of the simulated population): milestones that differ by orders of magnitude weigh alike.

**Why our own loop and not pyabc, ELFI or sbi** (docs/research.md): every simulation must go through
`sim.run.executor.run_tasks` (local cores or Dask) and give identical results whatever the number of
workers. Here all random draws of the algorithm come from one generator in the calling process, each
simulation gets its own seed stream (child i of SeedSequence(seed) for the i-th simulation), and a
batch is a fixed list of tasks whose results come back in order, so the posterior is a function of
the seed alone. pyabc's samplers draw parameters and simulate inside each worker from the global
NumPy generator (its parallel samplers depend on scheduling), and it brings a database layer;
ELFI runs its own parallel clients; sbi needs PyTorch and a neural density estimator far heavier than
a four-parameter problem needs.

**Market scaling** (`Market`): a population of N simulated people stands for a market of M people,
each person for M / N real ones; targets are divided by M / N, the seed users are set from the real
figure at time 0 (100 real seed users -> max(1, round(100 N / M)) simulated ones), and the optional
pseudo-key `delay` (days) shifts the simulated curve later, for the time the real seed share took to
grow to the simulated one.
"""

from __future__ import annotations

import functools
import math
from collections.abc import Callable
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from sim.config.schema import Scenario
from sim.model import streams
from sim.research.calibrate.bass import (
    CUMULATIVE,
    MAX_SERIES_VALUE,
    Runner,
    SeriesError,
    TargetSeries,
    Vary,
    with_values,
)
from sim.research.calibrate.targets import Targets, check_targets
from sim.research.options import ResearchOptions
from sim.run.executor import apply_runner, open_executor, run_tasks
from sim.run.runner import run_replicate

#: Pseudo-key of --vary: days the simulated curve is shifted later (the real launch's head start).
DELAY_KEY = "delay"
#: Default ABC-SMC settings: particles per generation, generations, tolerance quantile.
DEFAULT_PARTICLES = 40
DEFAULT_GENERATIONS = 4
DEFAULT_QUANTILE = 0.5
#: Default budget of simulations, per particle (generation 0 and, at worst, a few batches after it).
EVALS_PER_PARTICLE = 10
#: Credible interval reported per parameter and for predictions (central, as a fraction).
CREDIBLE = 0.9
#: Proposals redrawn at most this many times to land inside the prior before the batch is refused.
MAX_REDRAWS = 1000
#: Fewest and most particles per generation (the kernel needs a covariance; the most bounds the work).
MIN_PARTICLES = 4
MAX_PARTICLES = 10_000
#: Fewest generations (generation 0 is the prior; one more gives a posterior) and most.
MIN_GENERATIONS = 2
MAX_GENERATIONS = 100


class CalibrationError(SeriesError):
    """A calibration problem that cannot be posed (too many free parameters, a bad market size)."""


@dataclass(frozen=True)
class Market:
    """A simulated population of `population` people standing for `people` in the market."""

    people: float
    population: int

    @property
    def scale(self) -> float:
        """Real people per simulated person."""
        return self.people / self.population


def scale_to_market(scenario: Scenario, target: TargetSeries, market: Market) -> tuple[Scenario, TargetSeries, str]:
    """The scenario with seed users set from the target's value at time 0, and the target in simulated people.

    Returns the scenario, the scaled target and one sentence on what was set. Super users (chosen among
    the seed users) are capped at the new seed count.
    """
    scaled = _scaled(target, market)
    if not target.cumulative or target.time[0] != 0:
        return scenario, scaled, f"each simulated person stands for {market.scale:.4g} people"
    seeds = max(1, round(float(target.values[0]) / market.scale))
    values = {"seed_users.count": seeds}
    if scenario.fan_building.enabled and scenario.fan_building.super_users > seeds:
        values["fan_building.super_users"] = seeds
    note = (
        f"each simulated person stands for {market.scale:.4g} people; {target.values[0]:g} real seed users "
        f"-> {seeds} simulated (a seed share of {seeds / market.population:.3g} instead of "
        f"{target.values[0] / market.people:.3g})"
    )
    return with_values(scenario, values, source="--market"), scaled, note


def _scaled(target: TargetSeries, market: Market) -> TargetSeries:
    """The target in simulated people, refusing a market that is not a number of people or smaller than the target."""
    if not (math.isfinite(market.people) and market.people <= MAX_SERIES_VALUE):
        raise CalibrationError(
            f"--market {market.people:g}: must be a finite number of people, at most {MAX_SERIES_VALUE:g}"
        )
    if not market.people >= market.population:
        raise CalibrationError(
            f"--market {market.people:g}: must be at least population.size ({market.population}): "
            "each simulated person stands for one or more real ones"
        )
    most = float(np.max(target.cumulative_values()))
    if most > market.people:
        raise CalibrationError(
            f"--market {market.people:g}: {target.path} reaches {most:g} adopters, more than the market; "
            f"give --market >= {math.ceil(most)}"
        )
    return TargetSeries(target.path, target.time, target.values / market.scale, target.column)


def scale_targets(scenario: Scenario, targets: Targets, market: Market) -> tuple[Scenario, Targets, str]:
    """`scale_to_market` for a target of one or several series. With several, each is divided by the scale and
    checked against the market; the seed users stay the scenario's (each brand's own, as its file sets them)."""
    if len(targets.series) == 1:
        scenario, scaled, note = scale_to_market(scenario, targets.series[0], market)
        return scenario, Targets(targets.path, [scaled]), note
    series = [_scaled(s, market) for s in targets.series]
    note = f"each simulated person stands for {market.scale:.4g} people (seed users as the scenario sets them)"
    return scenario, Targets(targets.path, series), note


@dataclass(frozen=True)
class AbcSettings:
    """ABC-SMC settings (see the module doc)."""

    particles: int = DEFAULT_PARTICLES
    generations: int = DEFAULT_GENERATIONS
    quantile: float = DEFAULT_QUANTILE
    replicates: int = 1
    seed: int = 0
    max_evals: int | None = None

    def __post_init__(self) -> None:
        """Refuse settings that cannot give a posterior or would not end (named as the options)."""
        for option, value, low, high in (
            ("--particles", self.particles, MIN_PARTICLES, MAX_PARTICLES),
            ("--generations", self.generations, MIN_GENERATIONS, MAX_GENERATIONS),
        ):
            if not low <= value <= high:
                raise CalibrationError(
                    f"{option} {value}: allowed {low} to {high} (generation 0 is the prior; a posterior needs one more)"
                )
        if not 0 < self.quantile < 1:
            raise CalibrationError(f"quantile {self.quantile:g}: allowed between 0 and 1 (exclusive)")
        if self.replicates < 1:
            raise CalibrationError(f"--replicates {self.replicates}: allowed 1 or more")
        if self.budget < 2 * self.particles:
            raise CalibrationError(
                f"--max-evals {self.budget}: below generation 0 and one batch of generation 1 "
                f"(2 x --particles = {2 * self.particles}); raise it, or lower --particles"
            )

    @property
    def budget(self) -> int:
        """Most simulations (each of `replicates` runs)."""
        return self.max_evals if self.max_evals is not None else EVALS_PER_PARTICLE * self.particles


@dataclass
class Posterior:
    """The last ABC-SMC generation: particles, weights and their curves, and the run's history."""

    keys: list[str]
    particles: np.ndarray  # (n, k)
    weights: np.ndarray  # (n,), sums to 1
    distances: np.ndarray  # (n,)
    curves: np.ndarray  # (n, series, len(grid)): each target column's simulated cumulative people by day
    grid: np.ndarray  # days
    targets: Targets
    fitted: list[np.ndarray]  # per series, the mask of its fitted rows
    epsilons: list[float]
    evaluations: int
    message: str
    note: str = ""
    scale: float = 1.0
    history: list[int] = field(default_factory=list)  # simulations per generation
    stopped_early: bool = False  # the budget ran out before the last generation

    @property
    def generations(self) -> int:
        """Generations completed, generation 0 (the prior) included."""
        return len(self.epsilons)

    def quantiles(self, values: np.ndarray, qs: tuple[float, ...]) -> np.ndarray:
        """Weighted quantiles of values (n,) or (n, m) over particles."""
        return weighted_quantiles(values, self.weights, qs)

    def summary(self) -> dict[str, dict[str, float]]:
        """Per key: weighted mean, median and the central CREDIBLE interval."""
        lo, hi = (1 - CREDIBLE) / 2, (1 + CREDIBLE) / 2
        out = {}
        for j, key in enumerate(self.keys):
            col = self.particles[:, j]
            q_lo, med, q_hi = self.quantiles(col, (lo, 0.5, hi))
            out[key] = {"mean": float(np.sum(self.weights * col)), "median": med, "lo": q_lo, "hi": q_hi}
        return out

    @property
    def target(self) -> TargetSeries:
        """The first (with one column, the only) target series."""
        return self.targets.series[0]

    def predictions(self) -> pd.DataFrame:
        """Per target series and row: observed, posterior predictive median and CREDIBLE interval (real
        people), fitted or held out; `series` names the column."""
        lo, hi = (1 - CREDIBLE) / 2, (1 + CREDIBLE) / 2
        parts = []
        for k, (series, fitted) in enumerate(zip(self.targets.series, self.fitted)):
            at_rows = np.stack([np.interp(series.time, self.grid, c) for c in self.curves[:, k]])
            q = self.quantiles(at_rows, (lo, 0.5, hi))
            parts.append(
                pd.DataFrame(
                    {
                        "series": series.column,
                        "time": series.time,
                        "observed": series.values * self.scale,
                        "median": q[1] * self.scale,
                        "lo": q[0] * self.scale,
                        "hi": q[2] * self.scale,
                        "role": np.where(fitted, "fitted", np.where(series.time > 0, "held out", "start")),
                    }
                )
            )
        return pd.concat(parts, ignore_index=True)


def weighted_quantiles(values: np.ndarray, weights: np.ndarray, qs: tuple[float, ...]) -> list:
    """Quantiles of weighted samples (interpolated on the cumulative weights); per column for 2-D values."""
    values = np.asarray(values, dtype=float)
    if values.ndim == 2:
        return list(np.array([weighted_quantiles(values[:, j], weights, qs) for j in range(values.shape[1])]).T)
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order]) - 0.5 * weights[order]
    return [float(np.interp(q, cum / np.sum(weights), values[order])) for q in qs]


def log_distance(simulated: np.ndarray, observed: np.ndarray) -> float:
    """Root mean square difference of log(1 + people)."""
    return float(np.sqrt(np.mean((np.log1p(simulated) - np.log1p(observed)) ** 2)))


def _curves(frames: list[pd.DataFrame], grid: np.ndarray, delay: float, columns: list[str]) -> np.ndarray:
    """Mean of each cumulative column over replicates on `grid` (days), the simulation shifted `delay` days later."""
    mean = pd.concat(frames).groupby("time", sort=True)[columns].mean()
    days = mean.index.to_numpy(dtype=float)
    return np.stack([np.interp(grid - delay, days, mean[c].to_numpy(dtype=float)) for c in columns])


def run(
    scenario: Scenario,
    target: TargetSeries | Targets,
    varies: list[Vary],
    settings: AbcSettings,
    options: ResearchOptions | None = None,
    hold_out: list[float] = (),
    runner: Runner | None = None,
    progress: Callable[[int], None] | None = None,
    note: str = "",
    scale: float = 1.0,
) -> Posterior:
    """Run ABC-SMC (module doc) and return the last full generation as the posterior.

    `target` (one series, or several cumulative columns: `sim.research.calibrate.targets`) is in simulated
    people (see `scale_to_market`); `scale` converts back for reports. `progress` is called with the number
    of simulations after each batch.
    """
    targets = target if isinstance(target, Targets) else Targets(target.path, [target])
    masks = check_targets(scenario, targets, varies, list(hold_out), pseudo_keys=(DELAY_KEY,))
    columns = [CUMULATIVE if not s.cumulative else s.column for s in targets.series]
    keys = [v.key for v in varies]
    model_keys = [k for k in keys if k != DELAY_KEY]
    low, high = np.array([v.low for v in varies]), np.array([v.high for v in varies])
    rng = streams.sampler_rng(settings.seed)
    grid = np.arange(0.0, math.floor(scenario.run.days) + 1.0)
    runner = runner or run_replicate
    evaluations = 0

    def simulate(executor, thetas: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        nonlocal evaluations
        tasks, index = [], []
        for i, theta in enumerate(thetas):
            values = dict(zip(keys, theta))
            candidate = with_values(scenario, {k: values[k] for k in model_keys}) if model_keys else scenario
            for r, seq in enumerate(streams.simulation_seeds(settings.seed, evaluations + i, settings.replicates)):
                tasks.append((candidate, seq, r))
                index.append(i)
        frames = run_tasks(executor, functools.partial(apply_runner, runner), tasks)
        evaluations += len(thetas)
        curves, dists = [], []
        for i, theta in enumerate(thetas):
            mine = [f for f, j in zip(frames, index) if j == i]
            delay = float(dict(zip(keys, theta)).get(DELAY_KEY, 0.0))
            curve = _curves(mine, grid, delay, columns)
            curves.append(curve)
            simulated = [np.interp(s.time[m], grid, c) for s, m, c in zip(targets.series, masks, curve)]
            observed = [s.values[m] for s, m in zip(targets.series, masks)]
            dists.append(log_distance(np.concatenate(simulated), np.concatenate(observed)))
        if progress:
            progress(len(thetas))
        return np.array(curves), np.array(dists)

    n = settings.particles
    options = options or ResearchOptions()
    with open_executor(options.workers or 1, options.scheduler, tasks=n * settings.replicates) as executor:
        thetas = low + (high - low) * rng.random((n, len(keys)))
        curves, dists = simulate(executor, thetas)
        weights = np.full(n, 1.0 / n)
        epsilons, history, message = [math.inf], [n], f"{settings.generations} generations"
        for _ in range(1, settings.generations):
            eps = float(np.quantile(dists, settings.quantile))
            cov = 2.0 * np.atleast_2d(np.cov(thetas.T, aweights=weights)) + np.diag(((high - low) * 1e-6) ** 2)
            new_t, new_c, new_d, used = [], [], [], 0
            while len(new_t) < n:
                if evaluations + n > settings.budget:
                    break
                batch = _propose(rng, thetas, weights, cov, low, high, n)
                b_curves, b_dists = simulate(executor, batch)
                used += n
                for theta, curve, dist in zip(batch, b_curves, b_dists):
                    if dist <= eps and len(new_t) < n:
                        new_t.append(theta)
                        new_c.append(curve)
                        new_d.append(dist)
            if len(new_t) < n:
                if len(epsilons) == 1:
                    raise CalibrationError(
                        f"--max-evals {settings.budget}: the budget ran out before generation 1 was complete "
                        f"({len(new_t)} of {n} particles within the tolerance), so the result would be the prior, "
                        "not a posterior; raise --max-evals"
                    )
                message = (
                    f"stopped early after {len(epsilons)} of {settings.generations} generations: "
                    f"the budget of {settings.budget} simulations ran out"
                )
                break
            new_t = np.array(new_t)
            inv = np.linalg.inv(cov)
            diff = new_t[:, None, :] - thetas[None, :, :]
            kernel = np.exp(-0.5 * np.einsum("ijk,kl,ijl->ij", diff, inv, diff))
            w = 1.0 / (kernel @ weights)
            thetas, curves, dists, weights = new_t, np.array(new_c), np.array(new_d), w / w.sum()
            epsilons.append(eps)
            history.append(used)
    stopped_early = len(epsilons) < settings.generations
    return Posterior(
        keys,
        thetas,
        weights,
        dists,
        curves,
        grid,
        targets,
        masks,
        epsilons,
        evaluations,
        message,
        note,
        scale,
        history,
        stopped_early,
    )


def _propose(rng, thetas, weights, cov, low, high, n) -> np.ndarray:
    """n candidates: a particle drawn by weight, moved by N(0, cov), redrawn until inside the prior box."""
    out = np.empty((n, thetas.shape[1]))
    for i in range(n):
        for _ in range(MAX_REDRAWS):
            theta = rng.multivariate_normal(thetas[rng.choice(len(thetas), p=weights)], cov)
            if np.all(theta >= low) and np.all(theta <= high):
                out[i] = theta
                break
        else:
            raise CalibrationError("ABC-SMC: proposals keep leaving the --vary ranges; widen them")
    return out


# ==================================================================================================
# Writing
# ==================================================================================================
#: Output kind of an ABC calibration folder (sim.run.io markers).
ABC_KIND = "calibration"
POSTERIOR_TABLE = "posterior.csv"
PREDICTIONS_TABLE = "predictions.csv"
SUMMARY_FILE = "summary.json"


def summary_dict(posterior: Posterior, settings: AbcSettings, settings_note: dict) -> dict:
    """summary.json: method, settings, per-parameter posterior summary, predictions and history."""
    return {
        "method": "ABC-SMC (Toni et al. 2009; Beaumont et al. 2009 kernel and weights), own loop on sim.run.executor",
        "settings": {
            "particles": settings.particles,
            "generations": settings.generations,
            "quantile": settings.quantile,
            "replicates": settings.replicates,
            "seed": settings.seed,
            "budget": settings.budget,
            **settings_note,
        },
        "market_note": posterior.note,
        "credible": CREDIBLE,
        "parameters": posterior.summary(),
        "predictions": posterior.predictions().to_dict(orient="records"),
        "epsilons": posterior.epsilons,
        "simulations_per_generation": posterior.history,
        "evaluations": posterior.evaluations,
        "generations_completed": posterior.generations,
        "stopped_early": posterior.stopped_early,
        "message": posterior.message,
    }


def write_outputs(
    posterior: Posterior,
    out_dir,
    settings: AbcSettings,
    settings_note: dict,
    force: bool = False,
    draw: Callable[[Posterior, object], list] | None = None,
):
    """Write posterior.csv (particles, weights, distances), predictions.csv, summary.json and the charts."""
    import json

    from sim.run.io import atomic_directory
    from sim.run.metrics import to_jsonable

    with atomic_directory(out_dir, ABC_KIND, force) as tmp:
        frame = pd.DataFrame(posterior.particles, columns=posterior.keys)
        frame["weight"], frame["distance"] = posterior.weights, posterior.distances
        frame.to_csv(tmp / POSTERIOR_TABLE, index=False)
        posterior.predictions().to_csv(tmp / PREDICTIONS_TABLE, index=False)
        summary = summary_dict(posterior, settings, settings_note)
        (tmp / SUMMARY_FILE).write_text(json.dumps(to_jsonable(summary), indent=2, allow_nan=False) + "\n")
        if draw is not None:
            draw(posterior, tmp)
    return out_dir

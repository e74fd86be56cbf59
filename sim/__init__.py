"""wom-sim: word-of-mouth diffusion on a multiplex social graph, as a Python library.

The names below are the documented API; each is imported on first use, so `import sim` stays light
(no numpy, pandas or Mesa until you touch a name that needs them). A short session::

    from sim import load_scenario, WomModel, run_scenario

    sc = load_scenario("miui", ["population.size=2000"])   # a shipped name (see shipped_scenarios) or a path
    model = WomModel(sc, seed=1)                           # a mesa.Model: step it yourself ...
    for _ in range(30):
        model.step()
    result = run_scenario(sc, seed=1, replicates=3)        # ... or run whole replicates
    result.timeseries                                      # pandas DataFrame: one row per replicate and step
    result.summary["metrics"]["mean"]["final_adoption"]   # metrics: mean, 90% interval, per replicate

Scenarios: `load_scenario(path_or_name, overrides)`, `scenario_from_dict(dict)`, `Scenario` (the
pydantic model, every key documented with its unit and range), `shipped_scenarios()`.
Running: `WomModel` (the Mesa model; `make_model(scenario, seed)` gives it, or for a scenario with `[brands]`
its market of brands, `sim.model.brands.BrandsModel`), `run_scenario` -> `RunResult` (`.timeseries`, `.summary`),
`write_run(result, folder, draw=sim.viz.charts.draw_run)` (the files `wom run` writes; without `draw`, no charts), `mean_and_band(frame, column)` (mean and
90% band over replicates per time).
Research: `run_sweep(sweep_spec_file, ResearchOptions(out=folder))` (sim.research.options) then `read_runs(folder)` and `read_timeseries(folder)`
(DataFrames), `fit_bass(time, cumulative=...)` (Bass p, q, m with standard errors).
Errors: `InputError` (bad input; `ScenarioError` for scenarios) and `EnvironmentFault`. Each entry checks its
arguments first: a wrong Python type (a lone string for `overrides`, a float or bool `seed`) is a `TypeError`,
a bad value (a negative seed, a missing folder) an `InputError`, one line naming the argument. A scenario is
checked whole when it is built (across sections too), so the API refuses exactly what `wom validate` refuses.
Limits: `estimate_bytes(scenario, replicates_at_once)` (peak memory of a run), `version_info()`.
A tutorial: docs/tutorial.ipynb.
"""

from __future__ import annotations

import importlib
from typing import Any

#: Public name -> module that defines it, or "module:name" where the module calls it by another name.
_API: dict[str, str] = {
    "load_scenario": "sim.config.scenario",
    "scenario_from_dict": "sim.config.scenario",
    "Scenario": "sim.config.schema",
    "shipped_scenarios": "sim.config.shipped",
    "InputError": "sim.config.errors",
    "ScenarioError": "sim.config.errors",
    "EnvironmentFault": "sim.config.errors",
    "estimate_bytes": "sim.config.memory",
    "version_info": "sim.config.version",
    "WomModel": "sim.model.model",
    "make_model": "sim.model.brands",
    "run_scenario": "sim.run.runner",
    "write_run": "sim.run.runner",
    "RunResult": "sim.run.runner",
    "fit_bass": "sim.run.metrics",
    "mean_and_band": "sim.run.metrics",
    "run_sweep": "sim.research.sweep.method:run",
    "read_runs": "sim.research.sweep.store",
    "read_timeseries": "sim.research.sweep.store",
}

__all__ = sorted(_API)


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562) and keep it in the module."""
    where = _API.get(name)
    if where is None:
        raise AttributeError(f"module 'sim' has no attribute {name!r}")
    module, _, defined_as = where.partition(":")
    value = getattr(importlib.import_module(module), defined_as or name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public API (for tab completion in notebooks)."""
    return sorted(set(globals()) | set(__all__))

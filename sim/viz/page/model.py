"""The model the page drives: a WomModel built from the page's settings (scenario file and controls)."""

from __future__ import annotations

import functools
from typing import Any

import pandas as pd

from sim.config.errors import ScenarioError
from sim.model.brands import BrandsModel
from sim.model.model import WomModel
from sim.viz.page.controls import (
    DEFAULT_SCENARIO,
    Settings,
    all_controls,
    build_scenario,
    file_settings,
    load_file,
    resolve_scenario,
)
from sim.viz.page.view import NetworkView, network_view


class AppModel(WomModel):
    """A WomModel built from a scenario file, the page's population and seed, and its control values.

    Controls are passed by name (quality=0.9, forum=False, **{"events.enabled": True}); a control
    not given keeps the file's value. The page always uses the fast vector engine. The model stops
    (`running = False`) at the end of the scenario's horizon. A file with `[brands]` makes an
    `AppBrandsModel` (the same page model stepping a market of brands, sim.model.brands).
    """

    def __new__(cls, scenario_file: str = DEFAULT_SCENARIO, *args: Any, **kwargs: Any):
        if cls is AppModel and load_file(scenario_file).brands:
            cls = AppBrandsModel
        return super().__new__(cls)

    def __init__(
        self, scenario_file: str = DEFAULT_SCENARIO, population: int | None = None, seed: int = 0, **controls: Any
    ):
        path = resolve_scenario(scenario_file)
        file_scenario = load_file(scenario_file)
        known = {c.name: c for c in all_controls(file_scenario)}
        unknown = sorted(set(controls) - set(known))
        if unknown:
            raise TypeError(f"AppModel got unknown controls {unknown}; known: {sorted(known)}")
        size = int(population if population is not None else file_scenario.population.size)
        page_settings: dict[str, Any] = {"population.size": size, "run.backend": "vector"}
        settings = dict(page_settings)
        for name, value in controls.items():
            settings |= dict.fromkeys(known[name].keys, value)
        try:
            scenario, notes = build_scenario(file_scenario, settings, path)
        except ScenarioError as exc:  # a combination the schema refuses: show the file, say why
            scenario, notes = build_scenario(file_scenario, page_settings, path)
            notes.insert(0, f"the controls give an invalid scenario, so the file's values are used. {exc}")
        super().__init__(scenario, seed)
        self.scenario_file = str(scenario_file)
        self.file_scenario = file_scenario
        self.notes = notes
        self.running = self.step_index < scenario.run.n_steps

    @classmethod
    def from_settings(cls, settings: Settings) -> AppModel:
        """The model the page's settings describe."""
        return cls(settings.scenario_file, settings.population, settings.seed, **settings.values)

    @property
    def finished(self) -> bool:
        """Whether the model has reached the end of its scenario's horizon."""
        return self.step_index >= self.cfg.run.n_steps

    def step(self) -> None:
        """One step of the model; stop at the end of the scenario's horizon."""
        super().step()
        self.running = not self.finished

    @functools.cached_property
    def network_view(self) -> NetworkView:
        """The people drawn in the network view and where: computed once per model."""
        return network_view(self)

    def frame(self) -> pd.DataFrame:
        """The recorded steps as a data frame (one row per step)."""
        return pd.DataFrame.from_records(self.records)


class AppBrandsModel(AppModel, BrandsModel):
    """The page's model of a market of brands: `AppModel`'s settings and stopping, `BrandsModel`'s step."""


def default_model(scenario_file: str = DEFAULT_SCENARIO) -> AppModel:
    """The model of a scenario file as the file describes it (what picking the file shows)."""
    return AppModel.from_settings(file_settings(scenario_file))

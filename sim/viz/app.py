"""The interactive classroom page, served by Solara: `solara run sim.viz.app` (what `wom app` runs).

The page lives in the `sim.viz.page` package: its controls and the scenario picker
(`sim.viz.page.controls`), the model it drives (`model`), the sampled network view and who
convinced whom (`view`), the charts updated in place (`live`) and the Solara components (`ui`).
This module is the entry point Solara loads: it exports `Page` and `Layout`, and switches off
Solara's "This website runs on Solara" banner, which would cover a chart on a projector. Start it
with `wom app [SCENARIO.toml] [--port N]` (see `sim.cli.present` and docs/app.md).
"""

from solara.server.settings import theme

from sim.viz.page.ui import Layout, Page

theme.show_banner = False

__all__ = ["Layout", "Page"]

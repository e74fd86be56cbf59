"""The classroom page (`wom app`): its controls, the model it drives, its charts and its Solara components.

Modules: `controls` (what each control sets in a scenario, the scenario picker), `view` (the sampled
network, its layers and who convinced whom), `model` (AppModel), `live` (the charts, updated in place),
`ui` (the page). `sim.viz.app` is the entry point Solara serves.
"""

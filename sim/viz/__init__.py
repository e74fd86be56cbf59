"""Presentation: chart style and every chart, the HTML report, the classroom page."""

#: Environment variable through which `wom app` tells the page (sim.viz.app) which scenario file to open first.
SCENARIO_ENV = "WOM_APP_SCENARIO"

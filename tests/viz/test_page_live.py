"""The page's charts (sim/viz/page/live.py) from the figure side: every legend entry inside the image and
beside the data, seed users and employees in the network's legend, and chart text at least 16 px."""

from __future__ import annotations

import pytest
from matplotlib.legend import Legend

from sim.viz.page.live import CHART_FONT_PX, FIG_DPI, LiveCharts
from sim.viz.page.model import AppModel
from sim.viz.page.view import ALL_LAYERS, LAYERS

#: Browser tests of the live page at 3,000 people (seconds each): long-running.
pytestmark = pytest.mark.slow

#: Smallest chart text on the screen (px): readable from the back of a classroom on a projector.
MIN_TEXT_PX = 16
#: Steps played before the second look: the default scenario at 3,000 people has spread by then, so
#: the axes carry their widest tick labels and the channel legend its channels.
STEPS = 120
PEOPLE = 3000


def legends(chart) -> list[Legend]:
    return [a for a in chart.ax.get_children() if isinstance(a, Legend)]


def inside(inner, outer) -> bool:
    return inner.x0 >= outer.x0 and inner.y0 >= outer.y0 and inner.x1 <= outer.x1 and inner.y1 <= outer.y1


def problems(charts: LiveCharts) -> list[str]:
    """Text cut off by its figure, legends over the data, and text smaller than MIN_TEXT_PX."""
    found = []
    for chart in charts.charts:
        figure_box = chart.fig.bbox
        data_boxes = [ax.get_window_extent() for ax in chart.fig.axes]
        for legend in legends(chart):
            box = legend.get_window_extent()
            if any(box.overlaps(data) for data in data_boxes):
                found.append(f"{chart.kind}: legend over the data")
        drawn = chart.fig.get_tightbbox()  # everything drawn: legends, titles, axis and tick labels
        if not inside(drawn.transformed(chart.fig.dpi_scale_trans), figure_box):
            found.append(f"{chart.kind}: something is cut off: drawn {drawn.bounds} in {figure_box.bounds}")
        texts = [chart.heading, *(t for legend in legends(chart) for t in legend.get_texts())]
        for ax in (ax for ax in chart.fig.axes if ax.axison):
            texts += [ax.xaxis.label, ax.yaxis.label, *ax.get_xticklabels(), *ax.get_yticklabels()]
        for text in texts:
            px = text.get_fontsize() * FIG_DPI / 72
            if text.get_text() and px < MIN_TEXT_PX - 1e-9:
                found.append(f"{chart.kind}: {text.get_text()!r} is {px:.1f} px")
    return found


@pytest.mark.parametrize("layer", [ALL_LAYERS, *LAYERS])
def test_every_legend_entry_is_inside_its_chart_and_beside_the_data(layer):
    model = AppModel(population=PEOPLE, wechat=True, employees=20)
    charts = LiveCharts(model, layer)
    charts.render(model)
    assert problems(charts) == []
    for _ in range(STEPS):
        model.step()
    charts.render(model)
    assert problems(charts) == []
    assert len(legends(charts.charts[-1])[0].get_texts()) > 1  # the channel legend grew: fitted again


def test_the_network_legend_names_seed_users_and_employees_rings():
    model = AppModel(population=PEOPLE, employees=20)
    network = LiveCharts(model).charts[0]
    labels = [t.get_text() for legend in legends(network) for t in legend.get_texts()]
    assert "seed users" in labels and "employees" in labels
    assert "employees" not in [
        t.get_text() for t in legends(LiveCharts(AppModel(population=PEOPLE)).charts[0])[0].get_texts()
    ]


def test_chart_text_is_at_least_16_px():
    assert CHART_FONT_PX >= MIN_TEXT_PX

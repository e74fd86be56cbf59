"""The page's sidebar and layout (sim/viz/page/ui.py) for a projector: every control in one section, every
slider dragged with the mouse at 1280x720, text at least 16 px and not cut, the main controls without
scrolling. (The charts' legends are checked from the figure side in test_page_live.py.)"""

from __future__ import annotations

import pytest

from sim.viz.page import ui
from sim.viz.page.controls import all_controls
from tests.viz.browser import assert_projector_layout, open_page, open_section

#: Smallest text on the page (px), and the narrowest slider track that a mouse drags comfortably.
MIN_TEXT_PX = 16
MIN_TRACK_PX = 200
#: Where on its track a slider is dragged to (share of the track): away from where its thumb is.
DRAG_TO = (0.2, 0.8)
#: Text of the page a projector must show at MIN_TEXT_PX at least (sidebar labels and values, counts, head).
TEXT_SELECTORS = (
    ".wom-side .v-label",
    ".wom-side .v-select__selection-text",
    ".wom-side .v-expansion-panel-title",
    ".wom-side .v-btn",
    ".wom-tile .wom-label",
    ".wom-head",
    ".wom-changes",
)


def test_every_control_is_in_exactly_one_section():
    named = [name for _, _, names in ui.control_sections() for name in names]
    assert sorted(named) == sorted(c.name for c in all_controls())
    titles = [title for title, _, _ in ui.control_sections()]
    assert titles[-1] == ui.STRATEGIES_SECTION and ui.PEOPLE_SECTION in titles
    assert [expanded for _, expanded, _ in ui.control_sections()].count(True) == 1  # the iron triangle


def open_every_section(page) -> None:
    for title, _, _ in ui.control_sections():
        open_section(page, title)
    open_section(page, ui.VIEW_SECTION)


def drag_slider(page, index: int) -> tuple[str, str, float, str]:
    """Drag slider `index` of the sidebar with the mouse; returns (label, value before, track px, value after)."""
    slider = page.locator(".wom-side .v-slider").nth(index)
    slider.scroll_into_view_if_needed()
    label = slider.locator(".v-label").inner_text()
    thumb = slider.locator(".v-slider-thumb")
    before = thumb.get_attribute("aria-valuenow")
    track = slider.locator(".v-slider-track").bounding_box()
    knob = thumb.bounding_box()
    x, y = knob["x"] + knob["width"] / 2, knob["y"] + knob["height"] / 2
    share = (x - track["x"]) / track["width"]
    target = track["x"] + track["width"] * (DRAG_TO[0] if share > sum(DRAG_TO) / 2 else DRAG_TO[1])
    page.mouse.move(x, y)
    page.mouse.down()
    page.mouse.move(target, y, steps=8)
    page.mouse.up()
    page.wait_for_function(
        "([i, v]) => document.querySelectorAll('.wom-side .v-slider .v-slider-thumb')[i]"
        ".getAttribute('aria-valuenow') !== v",
        arg=[index, before],
    )
    return label, before, track["width"], thumb.get_attribute("aria-valuenow")


@pytest.mark.slow
def test_every_slider_drags_with_the_mouse_at_1280x720(page_url, new_page, artifacts):
    page = open_page(new_page, page_url, 1280, 720)
    open_every_section(page)
    count = page.locator(".wom-side .v-slider").count()
    sliders = sum(c.widget.startswith("Slider") for c in all_controls()) + 1  # and the random seed
    assert count == sliders
    for index in range(count):
        label, before, width, after = drag_slider(page, index)
        print(f"{label}: {before} -> {after} on a {width:.0f} px track")
        assert width >= MIN_TRACK_PX, label
        assert after != before, label
    page.screenshot(path=str(artifacts / "app-sidebar-open.png"))


def text_problems(page) -> list[str]:
    """Visible page text smaller than MIN_TEXT_PX, or cut (wider than its box)."""
    return page.evaluate(
        """([selectors, least]) => selectors.flatMap(sel => Array.from(document.querySelectorAll(sel))
            .filter(e => e.offsetParent !== null && e.textContent.trim())
            .flatMap(e => {
                const px = parseFloat(getComputedStyle(e).fontSize), found = [];
                if (px < least) found.push(`${sel} '${e.textContent.trim()}' is ${px} px`);
                if (!e.matches('.wom-head') && e.scrollWidth > e.clientWidth + 1)
                    found.push(`${sel} '${e.textContent.trim()}' is cut`);
                return found;
            }))""",
        [list(TEXT_SELECTORS), MIN_TEXT_PX],
    )


@pytest.mark.slow
def test_text_is_16_px_and_the_main_controls_fit_without_scrolling(page_url, new_page, artifacts):
    page = open_page(new_page, page_url, 1280, 720)
    assert_projector_layout(page)
    main = page.locator(".wom-side .v-expansion-panel-title", has_text="Iron triangle").locator("xpath=../..")
    assert main.bounding_box()["y"] + main.bounding_box()["height"] <= 720  # open, fully on the screen
    page.screenshot(path=str(artifacts / "app-1280x720.png"))
    open_every_section(page)
    assert text_problems(page) == []
    page = open_page(new_page, page_url, 1024, 768)  # a projector's own resolution
    page.screenshot(path=str(artifacts / "app-1024x768.png"))

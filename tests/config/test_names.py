"""The shared name rule (sim.config.names)."""

from __future__ import annotations

import pytest

from sim.config.names import NAME_PATTERN


def test_names_agree_with_the_output_writer():
    io = pytest.importorskip("sim.run.io")
    assert io.NAME_PATTERN.pattern == NAME_PATTERN.pattern

"""The shared name rule (sim.config.names) is the output writer's rule."""

from __future__ import annotations

import pytest

from sim.config.names import NAME_PATTERN
from sim.run.io import OutputError, output_name


@pytest.mark.parametrize(
    "name", ["default", "miui-2", "a.b_c", "x" * 100, "", "..", "a/b", ".hidden", "x" * 101, "a b"]
)
def test_the_output_writer_accepts_exactly_the_names_the_rule_allows(name):
    if NAME_PATTERN.fullmatch(name):
        assert output_name(name) == name
    else:
        with pytest.raises(OutputError):
            output_name(name)

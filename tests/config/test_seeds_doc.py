"""docs/seeds.md, the sources' 85 ideas and where the model stands (issue 27): one row per idea S01-S85,
each with a status Y, P or out, a summary line that counts them, and every key it names in backticks a
field of the scenario schema (or an existing file), so the table cannot name a key that does not exist."""

from __future__ import annotations

import re
from collections import Counter
from pathlib import Path

import pytest
from pydantic import BaseModel

from sim.config.schema import Scenario

ROOT = Path(__file__).resolve().parents[2]
SEEDS_DOC = ROOT / "docs" / "seeds.md"
#: The number of ideas in the sources (S01-S85).
IDEAS = 85
STATUSES = ("Y", "P", "out")
#: A table row of an idea: | S01 | idea | status | keys | where |
ROW = re.compile(r"^\| (S\d\d) \|(.*)\|$")
#: What a backticked span names: its first word (a key, or a path), before any "=" or space.
NAMED = re.compile(r"`([^`\s=]+)[^`]*`")


def schema_keys(model: type[BaseModel] = Scenario, prefix: str = "") -> set[str]:
    """Every dotted key of the scenario schema: fields and the sections (tables) that hold fields."""
    keys = set()
    for name, field in model.model_fields.items():
        dotted = f"{prefix}{name}"
        keys.add(dotted)
        annotation = field.annotation
        if isinstance(annotation, type) and issubclass(annotation, BaseModel):
            keys |= schema_keys(annotation, f"{dotted}.")
    return keys


def rows() -> list[tuple[str, list[str]]]:
    """(id, cells) of each idea's row, in the file's order."""
    found = []
    for line in SEEDS_DOC.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line)
        if match:
            found.append((match.group(1), [cell.strip() for cell in match.group(2).split("|")]))
    return found


def test_there_is_one_row_per_idea_in_order_with_a_status():
    ids = [idea for idea, _ in rows()]
    assert ids == [f"S{i:02d}" for i in range(1, IDEAS + 1)]
    for idea, cells in rows():
        assert len(cells) == 4, f"{idea}: expected idea, status, keys, where; got {cells}"
        assert cells[1] in STATUSES, f"{idea}: status {cells[1]!r} is not one of {STATUSES}"
        assert cells[0] and cells[2], f"{idea}: the idea and its keys or reason must be given"


def test_the_summary_counts_the_statuses():
    counts = Counter(cells[1] for _, cells in rows())
    summary = f"**Summary: Y {counts['Y']}, P {counts['P']}, out {counts['out']} ({IDEAS} ideas).**"
    assert summary in SEEDS_DOC.read_text(encoding="utf-8")


def test_modelled_and_partial_ideas_name_a_key_and_out_ideas_say_why():
    for idea, (_, status, note, _) in rows():
        if status == "out":
            assert note.startswith(("scope:", "gap:")), f"{idea}: say whether it is out of scope or a gap"
        else:
            assert NAMED.search(note), f"{idea}: a {status} names the keys that express it"
        if status == "P":
            assert "missing" in note, f"{idea}: a P says what is missing"


def named_in_doc() -> list[str]:
    """Every dotted name in backticks in the whole file (keys and paths)."""
    return [name for name in NAMED.findall(SEEDS_DOC.read_text(encoding="utf-8")) if "." in name]


@pytest.mark.parametrize("name", sorted(set(named_in_doc())))
def test_every_backticked_key_is_in_the_schema_or_is_a_file(name):
    assert name in schema_keys() or (ROOT / name).is_file(), f"{name}: neither a scenario key nor a file"


def test_the_schema_walk_finds_fields_and_sections():
    keys = schema_keys()
    assert {"channels.forum", "channels.weibo.start_at_adoption", "fan_building.honour.rate"} <= keys
    assert "channels.nothing" not in keys

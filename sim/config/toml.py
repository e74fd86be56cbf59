"""The one TOML reader and writer of the project (scenarios, sweep specs, claim specs, calibrated files).

Reading is bounded before parsing: a file larger than `MAX_TOML_BYTES` or nested deeper than
`MAX_TOML_DEPTH` tables/arrays is refused with an `InputError` naming the file (a scenario is a few
kilobytes and four levels deep; the bounds stop hostile files from exhausting memory or the stack).
"""

from __future__ import annotations

import copy
import json
import math
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.config.errors import InputError, os_reason

#: Largest TOML file read (bytes). Shipped scenarios are under 4 KB.
MAX_TOML_BYTES = 1_000_000
#: Deepest nesting of tables and arrays accepted (shipped files use 3).
MAX_TOML_DEPTH = 16

_BARE_KEY = re.compile(r"^[A-Za-z0-9_-]+$")


def read_toml(path: str | Path) -> dict[str, Any]:
    """The table of a TOML file, or one `InputError` naming the file and what is wrong with it."""
    path = Path(path)
    try:
        if not path.is_file():
            raise InputError(f"{path}: file not found" if not path.exists() else f"{path}: not a file")
        size = path.stat().st_size
        if size > MAX_TOML_BYTES:
            raise InputError(f"{path}: {size} bytes; a TOML file may have at most {MAX_TOML_BYTES} bytes")
        raw = path.read_bytes()
    except OSError as exc:
        raise InputError(f"{path}: cannot be read: {os_reason(exc)}") from None
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise InputError(f"{path}: not a UTF-8 text file: {exc}") from None
    return loads_toml(text, str(path))


def read_spec(path: str | Path, model: type, error: type[InputError], format_error: Callable) -> Any:
    """A TOML file validated by a pydantic `model` (a sweep spec, a claim): any problem is one `error`
    naming the file (read_toml's message, or `format_error(validation_error, file)` with the keys)."""
    from pydantic import ValidationError

    try:
        data = read_toml(path)
    except InputError as exc:
        raise error(str(exc)) from None
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise error(format_error(exc, str(path))) from None


def loads_toml(text: str, source: str) -> dict[str, Any]:
    """Parse TOML text; `source` names it in errors. Nesting is bounded before and after parsing."""
    if _bracket_depth(text) > MAX_TOML_DEPTH:
        raise InputError(f"{source}: nested too deeply; at most {MAX_TOML_DEPTH} levels of arrays/tables are allowed")
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise InputError(f"{source}: malformed TOML: {exc}") from None
    except RecursionError:
        raise InputError(f"{source}: nested too deeply; at most {MAX_TOML_DEPTH} levels are allowed") from None
    if _data_depth(data) > MAX_TOML_DEPTH:
        raise InputError(f"{source}: nested too deeply; at most {MAX_TOML_DEPTH} levels of tables are allowed")
    return data


def _bracket_depth(text: str) -> int:
    """Deepest nesting of [ and { in the text (an upper bound of the parser's recursion; brackets inside
    strings count too, which only makes the bound stricter for odd files)."""
    depth = best = 0
    for ch in text:
        if ch in "[{":
            depth += 1
            best = max(best, depth)
        elif ch in "]}" and depth:
            depth -= 1
    return best


def _data_depth(data: Any) -> int:
    """Deepest nesting of tables and lists in parsed data (iterative: no recursion on hostile input)."""
    best, stack = 0, [(data, 1)]
    while stack:
        node, depth = stack.pop()
        best = max(best, depth)
        if depth > MAX_TOML_DEPTH:
            break
        children = node.values() if isinstance(node, dict) else node if isinstance(node, list) else ()
        stack.extend((c, depth + 1) for c in children if isinstance(c, (dict, list)))
    return best


def toml_key(key: str) -> str:
    """A bare key when allowed, else a quoted one."""
    return key if _BARE_KEY.match(key) else json.dumps(key)


def toml_value(value: Any) -> str:
    """A TOML literal for a bool, number, string or list of those (also the VALUE of a --set KEY=VALUE)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if math.isnan(value):
            return "nan"
        if math.isinf(value):
            return "inf" if value > 0 else "-inf"
        return repr(value)
    if isinstance(value, str):
        return json.dumps(value).replace("\x7f", "\\u007f")  # JSON escapes are valid TOML basic-string escapes
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(toml_value(v) for v in value) + "]"
    raise TypeError(f"cannot write {type(value).__name__} {value!r} as TOML")


def dumps_toml(data: dict, _path: tuple[str, ...] = ()) -> str:
    """TOML text of a nested dict of tables, scalars and lists of scalars (what scenario files use).

    Values of a table come first, then its sub-tables as [a.b] sections. Arrays of tables and dates
    are not needed for scenarios and are not supported.
    """
    scalars = {k: v for k, v in data.items() if not isinstance(v, dict)}
    tables = {k: v for k, v in data.items() if isinstance(v, dict)}
    lines = []
    if _path and (scalars or not tables):
        lines.append(f"[{'.'.join(toml_key(p) for p in _path)}]")
    lines += [f"{toml_key(k)} = {toml_value(v)}" for k, v in scalars.items()]
    for key, table in tables.items():
        if lines:
            lines.append("")
        lines.append(dumps_toml(table, (*_path, key)).rstrip("\n"))
    return "\n".join(lines) + "\n"


def deep_merge(base: dict, top: dict) -> dict:
    """Nested tables merged key by key; values in `top` replace those in `base` (a copy)."""
    out = copy.deepcopy(base)
    for key, value in top.items():
        if isinstance(value, dict) and isinstance(out.get(key), dict):
            out[key] = deep_merge(out[key], value)
        else:
            out[key] = copy.deepcopy(value)
    return out

"""Checks of the Python API's arguments: each public entry checks its arguments up front.

A wrong Python type (None where a path is needed, a string where a list is, a float or bool seed) is a
`TypeError`; a value of the right type that cannot be used (a negative seed, a folder that does not
exist) is an `InputError`. Each message is one line naming the argument and what is allowed, so a
script or notebook fails at the call that is wrong, never deep inside a run or silently.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from sim.config.errors import InputError

#: Longest shown value in a message (characters).
SHOWN = 60


def shown(value: Any) -> str:
    """A value in a message: its type and (shortened) repr, `str 'abc'`."""
    text = repr(value)
    if len(text) > SHOWN:
        text = text[: SHOWN - 3] + "..."
    return f"{type(value).__name__} {text}"


def check_path(name: str, value: Any) -> Path:
    """`value` as a Path: a str or os.PathLike (not empty), else TypeError / InputError naming `name`."""
    if isinstance(value, bool) or not isinstance(value, (str, os.PathLike)):
        raise TypeError(f"{name}: must be a path (str or pathlib.Path), got {shown(value)}")
    path = Path(value)
    if not str(value) or "\0" in str(path):
        raise InputError(f"{name}: must be a non-empty path without NUL characters, got {shown(value)}")
    return path


def check_folder(name: str, value: Any) -> Path:
    """`value` as the Path of an existing folder, else TypeError / InputError naming `name`."""
    path = check_path(name, value)
    if not path.is_dir():
        reason = "is a file, not a folder" if path.exists() else "no such folder"
        raise InputError(f"{name} {path}: {reason}")
    return path


def check_strings(name: str, value: Any, what: str) -> list[str]:
    """`value` as a list of strings: a list or tuple of str (a lone str is refused, not read letter by letter)."""
    if isinstance(value, str) or not isinstance(value, (list, tuple)):
        hint = f" (one item is written [{value!r:.{SHOWN}}])" if isinstance(value, str) else ""
        raise TypeError(f"{name}: must be a list of {what}, got {shown(value)}{hint}")
    wrong = [item for item in value if not isinstance(item, str)]
    if wrong:
        raise TypeError(f"{name}: must be a list of {what}, got an item {shown(wrong[0])}")
    return list(value)


def check_int(name: str, value: Any, low: int, high: int) -> int:
    """`value` as an int in [low, high]: a bool or float is a TypeError (no silent rounding), out of range InputError."""
    if isinstance(value, bool) or not isinstance(value, int):
        if type(value).__module__ == "numpy" and hasattr(value, "dtype") and value.dtype.kind in "iu":
            value = value.item()  # a numpy integer holds an int exactly
        else:
            raise TypeError(f"{name}: must be an integer in [{low}, {high}], got {shown(value)}")
    if not low <= value <= high:
        raise InputError(f"{name}: must be an integer in [{low}, {high}], got {value}")
    return int(value)


def check_optional_int(name: str, value: Any, low: int, high: int) -> int | None:
    """None (the default applies), or an int in [low, high] (`check_int`)."""
    return None if value is None else check_int(name, value, low, high)


def check_callable(name: str, value: Any) -> Callable | None:
    """None, or a callable (a progress or draw function)."""
    if value is not None and not callable(value):
        raise TypeError(f"{name}: must be a function or None, got {shown(value)}")
    return value


def check_instance(name: str, value: Any, kind: type, how: str) -> Any:
    """`value` if it is a `kind`, else TypeError naming `name` and how to get one (`how`)."""
    if not isinstance(value, kind):
        raise TypeError(f"{name}: must be a {kind.__name__} ({how}), got {shown(value)}")
    return value

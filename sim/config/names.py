"""What may be used as a file name: a scenario's `name`, a sweep's name (they become output folders).

`NAME_PATTERN` is the one definition: letters, digits, '.', '_', '-'; starting with a letter or digit;
at most 100 characters, so a name is never '.', '..', hidden, absolute or a path. sim.run.io uses the
same pattern for the names it turns into paths (tests/config/test_names.py checks they agree).
"""

from __future__ import annotations

import re

#: A name that may become a file or directory name.
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$")
#: The pattern in words, for error messages and documentation.
NAME_RULE = (
    "a plain file name (letters, digits, '.', '_', '-'; starting with a letter or digit; at most 100 characters)"
)


def is_safe_name(name: object) -> bool:
    """Whether `name` is a string matching NAME_PATTERN."""
    return isinstance(name, str) and bool(NAME_PATTERN.match(name))

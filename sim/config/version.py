"""The project's version and, in a git checkout, its commit: what a result was made with.

`version_info()` is what outputs record (summary.json, sweep.json) and what `wom --version` prints.
"""

from __future__ import annotations

import subprocess
from functools import lru_cache
from importlib import metadata
from pathlib import Path

#: Distribution name of the project (pyproject.toml [project] name).
DISTRIBUTION = "wom-sim"
#: Seconds allowed for `git rev-parse` (a slow or hung git must not block a run).
GIT_TIMEOUT_S = 5


@lru_cache(maxsize=1)
def version_info() -> dict[str, str | None]:
    """{"version": the installed version (or "unknown"), "commit": the git commit of the checkout the
    package runs from, with "+dirty" when it has uncommitted changes, or None outside a checkout}."""
    try:
        version = metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        version = "unknown"
    return {"version": version, "commit": _git_commit(Path(__file__).resolve().parents[2])}


def _git_commit(root: Path) -> str | None:
    """The checkout's HEAD commit (+dirty), or None when `root` is not a git checkout or git is missing."""
    if not (root / ".git").exists():
        return None
    try:
        head = subprocess.run(
            ["git", "-C", str(root), "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            check=True,
        ).stdout.strip()
        dirty = subprocess.run(
            ["git", "-C", str(root), "status", "--porcelain", "--untracked-files=no"],
            capture_output=True,
            text=True,
            timeout=GIT_TIMEOUT_S,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return None
    return f"{head}+dirty" if dirty else head or None

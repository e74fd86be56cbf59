"""The scenarios, experiments (the sources' claims, the sweeps) and example data that ship with the package.

In a git checkout they are the top-level `scenarios/` and `experiments/` folders (the source of truth)
and `sim/data/examples/`; a built wheel carries copies of the first two in `sim/data/` (setup.py's
build step copies them), so `wom run miui` works from any folder after `pip install`. A scenario is
named by its file name without `.toml` (`miui`, `default`, `bass`), or by its path below
`scenarios/` (`playbook/miui`).
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from sim.config.errors import InputError
from sim.config.names import NAME_PATTERN

#: The package's data folder (wheel: scenarios/, experiments/ and examples/; checkout: examples/ only).
PACKAGE_DATA = Path(__file__).resolve().parents[1] / "data"
#: The checkout's root (holds scenarios/ and experiments/ when running from the repository).
CHECKOUT = Path(__file__).resolve().parents[2]
#: Folders shipped with the package, as (name in sim/data, source folder in a checkout).
FOLDERS = ("scenarios", "experiments")
#: A shipped name: one or more plain names separated by '/' (no '..', no absolute path).
#: Most close shipped names suggested for a mistyped scenario name.
SUGGESTIONS = 3
_SHIPPED_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*(/[A-Za-z0-9][A-Za-z0-9._-]*)*$")


def shipped_folder(name: str) -> Path:
    """Where the shipped `scenarios` or `experiments` live: the wheel's copy, else the checkout's folder."""
    packaged = PACKAGE_DATA / name
    return packaged if packaged.is_dir() else CHECKOUT / name


def examples_folder() -> Path:
    """The shipped example data (sim/data/examples)."""
    return PACKAGE_DATA / "examples"


def shipped_scenarios() -> dict[str, tuple[Path, str]]:
    """Shipped scenario name -> (file, one-line description), in a stable order (default first)."""
    from sim.config.toml import read_toml

    root = shipped_folder("scenarios")
    rows: dict[str, tuple[Path, str]] = {}
    for path in sorted(root.rglob("*.toml"), key=lambda p: (p.parent != root, str(p))):
        try:
            description = str(read_toml(path).get("description", ""))
        except InputError:
            description = "(unreadable)"
        if not description:
            description = _first_comment(path)
        rows.setdefault(path.stem, (path, description))
    return rows


def _first_comment(path: Path) -> str:
    """The first comment line of a file (the scenarios without a description start with one)."""
    try:
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.startswith("#"):
                return line.lstrip("# ").strip()
    except (OSError, UnicodeDecodeError):
        pass
    return ""


def example_files() -> list[Path]:
    """The shipped example data files."""
    folder = examples_folder()
    return sorted(p for p in folder.iterdir() if p.is_file() and not p.name.startswith(".")) if folder.is_dir() else []


def resolve_scenario(path: str | Path) -> Path:
    """A scenario argument as a file: an existing path as given, else a shipped scenario's name.

    `miui`, `miui.toml`, `playbook/miui` and `scenarios/playbook/miui.toml` (from any folder) name
    shipped files; anything else is returned unchanged (the loader then says the file is not found).
    """
    given = Path(path)
    if given.exists():
        return given
    return shipped_scenario(str(path)) or given


def shipped_scenario(name: str) -> Path | None:
    """The shipped scenario file a name stands for (see `resolve_scenario`), or None."""
    text = name.removesuffix(".toml").removeprefix("scenarios/")
    if not _SHIPPED_NAME.match(text) or ".." in text.split("/"):
        return None
    direct = shipped_folder("scenarios") / f"{text}.toml"
    if direct.is_file():
        return direct
    if NAME_PATTERN.match(text):
        found = shipped_scenarios().get(text)
        if found is not None:
            return found[0]
    return None


def scenario_beside(folder: Path, name: str) -> Path:
    """The scenario a spec file names (`scenario`, `baseline`, a claim arm's): a file relative to the spec's
    folder, else a shipped scenario's name; InputError naming both places when it is neither."""
    beside = folder / name
    if beside.is_file():
        return beside
    shipped = shipped_scenario(name)
    if shipped is not None:
        return shipped
    raise InputError(f"{name!r} is neither a file beside the spec ({beside}) nor {shipped_hint(name)}")


def shipped_hint(name: str | Path) -> str:
    """What to say when `name` is no file and no shipped scenario: "a shipped scenario", the closest
    shipped names (difflib) if any, and where to list them."""
    import difflib

    text = Path(str(name)).name.removesuffix(".toml")
    close = difflib.get_close_matches(text, list(shipped_scenarios()), n=SUGGESTIONS)
    maybe = f" (did you mean {' or '.join(repr(c) for c in close)}?)" if close else ""
    return f"a shipped scenario{maybe}; `wom scenarios` lists them"


def copy_shipped(target: str | Path) -> Path:
    """Copy the shipped scenarios, experiments and example data into a new folder `target`.

    The relative paths between them are kept (experiments name their scenarios as ../../scenarios/...),
    so the copies work as they are. An existing `target` is refused (InputError): nothing is overwritten.
    """
    target = Path(target)
    if target.exists():
        raise InputError(f"--copy {target}: already exists; give a new folder")
    staging = target.with_name(f".{target.name}.partial")
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    for name in FOLDERS:
        shutil.copytree(shipped_folder(name), staging / name, ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    shutil.copytree(examples_folder(), staging / "data", ignore=shutil.ignore_patterns("__pycache__", "*.py"))
    staging.rename(target)
    return target

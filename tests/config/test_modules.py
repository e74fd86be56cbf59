"""The modules of sim.config, and of sim.networks above it, import each other without a cycle (issue 23).

A cycle hidden under TYPE_CHECKING or inside a function still ties modules together, so every import
counts (grimp, which import-linter uses, reads them all).
"""

from __future__ import annotations

import pytest

grimp = pytest.importorskip("grimp")


def import_cycle(package: str) -> list[str] | None:
    """One cycle of imports among the modules of `package` (first module repeated at the end), or None."""
    graph = grimp.build_graph(package.split(".")[0], exclude_type_checking_imports=False, cache_dir=None)
    modules = sorted(m for m in graph.modules if m.startswith(f"{package}."))
    state: dict[str, str] = {}  # "open" while on the path, "done" once every import below it is checked

    def visit(module: str, path: list[str]) -> list[str] | None:
        state[module] = "open"
        for imported in sorted(graph.find_modules_directly_imported_by(module)):
            if imported not in modules:
                continue
            if state.get(imported) == "open":
                return [*path[path.index(imported) :], imported]
            if imported not in state and (cycle := visit(imported, [*path, imported])):
                return cycle
        state[module] = "done"
        return None

    for module in modules:
        if module not in state and (cycle := visit(module, [module])):
            return cycle
    return None


@pytest.mark.parametrize("package", ["sim.config", "sim.networks"])
def test_modules_import_each_other_without_a_cycle(package):
    assert import_cycle(package) is None


def test_a_cycle_under_type_checking_is_found(tmp_path, monkeypatch):
    """The check itself, on a package whose two modules import each other, one under TYPE_CHECKING."""
    package = tmp_path / "cyclic_pkg"
    package.mkdir()
    (package / "__init__.py").write_text("")
    (package / "a.py").write_text("from cyclic_pkg.b import B\n")
    (package / "b.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from cyclic_pkg.a import A\nB = 1\n"
    )
    monkeypatch.syspath_prepend(str(tmp_path))
    assert import_cycle("cyclic_pkg") in (
        ["cyclic_pkg.a", "cyclic_pkg.b", "cyclic_pkg.a"],
        ["cyclic_pkg.b", "cyclic_pkg.a", "cyclic_pkg.b"],
    )

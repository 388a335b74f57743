"""The package's import graph follows the layers of docs/architecture.md.

The test reads every module under ``src/cccdqr`` with :mod:`ast` (no import,
so nothing runs) and checks two things: no module imports another that
imports it back, however long the circle, and no import goes up the layers
or across to a sibling on the same floor. Imports inside functions count too:
a lazy import still ties the two modules together.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"

LAYERS: dict[str, int] = {
    "core": 0, "testkeys": 0, "data": 0,
    "wire": 1, "qr": 1,
    "trust": 2,
    "formats": 3,
    "policy": 4, "rules": 4,
    "engine": 5,
    "checkpoint": 6,
    "batch": 7, "serve": 7,
    "cli": 8, "testing": 8,
    "": 9,  # the facade, cccdqr/__init__.py
}
"""Package → floor, as in docs/architecture.md. A module may import its own
package and any package on a lower floor; never a higher one, never a sibling."""


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(SRC).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


MODULES = {_module_name(p): p for p in sorted((SRC / "cccdqr").rglob("*.py"))}


def _package(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _imports(module: str) -> set[str]:
    """The cccdqr modules ``module`` imports (a ``from pkg import sub`` of a
    submodule counts as importing the submodule itself)."""
    tree = ast.parse(MODULES[module].read_text(encoding="utf-8"))
    is_package = MODULES[module].name == "__init__.py"
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "cccdqr")
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:  # relative: resolve against this module's package
                anchor = module.split(".")
                anchor = anchor[: len(anchor) - node.level + (1 if is_package else 0)]
                base = ".".join(anchor + ([base] if base else []))
            if base.split(".")[0] != "cccdqr":
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in MODULES else base)
    found.discard(module)
    return found


GRAPH = {m: _imports(m) for m in MODULES}


def test_every_package_has_a_floor() -> None:
    unknown = {_package(m) for m in MODULES} - set(LAYERS)
    assert not unknown, f"add these packages to LAYERS and docs/architecture.md: {unknown}"


def test_imports_only_go_down() -> None:
    wrong = []
    for module, targets in GRAPH.items():
        here = _package(module)
        for target in targets:
            there = _package(target)
            if there != here and LAYERS[there] >= LAYERS[here]:
                wrong.append(f"{module} (floor {LAYERS[here]}) imports {target} "
                             f"(floor {LAYERS[there]})")
    assert not wrong, "\n".join(sorted(wrong))


def _cycle() -> list[str] | None:
    """One import circle, as the modules along it, or None (depth-first search)."""
    state: dict[str, int] = {}  # 1 = on the current path, 2 = done
    path: list[str] = []

    def visit(module: str) -> list[str] | None:
        state[module] = 1
        path.append(module)
        for target in sorted(GRAPH[module]):
            if state.get(target) == 1:
                return path[path.index(target):] + [target]
            if target not in state and (found := visit(target)):
                return found
        path.pop()
        state[module] = 2
        return None

    for module in sorted(GRAPH):
        if module not in state and (found := visit(module)):
            return found
    return None


def test_no_import_circles() -> None:
    circle = _cycle()
    assert circle is None, " -> ".join(circle or [])


def test_the_checks_can_fail() -> None:
    """The walk sees real edges: engine.verify imports the formats it dispatches
    to, and a made-up back edge would close a circle."""
    assert any(_package(t) == "formats" for t in GRAPH["cccdqr.engine.verify"])
    GRAPH["cccdqr.core.reasons"].add("cccdqr.engine.verify")
    try:
        assert _cycle() is not None
    finally:
        GRAPH["cccdqr.core.reasons"].discard("cccdqr.engine.verify")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_every_module_says_what_it_owns(module: str) -> None:
    doc = ast.get_docstring(ast.parse(MODULES[module].read_text(encoding="utf-8")))
    assert doc, f"{module} has no module docstring"


PACKAGES = sorted(p for p in LAYERS if p and (SRC / "cccdqr" / p / "__init__.py").exists())


@pytest.mark.parametrize("package", PACKAGES)
def test_every_package_says_what_it_may_import(package: str) -> None:
    doc = ast.get_docstring(ast.parse((SRC / "cccdqr" / package / "__init__.py").read_text("utf-8")))
    words = " ".join((doc or "").lower().split())
    assert "may import" in words or "imports nothing" in words, package


def test_the_map_names_every_package() -> None:
    text = (SRC.parent / "docs" / "architecture.md").read_text(encoding="utf-8")
    missing = [p for p in LAYERS if p and p != "data" and f"{p}/" not in text and p != "testkeys"]
    assert not missing, f"docs/architecture.md does not place {missing}"


MAX_FUNCTION_LINES = 60
"""Code lines (the docstring not counted) a function may have, unless its
docstring says why it must be one piece."""


def _says_one_piece(doc: str | None) -> bool:
    return "one piece" in " ".join((doc or "").lower().split())


def _long_functions() -> list[str]:
    found = []
    for module, path in MODULES.items():
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                continue
            doc = ast.get_docstring(node) or ""
            body = node.body[1:] if doc else node.body
            if not body or _says_one_piece(doc):
                continue
            lines = (node.end_lineno or node.lineno) - body[0].lineno + 1
            if lines > MAX_FUNCTION_LINES:
                found.append(f"{module}.{node.name}: {lines} lines")
    return found


def test_no_function_over_sixty_lines() -> None:
    assert not _long_functions(), "\n".join(_long_functions())


def test_the_length_check_sees_the_cbor_scan() -> None:
    """The one long function there is says why; without that sentence it counts."""
    scan = next(n for n in ast.walk(ast.parse(MODULES["cccdqr.wire.cbor"].read_text("utf-8")))
                if isinstance(n, ast.FunctionDef) and n.name == "scan")
    assert (scan.end_lineno or 0) - scan.body[1].lineno + 1 > MAX_FUNCTION_LINES
    assert _says_one_piece(ast.get_docstring(scan))

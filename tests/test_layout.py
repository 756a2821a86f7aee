"""The code's layout keeps its arrows pointing one way: no import cycles, and each layer imports only
the layers below it (STYLE.md, "The architecture shows in the folders").

Every import counts, also one inside a function or under ``TYPE_CHECKING``: a lazy import is still a
dependency, and a cycle through one is still a cycle.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("conformance", "reference", "targets")


def _module_name(path: Path) -> str:
    parts = list(path.relative_to(ROOT).with_suffix("").parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def _modules() -> dict[str, Path]:
    return {_module_name(path): path for package in PACKAGES for path in (ROOT / package).rglob("*.py")}


def _imports(path: Path, modules: dict[str, Path]) -> set[str]:
    """The project modules ``path`` imports, resolved to module names (``from a import b`` is ``a.b``
    when ``a.b`` is a module, else ``a``)."""
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            names = [f"{node.module}.{alias.name}" for alias in node.names] + [node.module]
        else:
            continue
        for name in names:
            if name in modules:
                found.add(name)
            elif name.rpartition(".")[0] in modules and isinstance(node, ast.ImportFrom):
                found.add(name.rpartition(".")[0])
    found.discard(_module_name(path))
    return found


def import_graph() -> dict[str, set[str]]:
    modules = _modules()
    graph = {name: _imports(path, modules) for name, path in modules.items()}
    for name in graph:  # a package's __init__ is not what a submodule depends on
        graph[name] = {other for other in graph[name] if not name.startswith(f"{other}.")}
    return graph


def cycles(graph: dict[str, set[str]]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan), each sorted."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for other in sorted(graph.get(node, ())):
            if other not in index:
                visit(other)
                low[node] = min(low[node], low[other])
            elif other in on_stack:
                low[node] = min(low[node], index[other])
        if low[node] == index[node]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == node:
                    break
            if len(component) > 1:
                found.append(sorted(component))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_one_that_imports_it_back() -> None:
    found = cycles(import_graph())
    assert not found, "import cycles: " + "; ".join(" <-> ".join(cycle) for cycle in found)


def test_cycles_are_found() -> None:
    assert cycles({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}}) == [["a", "b", "c"]]
    assert cycles({"a": {"b"}, "b": set()}) == []


def _layer(module: str) -> str:
    parts = module.split(".")
    if parts[0] != "conformance":
        return parts[0]
    if len(parts) > 1 and parts[1] in ("specs", "reports", "benchmarks", "plugin"):
        return parts[1]
    return "core"


GENERIC_TARGETS = {"targets", "targets.torchlike"}
"""The registry of target names and the adapter for any torch-like module: what resolving a --target
needs. No concrete engine's adapter is among them, so the core never imports an engine."""

ALLOWED = {
    # a layer -> the layers it may import (besides itself)
    "core": {"reference"},
    "specs": {"core", "reference"},
    "reports": {"core"},
    "benchmarks": {"core", "reference"},
    "plugin": {"core", "reports", "benchmarks", "reference", "targets"},
    "reference": {"targets", "core"},
    "targets": {"core"},
}


@pytest.mark.parametrize("layer", sorted(ALLOWED))
def test_each_layer_imports_only_the_layers_below_it(layer: str) -> None:
    wrong = [
        f"{module} imports {other}"
        for module, imported in sorted(import_graph().items())
        if _layer(module) == layer
        for other in sorted(imported)
        if _layer(other) != layer
        and _layer(other) not in ALLOWED[layer]
        and not (layer == "core" and other in GENERIC_TARGETS)
    ]
    assert not wrong, f"{layer} may import only {sorted(ALLOWED[layer])}:\n  " + "\n  ".join(wrong)


def test_every_package_says_what_lives_there() -> None:
    for init in [ROOT / package / "__init__.py" for package in PACKAGES] + [
        ROOT / "conformance" / sub / "__init__.py" for sub in ("specs", "reports", "benchmarks")
    ]:
        doc = ast.get_docstring(ast.parse(init.read_text(encoding="utf-8")))
        assert doc and len(doc.split()) >= 10, (
            f"{init.relative_to(ROOT)} has no docstring saying what lives there"
        )

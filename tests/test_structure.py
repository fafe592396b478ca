"""The package's structure, read from its source with ``ast`` (nothing is imported): no import
cycle, no upward arrow between the layers, no oversized module or function.

The layers (STYLE.md): ``graph/`` reads models and knows no checks; ``linting/`` walks graphs
and never trains; ``probing/`` trains; ``render/`` only formats; ``cli.py`` is the thin top.
``config``/``findings``/``errors`` are plain data that every layer may use.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "modelcheck"

#: layer -> the layers it must not import (a layer is the first package level: graph, cli, ...).
FORBIDDEN = {
    "graph": {"linting", "probing", "render", "cli", "catalog"},
    "linting": {"probing", "render", "cli"},
    "render": {"probing", "linting", "cli", "catalog"},
    "checks": {"linting", "probing", "graph", "render", "cli", "catalog"},
    "config": {"linting", "probing", "graph", "render", "cli", "catalog", "checks"},
    "findings": {"linting", "probing", "graph", "render", "cli", "catalog", "checks"},
    "errors": {"linting", "probing", "graph", "render", "cli", "catalog", "checks", "findings"},
}
MAX_MODULE_LINES = 700
MAX_FUNCTION_LINES = 80


def _modules() -> dict[str, tuple[Path, bool]]:
    out = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        parts = list(path.relative_to(PACKAGE.parent).with_suffix("").parts)
        is_package = parts[-1] == "__init__"
        out[".".join(parts[:-1] if is_package else parts)] = (path, is_package)
    return out


MODULES = _modules()


def imports_of(name: str) -> set[str]:
    """The modelcheck modules ``name`` imports anywhere (top level, functions, TYPE_CHECKING):
    ``from P import N`` is an import of ``P.N`` when that is a module, else of ``P``."""
    path, is_package = MODULES[name]
    package = name if is_package else name.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names)
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")[: len(package.split(".")) - node.level + 1]
                module = ".".join([*base, node.module] if node.module else base)
            else:
                module = node.module or ""
            for alias in node.names:
                sub = f"{module}.{alias.name}"
                found.add(sub if sub in MODULES else module)
    return {m for m in found if m in MODULES and m != name}


GRAPH = {name: imports_of(name) for name in MODULES}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else ""


def _cycles() -> list[list[str]]:
    """Strongly connected components of more than one module (Tarjan, iterative)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    out: list[list[str]] = []
    for root in sorted(GRAPH):
        if root in index:
            continue
        work = [(root, iter(sorted(GRAPH[root])))]
        index[root] = low[root] = len(index)
        stack.append(root)
        on_stack.add(root)
        while work:
            node, children = work[-1]
            child = next(children, None)
            if child is not None:
                if child not in index:
                    index[child] = low[child] = len(index)
                    stack.append(child)
                    on_stack.add(child)
                    work.append((child, iter(sorted(GRAPH[child]))))
                elif child in on_stack:
                    low[node] = min(low[node], index[child])
                continue
            work.pop()
            if work:
                low[work[-1][0]] = min(low[work[-1][0]], low[node])
            if low[node] == index[node]:
                component = []
                while True:
                    member = stack.pop()
                    on_stack.discard(member)
                    component.append(member)
                    if member == node:
                        break
                if len(component) > 1:
                    out.append(sorted(component))
    return out


def test_the_walker_sees_the_imports_it_must():
    # a control: known arrows are found, so an empty result below means something
    assert "modelcheck.graph.readers.bounded" in GRAPH["modelcheck.graph.readers.model_file"]
    assert "modelcheck.checks" in GRAPH["modelcheck.linting.rule"]
    assert "modelcheck.probing.datasets.adapt" in GRAPH["modelcheck.probing.datasets.npz"]


def test_no_import_cycle_among_modelcheck_modules():
    assert _cycles() == []


def test_cycle_finder_finds_a_cycle():
    saved = dict(GRAPH)
    try:
        GRAPH["modelcheck.errors"] = {"modelcheck.findings"}
        GRAPH["modelcheck.findings"] = GRAPH["modelcheck.findings"] | {"modelcheck.errors"}
        assert ["modelcheck.errors", "modelcheck.findings"] in _cycles()
    finally:
        GRAPH.clear()
        GRAPH.update(saved)


@pytest.mark.parametrize("layer", sorted(FORBIDDEN))
def test_no_upward_import(layer):
    wrong = [
        f"{a} -> {b}"
        for a, targets in sorted(GRAPH.items())
        if _layer(a) == layer
        for b in sorted(targets)
        if _layer(b) in FORBIDDEN[layer]
    ]
    assert wrong == []


def test_documented_check_base_lives_outside_lint_and_probe():
    tree = ast.parse((PACKAGE / "checks.py").read_text(encoding="utf-8"))
    assert "Documented" in {n.name for n in tree.body if isinstance(n, ast.ClassDef)}
    for module in ("modelcheck.linting.rule", "modelcheck.probing.check"):
        assert "modelcheck.checks" in GRAPH[module]


def _long_functions(path: Path) -> list[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.name} "
        f"({node.end_lineno - node.lineno + 1} lines)"
        for node in ast.walk(tree)
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef))
        and node.end_lineno - node.lineno + 1 > MAX_FUNCTION_LINES
    ]


def test_no_module_over_700_lines():
    long = {
        str(p.relative_to(PACKAGE.parent)): n
        for p, _ in MODULES.values()
        if (n := len(p.read_text(encoding="utf-8").splitlines())) > MAX_MODULE_LINES
    }
    assert long == {}


def test_no_function_over_80_lines():
    assert [f for p, _ in MODULES.values() for f in _long_functions(p)] == []

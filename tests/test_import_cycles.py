"""No import cycle between the project's modules (issue 13: "no import cycles").

Every module of the project's packages is parsed with `ast` (nothing is imported) and
each `import x` / `from x import y` becomes an edge to the module it runs:

- `from pkg.mod import name` is an edge to `pkg.mod.name` when that is a module of its
  own, else to `pkg.mod` (a package's `__init__` that re-exports `name` is an edge to the
  package, and the package's own imports lead on to the module that defines it);
- relative imports are resolved against the importing module's package;
- imports of anything outside the project (the standard library, torch...) are no edges.

What the test counts:

- **Module-level** imports, the ones run when the module is first imported (at the top,
  or under a module-level `if`/`try`/`with`, or in a class body), must form no cycle: such
  a cycle makes the result depend on which module is imported first, and shows up as an
  ImportError of a partially initialised module or an attribute that is not there yet.
- Imports under `if TYPE_CHECKING:` never run and are no edges at all.
- **Function-level** imports (inside a `def`) are how cli/ keeps `toxaudit --help` fast
  and how a few modules load a heavy or optional stack on first use; they run after every
  module involved is fully imported, so they cannot fail the way a module-level cycle
  does. A cycle that needs one of them is still two modules that know each other, so
  each one found must be listed in ALLOWED_FUNCTION_LEVEL_CYCLES with the reason it is
  tolerated; a new one fails the test.

Parent packages that Python initialises on the way to a submodule (`import a.b.c` runs
`a/__init__` and `a/b/__init__`) are not counted as edges: they are already in
`sys.modules`, partly initialised, whenever one of their own modules imports a sibling.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping, Set
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("audit", "db", "workers", "api", "dashboards", "cli", "client", "reports")

# Cycles that exist only through imports inside functions, each as the sorted modules of
# its strongly connected component, with why it is tolerated for now.
ALLOWED_FUNCTION_LEVEL_CYCLES: dict[frozenset[str], str] = {}


@dataclass(frozen=True, slots=True)
class Edge:
    """One import statement of one module."""

    source: str
    """The importing module's dotted name."""
    target: str
    """The project module it runs."""
    line: int
    """Line of the import statement in the source module."""
    module_level: bool
    """True when it runs at import time, False when inside a function."""


def module_names(root: Path = ROOT, packages: tuple[str, ...] = PACKAGES) -> dict[str, Path]:
    """Dotted name -> file, for every module of the packages (a package is its __init__)."""
    names: dict[str, Path] = {}
    for package in packages:
        for path in sorted((root / package).rglob("*.py")):
            parts = path.relative_to(root).with_suffix("").parts
            if parts[-1] == "__init__":
                parts = parts[:-1]
            names[".".join(parts)] = path
    return names


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
    """Every import statement with whether it runs at import time; TYPE_CHECKING left out."""

    def visit(
        node: ast.AST, module_level: bool
    ) -> Iterator[tuple[ast.Import | ast.ImportFrom, bool]]:
        for child in ast.iter_child_nodes(node):
            if isinstance(child, ast.Import | ast.ImportFrom):
                yield child, module_level
            elif isinstance(child, ast.If) and _is_type_checking(child.test):
                for orelse in child.orelse:
                    yield from visit(ast.Module(body=[orelse], type_ignores=[]), module_level)
            elif isinstance(child, ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda):
                yield from visit(child, False)
            else:
                yield from visit(child, module_level)

    yield from visit(tree, True)


def _base(name: str, path: Path, level: int, module: str | None) -> str:
    """The absolute module a `from` import names, resolving a relative one."""
    if level == 0:
        return module or ""
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    for _ in range(level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{module}" if module else package


def _known(target: str, modules: Set[str]) -> str | None:
    """The project module `target` runs: itself, or its nearest enclosing project module."""
    while target:
        if target in modules:
            return target
        target = target.rpartition(".")[0]
    return None


def import_edges(modules: Mapping[str, Path]) -> list[Edge]:
    edges: list[Edge] = []
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
        for node, module_level in _imports(tree):
            targets: list[str | None]
            if isinstance(node, ast.Import):
                targets = [_known(alias.name, modules.keys()) for alias in node.names]
            else:
                base = _base(name, path, node.level, node.module)
                targets = [
                    f"{base}.{alias.name}"
                    if f"{base}.{alias.name}" in modules
                    else _known(base, modules.keys())
                    for alias in node.names
                ]
            edges += [
                Edge(name, target, node.lineno, module_level)
                for target in dict.fromkeys(targets)
                if target is not None and target != name
            ]
    return edges


def cycles(nodes: Set[str], edges: list[Edge]) -> list[list[str]]:
    """The strongly connected components of more than one module (Tarjan, iterative)."""
    graph: dict[str, list[str]] = {node: [] for node in nodes}
    for edge in edges:
        graph[edge.source].append(edge.target)
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []
    for start in sorted(graph):
        if start in index:
            continue
        work = [(start, iter(graph[start]))]
        index[start] = low[start] = len(index)
        stack.append(start)
        on_stack.add(start)
        while work:
            node, successors = work[-1]
            for successor in successors:
                if successor not in index:
                    index[successor] = low[successor] = len(index)
                    stack.append(successor)
                    on_stack.add(successor)
                    work.append((successor, iter(graph[successor])))
                    break
                if successor in on_stack:
                    low[node] = min(low[node], index[successor])
            else:
                work.pop()
                if work:
                    parent = work[-1][0]
                    low[parent] = min(low[parent], low[node])
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
    return sorted(found)


def describe(
    component: list[str], edges: list[Edge], modules: Mapping[str, Path], root: Path = ROOT
) -> str:
    """The component's imports among its own modules, with file and line, for the message."""
    members = set(component)
    lines = [
        f"  {modules[e.source].relative_to(root).as_posix()}:{e.line} {e.source} -> {e.target}"
        f"{'' if e.module_level else ' (in a function)'}"
        for e in sorted(edges, key=lambda e: (e.source, e.line))
        if e.source in members and e.target in members
    ]
    return f"{', '.join(component)}:\n" + "\n".join(lines)


def test_no_module_level_import_cycle() -> None:
    modules = module_names()
    edges = [e for e in import_edges(modules) if e.module_level]
    found = cycles(modules.keys(), edges)
    assert not found, "module-level import cycles:\n" + "\n".join(
        describe(c, edges, modules) for c in found
    )


def test_function_level_cycles_are_only_the_allowed_ones() -> None:
    modules = module_names()
    edges = import_edges(modules)
    found = cycles(modules.keys(), edges)
    new = [c for c in found if frozenset(c) not in ALLOWED_FUNCTION_LEVEL_CYCLES]
    assert not new, (
        "import cycles through imports inside functions (break them, or list them in "
        "ALLOWED_FUNCTION_LEVEL_CYCLES with the reason):\n"
        + "\n".join(describe(c, edges, modules) for c in new)
    )


# The detector itself, on small trees written for the purpose.


def _tree(tmp_path: Path, files: dict[str, str]) -> tuple[dict[str, Path], list[Edge]]:
    for relative, text in files.items():
        path = tmp_path / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    modules = module_names(tmp_path, ("pkg",))
    return modules, import_edges(modules)


def test_a_module_level_cycle_through_a_reexporting_init_is_found(tmp_path: Path) -> None:
    modules, edges = _tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/a/__init__.py": "from pkg.a._impl import thing\n",
            "pkg/a/_impl.py": "from pkg.b import other\nthing = 1\n",
            "pkg/b.py": "from pkg.a import thing\nother = 2\n",
        },
    )
    found = cycles(modules.keys(), [e for e in edges if e.module_level])
    assert found == [["pkg.a", "pkg.a._impl", "pkg.b"]]
    message = describe(found[0], edges, modules, tmp_path)
    assert "pkg/b.py:1 pkg.b -> pkg.a" in message


def test_function_level_relative_and_type_checking_imports(tmp_path: Path) -> None:
    modules, edges = _tree(
        tmp_path,
        {
            "pkg/__init__.py": "",
            "pkg/x.py": (
                "from typing import TYPE_CHECKING\n"
                "from . import y\n"
                "if TYPE_CHECKING:\n"
                "    from pkg.z import Z\n"
            ),
            "pkg/y.py": "def f():\n    from .x import g\n",
            "pkg/z.py": "import pkg.x\n",
        },
    )
    assert {(e.source, e.target, e.module_level) for e in edges} == {
        ("pkg.x", "pkg.y", True),
        ("pkg.y", "pkg.x", False),
        ("pkg.z", "pkg.x", True),
    }
    assert cycles(modules.keys(), [e for e in edges if e.module_level]) == []
    assert cycles(modules.keys(), edges) == [["pkg.x", "pkg.y"]]

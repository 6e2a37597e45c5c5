"""db/ by concept: the import rules and module sizes that docs/architecture.md states."""

from __future__ import annotations

import ast
from pathlib import Path

import db

DB_ROOT = Path(db.__file__).resolve().parent
CONCEPTS = ("audits", "sentences", "scores", "checkpoints", "tokens", "compare")
# concept -> the concepts it may import (their public __init__ only).
ALLOWED = {
    "scores": set[str](),
    "sentences": set[str](),
    "tokens": set[str](),
    "audits": {"scores"},
    "checkpoints": {"audits", "scores"},
    "compare": {"scores", "sentences"},
}
MAX_LINES = 300


def _modules() -> list[Path]:
    return sorted(p for p in DB_ROOT.rglob("*.py") if "migrations" not in p.parts)


def _imported(path: Path) -> list[str]:
    names: list[str] = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module:
            names.append(node.module)
        elif isinstance(node, ast.Import):
            names.extend(alias.name for alias in node.names)
    return names


def _concept(path: Path) -> str | None:
    parts = path.relative_to(DB_ROOT).parts
    return parts[0] if len(parts) > 1 and parts[0] in CONCEPTS else None


def test_no_module_is_over_the_size_limit() -> None:
    sizes = {str(p.relative_to(DB_ROOT)): len(p.read_text().splitlines()) for p in _modules()}
    assert {name: n for name, n in sizes.items() if n > MAX_LINES} == {}


def test_concepts_import_only_the_public_face_of_the_concepts_below_them() -> None:
    wrong: list[str] = []
    for path in _modules():
        own = _concept(path)
        for name in _imported(path):
            parts = name.split(".")
            if parts[0] in {"api", "dashboards", "workers", "cli"}:
                wrong.append(f"{path.name} imports {name}")
            if parts[0] != "db" or len(parts) < 2 or parts[1] not in CONCEPTS:
                continue
            other = parts[1]
            if other == own:
                continue
            if len(parts) > 2:
                wrong.append(f"{path.relative_to(DB_ROOT)} imports the private {name}")
            elif own is not None and other not in ALLOWED[own]:
                wrong.append(f"{path.relative_to(DB_ROOT)} imports {name} ({own} may not)")
    assert wrong == []


def test_db_re_exports_every_query_concepts_name() -> None:
    # Callers write `from db import X`: a name a concept exports but db/ forgets is a
    # name only some callers can reach.
    missing = {
        concept: [
            n
            for n in __import__(f"db.{concept}", fromlist=["__all__"]).__all__
            if not hasattr(db, n)
        ]
        for concept in CONCEPTS
        if concept != "compare"  # imported as `db.compare`, its own namespace
    }
    assert {c: names for c, names in missing.items() if names} == {}

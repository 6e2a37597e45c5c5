"""The science package stays pure: no database, queue or web code under audit/."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
BANNED = {
    "sqlalchemy",
    "alembic",
    "celery",
    "kombu",
    "redis",
    "fastapi",
    "starlette",
    "uvicorn",
    "db",
    "workers",
    "api",
    "dashboards",
    "cli",
}


def _imports(path: Path) -> list[tuple[int, str]]:
    tree = ast.parse(path.read_text(), filename=str(path))
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found += [(node.lineno, alias.name.split(".")[0]) for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.append((node.lineno, node.module.split(".")[0]))
    return found


def test_audit_source_imports_nothing_banned() -> None:
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / "audit").rglob("*.py"))
        for line, module in _imports(path)
        if module in BANNED
    ]
    assert offenders == []


def test_importing_audit_loads_no_service_module() -> None:
    modules = [
        "audit",
        *sorted(
            f"audit.{p.name}" for p in (ROOT / "audit").iterdir() if (p / "__init__.py").exists()
        ),
    ]
    code = (
        "import sys\n"
        + "".join(f"import {m}\n" for m in modules)
        + f"bad = sorted(m for m in sys.modules if m.split('.')[0] in {sorted(BANNED)!r})\n"
        + "print(','.join(bad))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == ""


def test_the_service_client_imports_only_the_standard_library_and_httpx() -> None:
    """client/ is shared by cli/ and audit.integrations: it may import neither."""
    allowed = {*sys.stdlib_module_names, "__future__", "httpx", "client"}
    offenders = [
        f"{path.relative_to(ROOT)}:{line} imports {module}"
        for path in sorted((ROOT / "client").rglob("*.py"))
        for line, module in _imports(path)
        if module not in allowed
    ]
    assert offenders == []


def test_the_boundary_check_catches_a_violation(tmp_path: Path) -> None:
    bad = tmp_path / "bad.py"
    bad.write_text("import os\nfrom sqlalchemy.orm import Session\n")
    assert (2, "sqlalchemy") in _imports(bad)

"""cli/_main.py: every command module registers itself, and building the parser stays light."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from cli._main import COMMAND_MODULES, build_parser
from tests.cli.test_options import commands

ROOT = Path(__file__).resolve().parents[2]
HEAVY = ("torch", "transformers", "sqlalchemy", "celery", "fastapi", "httpx", "db", "api")


def test_every_command_module_registers_a_command() -> None:
    assert all(callable(getattr(module, "register", None)) for module in COMMAND_MODULES)
    names = {path for path, _ in commands(build_parser())}
    assert {
        "perplexity", "score", "run", "generate", "gate", "report", "serve", "submit",
        "token", "token create", "token list", "token revoke", "worker", "watchdog", "db",
        "db upgrade",
    } <= names  # fmt: skip


def test_building_the_parser_imports_no_heavy_stack() -> None:
    code = (
        "import sys\n"
        "from cli._main import build_parser\n"
        "build_parser()\n"
        f"print(','.join(sorted(m for m in sys.modules if m.split('.')[0] in {HEAVY!r})))\n"
    )
    out = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT, check=True
    )
    assert out.stdout.strip() == ""

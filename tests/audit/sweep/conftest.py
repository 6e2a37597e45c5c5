"""A small training output directory of tiny random models."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.sweep.checkpoints import training_dir


@pytest.fixture()
def training_run(tmp_path: Path, tiny_llama_dir: Path) -> Path:
    """`run/` with checkpoint-100 and checkpoint-200, each with different weights."""
    return training_dir(tiny_llama_dir, tmp_path / "run", [100, 200])

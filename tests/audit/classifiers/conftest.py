"""Tiny classifiers shared by the classifier tests."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.audit.classifiers.tiny_classifiers import build_detoxify_checkpoint


@pytest.fixture(scope="session")
def tiny_detoxify(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """(Detoxify-format checkpoint, local BERT config + tokenizer directory)."""
    return build_detoxify_checkpoint(tmp_path_factory.mktemp("tiny-detoxify"))

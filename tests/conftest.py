"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.tiny_models import build_tiny_model

ROOT = Path(__file__).resolve().parent.parent
SHARED_TOXIGEN = ROOT.parent / "shared" / "toxigen" / "toxiGen.json"

# Never reach for the hub from tests: a missing file must fail fast, not hang.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def shared_toxigen() -> Path:
    """The real ToxiGen evaluation set (read-only, outside the repo)."""
    if not SHARED_TOXIGEN.exists():
        pytest.fail(f"the shared evaluation set is missing: {SHARED_TOXIGEN}")
    return SHARED_TOXIGEN


@pytest.fixture(scope="session", params=["phi", "llama"])
def tiny_model_dir(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A tiny random model of each real architecture, saved as a local checkpoint."""
    architecture = str(request.param)
    return build_tiny_model(tmp_path_factory.mktemp(f"tiny-{architecture}"), architecture)


@pytest.fixture(scope="session")
def tiny_llama_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_tiny_model(tmp_path_factory.mktemp("tiny-llama-only"), "llama")


@pytest.fixture(scope="session")
def bundled_cache(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The user cache, where the bundled model's converted copy lives between runs."""
    from audit.datasets import cache_dir

    return cache_dir()

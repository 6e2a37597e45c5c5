"""Fixtures shared by the CLI tests."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture()
def local_database(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Iterator[str]:
    """A SQLite file as TOXAUDIT_DATABASE_URL, for `toxaudit run --store`."""
    from db import get_database_settings, get_engine, get_sessionmaker

    url = f"sqlite:///{tmp_path / 'store.sqlite'}"
    monkeypatch.setenv("TOXAUDIT_DATABASE_URL", url)
    cached = (get_database_settings, get_engine, get_sessionmaker)
    for function in cached:
        function.cache_clear()
    yield url
    for function in cached:
        function.cache_clear()

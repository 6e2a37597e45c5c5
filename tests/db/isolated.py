"""Databases of their own for tests whose code under test commits for real.

Worker processes and concurrent submissions commit outside the per-test rollback of
`db_session`, so they get a migrated database of their own and never show up in
another test's queries of the session-wide databases.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from db import upgrade_database
from tests.conftest import POSTGRES_ADMIN_URL


@contextmanager
def isolated_postgres(tag: str, revision: str = "head") -> Iterator[str]:
    """A fresh PostgreSQL database migrated to `revision`, dropped afterwards; its URL."""
    name = f"toxaudit_{tag}_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    try:
        upgrade_database(url, revision)
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def isolated_sqlite(directory: Path, revision: str = "head") -> str:
    """A fresh SQLite file in `directory` migrated to `revision`; its URL."""
    url = f"sqlite:///{directory / 'toxaudit.sqlite'}"
    upgrade_database(url, revision)
    return url

"""Fixtures shared by the whole suite."""

from __future__ import annotations

import os
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest

from tests.real_toxigen import find_real_toxigen
from tests.tiny_models import build_tiny_model

if TYPE_CHECKING:
    from sqlalchemy import Engine
    from sqlalchemy.orm import Session


# Never reach for the hub from tests: a missing file must fail fast, not hang.
os.environ.setdefault("HF_HUB_OFFLINE", "1")
os.environ.setdefault("TRANSFORMERS_OFFLINE", "1")


@pytest.fixture(scope="session")
def shared_toxigen() -> Path:
    """The real ToxiGen evaluation set (read-only, outside the repo).

    From ../shared beside the checkout, else the user cache, else a quick download
    (tests/real_toxigen.py); a test that needs it skips, saying how to provide it, only
    when none of these has it.
    """
    found = find_real_toxigen()
    if found.path is None:
        pytest.skip(found.skip_reason())
    return found.path


@pytest.fixture(scope="session", params=["phi", "llama"])
def tiny_model_dir(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Path:
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


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    # The PostgreSQL half of each both-backends test needs a service; the SQLite half runs
    # anywhere, so `-m "not services"` still covers the database code.
    for item in items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and callspec.params.get("database_url") == "postgres":
            item.add_marker(pytest.mark.services)


# --- databases ---------------------------------------------------------------------------
# Every test session gets its own PostgreSQL database (and SQLite file), so parallel runs
# never share state. Per-test isolation is a transaction rolled back at the end.

POSTGRES_ADMIN_URL = os.environ.get(
    "TOXAUDIT_TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def _postgres_available() -> bool:
    from sqlalchemy import create_engine, text

    engine = create_engine(POSTGRES_ADMIN_URL)
    try:
        with engine.connect() as connection:
            connection.execute(text("select 1"))
        return True
    except Exception:
        return False
    finally:
        engine.dispose()


@pytest.fixture(scope="session")
def postgres_url() -> Iterator[str]:
    """A fresh, migrated PostgreSQL database for this test session, dropped afterwards."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.engine import make_url

    from db import upgrade_database

    if not _postgres_available():
        pytest.fail(
            "PostgreSQL is not reachable at 127.0.0.1:5432; start it with "
            "`pg_ctlcluster --skip-systemctl-redirect $(ls /etc/postgresql) main start`"
        )
    name = f"toxaudit_test_{os.getpid()}_{uuid.uuid4().hex[:8]}"
    admin = create_engine(POSTGRES_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        connection.execute(text(f'CREATE DATABASE "{name}"'))
    url = make_url(POSTGRES_ADMIN_URL).set(database=name).render_as_string(hide_password=False)
    upgrade_database(url)
    try:
        yield url
    finally:
        with admin.connect() as connection:
            connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


@pytest.fixture(scope="session")
def sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    """A fresh, migrated SQLite file for this test session."""
    from db import upgrade_database

    url = f"sqlite:///{tmp_path_factory.mktemp('sqlite') / 'toxaudit.sqlite'}"
    upgrade_database(url)
    return url


@pytest.fixture(scope="session", params=["sqlite", "postgres"])
def database_url(request: pytest.FixtureRequest) -> str:
    """Each migrated backend in turn: tests that take this run on both."""
    return str(request.getfixturevalue(f"{request.param}_url"))


@pytest.fixture()
def db_session(database_url: str) -> Iterator[Session]:
    """A session inside a transaction that is rolled back after the test.

    Code under test may commit: commits become savepoints of the outer transaction.
    """
    from sqlalchemy.orm import Session

    engine = _engine_for(database_url)
    connection = engine.connect()
    outer = connection.begin()
    session = Session(
        bind=connection, join_transaction_mode="create_savepoint", expire_on_commit=False
    )
    try:
        yield session
    finally:
        session.close()
        outer.rollback()
        connection.close()


_ENGINES: dict[str, Engine] = {}


def _engine_for(url: str) -> Engine:
    from db import make_engine

    if url not in _ENGINES:
        engine = make_engine(url)
        if engine.dialect.name == "sqlite":
            _explicit_sqlite_transactions(engine)
        _ENGINES[url] = engine
    return _ENGINES[url]


def _explicit_sqlite_transactions(engine: Engine) -> None:
    """Make SAVEPOINT-based rollback work on SQLite (SQLAlchemy's documented recipe).

    pysqlite begins transactions lazily and on its own, so the outer transaction of
    `db_session` would not hold and a commit inside a test would persist.
    """
    from sqlalchemy import event

    @event.listens_for(engine, "connect")
    def _no_driver_begin(dbapi_connection, _record):
        dbapi_connection.isolation_level = None

    @event.listens_for(engine, "begin")
    def _explicit_begin(connection):
        connection.exec_driver_sql("BEGIN")


# --- redis -------------------------------------------------------------------------------

REDIS_URL = os.environ.get("TOXAUDIT_TEST_REDIS_URL", "redis://127.0.0.1:6379/0")


@pytest.fixture(scope="session")
def redis_url() -> str:
    """Redis on loopback; tests must namespace their keys (see `redis_namespace`)."""
    import redis

    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.fail(
            "Redis is not reachable at 127.0.0.1:6379; start it with `redis-server --daemonize "
            'yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no`'
        )
    finally:
        client.close()
    return REDIS_URL


@pytest.fixture()
def redis_namespace() -> str:
    """A unique prefix for keys and queue names, so parallel test runs never collide."""
    return f"toxaudit-test-{os.getpid()}-{uuid.uuid4().hex[:8]}"

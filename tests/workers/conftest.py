"""Helpers for the worker tests: sessions on the test databases, audits, reference runs."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import text
from sqlalchemy.orm import Session, sessionmaker

from audit.datasets import Dataset, load_dataset
from audit.pipeline import limit_dataset
from db import Audit, make_engine, submit_audit
from tests.db.isolated import isolated_postgres, isolated_sqlite
from tests.workers.cluster import Cluster

SessionFactory = Callable[[], Session]


def sessions_for(url: str) -> sessionmaker[Session]:
    return sessionmaker(make_engine(url), expire_on_commit=False)


@pytest.fixture(scope="session")
def workers_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    # Workers commit for real: a file of their own keeps their audits out of other tests'
    # queries of the session-wide database.
    return isolated_sqlite(tmp_path_factory.mktemp("workers-sqlite"))


@pytest.fixture(scope="session")
def workers_postgres_url(postgres_url: str) -> Iterator[str]:
    """A PostgreSQL database of the worker tests' own (see workers_sqlite_url); asking
    for postgres_url first gives its clear message when PostgreSQL is down."""
    with isolated_postgres("workers") as url:
        yield url


@pytest.fixture(scope="session")
def sqlite_sessions(workers_sqlite_url: str) -> sessionmaker[Session]:
    return sessions_for(workers_sqlite_url)


@pytest.fixture(scope="session")
def sample_dataset() -> Dataset:
    return load_dataset("sample")


def unique_settings(**settings: Any) -> dict[str, Any]:
    # Tests share one database per session: a unique seed keeps reuse from answering
    # an audit with another test's results.
    return {"n_resamples": 200, "seed": uuid.uuid4().int % 10**6, **settings}


def submit(
    sessions: SessionFactory,
    model: str | Path,
    dataset: Dataset,
    *,
    revision: str | None = None,
    **settings: Any,
) -> int:
    """Submit and commit an audit; its id."""
    with sessions() as session, session.begin():
        audit, _ = submit_audit(
            session,
            model=str(model),
            revision=revision,
            label="test",
            step=None,
            tags=["test"],
            dataset=dataset,
            settings=unique_settings(**settings),
        )
        return audit.id


def get_audit(sessions: SessionFactory, audit_id: int) -> Audit:
    with sessions() as session:
        audit = session.get(Audit, audit_id)
        assert audit is not None
        return audit


def wait_for(
    sessions: SessionFactory, audit_id: int, predicate: Callable[[Audit], bool], timeout: float
) -> Audit:
    deadline = time.monotonic() + timeout
    while True:
        audit = get_audit(sessions, audit_id)
        if predicate(audit):
            return audit
        if time.monotonic() > deadline:
            raise AssertionError(
                f"audit {audit_id} still {audit.status} ({audit.progress_done}/{audit.progress_total}) "
                f"after {timeout} s; error: {audit.error}"
            )
        time.sleep(0.2)


def reference_rows(model: Path, dataset: Dataset, limit: int | None = None) -> list[Any]:
    """The uninterrupted, in-process run that a distributed audit must reproduce."""
    from audit.models import ModelSpec, load_model
    from audit.pipeline import score_sentences

    loaded = load_model(ModelSpec(str(model)))
    rows, _ = score_sentences(loaded, limit_dataset(dataset, limit).sentences, progress=False)
    return rows


def wait_for_a_lock_wait(session: Session, *, timeout: float) -> None:
    """Until another connection to this database waits on a lock."""
    deadline = time.monotonic() + timeout
    query = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() "
        "AND wait_event_type = 'Lock' AND pid <> pg_backend_pid()"
    )
    while not session.execute(query).scalar_one():
        if time.monotonic() > deadline:
            raise AssertionError(f"no connection waited on a lock within {timeout} s")
        time.sleep(0.1)


def kill_while_writing_rows_20_to_39(
    cluster: Cluster, sessions: SessionFactory, audit_id: int, worker: str
) -> None:
    """Plan the audit and SIGKILL `worker` while it waits to write its second chunk.

    Chunks of the tiny model take milliseconds, so "kill it mid-audit" needs a handle: an
    uncommitted row 20 makes the worker's write of rows 20-39 wait for this transaction,
    and the worker is killed while it waits, its message unacknowledged.
    """
    from db import SentenceResult

    with sessions() as blocker:
        blocker.add(
            SentenceResult(audit_id=audit_id, row=20, perplexity=1.0, scaled_perplexity=1.0)
        )
        blocker.flush()
        cluster.send_plan(audit_id)
        wait_for(sessions, audit_id, lambda j: j.progress_done >= 20, timeout=120)
        wait_for_a_lock_wait(blocker, timeout=60)
        cluster.kill(worker)
        blocker.rollback()

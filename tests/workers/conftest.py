"""Helpers for the worker tests: sessions on the test databases, jobs, reference runs."""

from __future__ import annotations

import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy.orm import Session, sessionmaker

from audit.datasets import Dataset, load_dataset
from audit.pipeline import limit_dataset
from db import AuditJob, make_engine, submit_job
from tests.db.isolated import isolated_postgres, isolated_sqlite

SessionFactory = Callable[[], Session]


def sessions_for(url: str) -> sessionmaker[Session]:
    return sessionmaker(make_engine(url), expire_on_commit=False)


@pytest.fixture(scope="session")
def workers_sqlite_url(tmp_path_factory: pytest.TempPathFactory) -> str:
    # Workers commit for real: a file of their own keeps their jobs out of other tests'
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
    # a job with another test's results.
    return {"n_resamples": 200, "seed": uuid.uuid4().int % 10**6, **settings}


def submit(
    sessions: SessionFactory,
    model: str | Path,
    dataset: Dataset,
    *,
    revision: str | None = None,
    **settings: Any,
) -> int:
    """Submit and commit a job; its id."""
    with sessions() as session, session.begin():
        job, _ = submit_job(
            session,
            model_reference=str(model),
            revision=revision,
            label="test",
            step=None,
            tags=["test"],
            dataset=dataset,
            settings=unique_settings(**settings),
        )
        return job.id


def get_job(sessions: SessionFactory, job_id: int) -> AuditJob:
    with sessions() as session:
        job = session.get(AuditJob, job_id)
        assert job is not None
        return job


def wait_for(
    sessions: SessionFactory, job_id: int, predicate: Callable[[AuditJob], bool], timeout: float
) -> AuditJob:
    deadline = time.monotonic() + timeout
    while True:
        job = get_job(sessions, job_id)
        if predicate(job):
            return job
        if time.monotonic() > deadline:
            raise AssertionError(
                f"job {job_id} still {job.status} ({job.progress_done}/{job.progress_total}) "
                f"after {timeout} s; error: {job.error}"
            )
        time.sleep(0.2)


def reference_rows(model: Path, dataset: Dataset, limit: int | None = None) -> list[Any]:
    """The uninterrupted, in-process run that a distributed job must reproduce."""
    from audit.models import ModelSpec, load_model
    from audit.pipeline import score_sentences

    loaded = load_model(ModelSpec(str(model)))
    rows, _ = score_sentences(loaded, limit_dataset(dataset, limit).sentences, progress=False)
    return rows

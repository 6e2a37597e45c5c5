"""The migrated schema matches the models, and its constraints hold, on both backends."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import AuditJob, Base, Checkpoint, DatasetRecord, JobStatus, SentenceResult


def test_migrations_match_models(db_session: Session) -> None:
    context = MigrationContext.configure(db_session.connection())
    assert compare_metadata(context, Base.metadata) == []


def _job(session: Session) -> AuditJob:
    checkpoint = Checkpoint(reference="org/model", revision="", label="model")
    dataset = DatasetRecord(name="sample", sha256="a" * 64, size=1, source="builtin:sample")
    job = AuditJob(checkpoint=checkpoint, dataset=dataset, settings_hash="h" * 64)
    session.add(job)
    session.flush()
    return job


def test_job_defaults(db_session: Session) -> None:
    job = _job(db_session)
    db_session.refresh(job)
    assert job.status is JobStatus.queued
    assert job.progress_done == 0
    assert job.created_at is not None


def test_one_result_row_per_job_and_row(db_session: Session) -> None:
    job = _job(db_session)
    db_session.add(SentenceResult(job_id=job.id, row=0, perplexity=12.0))
    db_session.flush()
    db_session.add(SentenceResult(job_id=job.id, row=0, perplexity=13.0))
    with pytest.raises(IntegrityError):
        db_session.flush()


def test_checkpoint_unique_on_reference_and_revision(db_session: Session) -> None:
    db_session.add(Checkpoint(reference="org/m", revision="step-10", label="a"))
    db_session.flush()
    db_session.add(Checkpoint(reference="org/m", revision="step-10", label="b"))
    with pytest.raises(IntegrityError):
        db_session.flush()

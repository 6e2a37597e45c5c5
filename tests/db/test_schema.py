"""The migrated schema matches the models, and its constraints hold, on both backends."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from db import Audit, AuditStatus, Base, Checkpoint, DatasetRecord, SentenceResult


def test_migrations_match_models(db_session: Session) -> None:
    context = MigrationContext.configure(db_session.connection())
    assert compare_metadata(context, Base.metadata) == []


def _audit(session: Session) -> Audit:
    checkpoint = Checkpoint(model="org/model", revision="", label="model")
    dataset = DatasetRecord(name="sample", sha256="a" * 64, size=1, source="builtin:sample")
    audit = Audit(checkpoint=checkpoint, dataset=dataset, settings_hash="h" * 64)
    session.add(audit)
    session.flush()
    return audit


def test_audit_defaults(db_session: Session) -> None:
    audit = _audit(db_session)
    db_session.refresh(audit)
    assert audit.status is AuditStatus.queued
    assert audit.progress_done == 0
    assert audit.created_at is not None


def test_one_result_row_per_audit_and_row(db_session: Session) -> None:
    audit = _audit(db_session)
    db_session.add(SentenceResult(audit_id=audit.id, row=0, perplexity=12.0))
    db_session.flush()
    db_session.add(SentenceResult(audit_id=audit.id, row=0, perplexity=13.0))
    with pytest.raises(IntegrityError):
        db_session.flush()


def test_checkpoint_unique_on_reference_and_revision(db_session: Session) -> None:
    db_session.add(Checkpoint(model="org/m", revision="step-10", label="a"))
    db_session.flush()
    db_session.add(Checkpoint(model="org/m", revision="step-10", label="b"))
    with pytest.raises(IntegrityError):
        db_session.flush()

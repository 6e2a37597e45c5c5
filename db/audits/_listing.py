"""Audit jobs as listings read them: pages with filters, briefs without results."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from db._models import AuditJob, Checkpoint, DatasetRecord, JobStatus
from db._query import Page, count_rows


def list_audits(
    session: Session,
    *,
    status: JobStatus | None = None,
    checkpoint_label: str | None = None,
    model: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[AuditJob]:
    """Audit jobs, newest first, with their checkpoint and data set loaded."""
    query = select(AuditJob).join(AuditJob.checkpoint)
    if status is not None:
        query = query.where(AuditJob.status == status)
    if checkpoint_label is not None:
        query = query.where(Checkpoint.label == checkpoint_label)
    if model is not None:
        query = query.where(Checkpoint.reference == model)
    total = count_rows(session, query)
    rows = session.scalars(
        query.options(joinedload(AuditJob.checkpoint), joinedload(AuditJob.dataset))
        .order_by(AuditJob.created_at.desc(), AuditJob.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return Page(list(rows), total)


def get_audit(session: Session, job_id: int) -> AuditJob | None:
    """One job with its checkpoint and data set, or None."""
    return session.scalar(
        select(AuditJob)
        .where(AuditJob.id == job_id)
        .options(joinedload(AuditJob.checkpoint), joinedload(AuditJob.dataset))
    )


@dataclass(frozen=True, slots=True)
class AuditBrief:
    """An audit job with its checkpoint, without results or per-sentence data."""

    job_id: int
    """The audit job."""
    checkpoint_id: int
    """Its checkpoint."""
    checkpoint_label: str
    """The checkpoint's display label."""
    reference: str
    """Hub id, path or alias of the checkpoint."""
    revision: str
    """Revision ("" for none)."""
    step: int | None
    """Training step, when known."""
    dataset_id: int
    """The evaluation set."""
    dataset_name: str
    """Its name."""
    status: JobStatus
    """Job status."""
    progress_done: int
    """Sentences (or work units) done."""
    progress_total: int
    """Work units in all; 0 before the job starts."""
    average: float | None
    """Average safety score once succeeded."""
    average_ci_low: float | None
    """Lower end of its interval."""
    average_ci_high: float | None
    """Upper end of its interval."""
    created_at: datetime
    """Submission time."""
    finished_at: datetime | None
    """End time, once finished."""


def _brief_columns() -> tuple[Any, ...]:
    return (
        AuditJob.id,
        AuditJob.checkpoint_id,
        Checkpoint.label,
        Checkpoint.reference,
        Checkpoint.revision,
        Checkpoint.step,
        AuditJob.dataset_id,
        DatasetRecord.name,
        AuditJob.status,
        AuditJob.progress_done,
        AuditJob.progress_total,
        AuditJob.average,
        AuditJob.average_ci_low,
        AuditJob.average_ci_high,
        AuditJob.created_at,
        AuditJob.finished_at,
    )


def _brief(row: Sequence[Any]) -> AuditBrief:
    return AuditBrief(*row)


def audit_briefs(session: Session, job_ids: Iterable[int]) -> dict[int, AuditBrief]:
    """Briefs of the given jobs (missing ids are left out)."""
    ids = sorted(set(job_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(*_brief_columns())
        .join(Checkpoint, Checkpoint.id == AuditJob.checkpoint_id)
        .join(DatasetRecord, DatasetRecord.id == AuditJob.dataset_id)
        .where(AuditJob.id.in_(ids))
    ).all()
    return {row[0]: _brief(row) for row in rows}


def job_progress(session: Session, job_ids: Iterable[int]) -> list[tuple[int, JobStatus, int, int]]:
    """(job id, status, done, total) of the given jobs, for live progress bars."""
    ids = sorted(set(job_ids))
    if not ids:
        return []
    rows = session.execute(
        select(AuditJob.id, AuditJob.status, AuditJob.progress_done, AuditJob.progress_total)
        .where(AuditJob.id.in_(ids))
        .order_by(AuditJob.id)
    ).all()
    return [(int(i), JobStatus(s), int(d), int(t)) for i, s, d, t in rows]


def succeeded_audits(session: Session, *, limit: int = 500) -> list[AuditBrief]:
    """Successful audits, newest first (the choices of the compare page)."""
    rows = session.execute(
        select(*_brief_columns())
        .join(Checkpoint, Checkpoint.id == AuditJob.checkpoint_id)
        .join(DatasetRecord, DatasetRecord.id == AuditJob.dataset_id)
        .where(AuditJob.status == JobStatus.succeeded)
        .order_by(AuditJob.created_at.desc(), AuditJob.id.desc())
        .limit(limit)
    ).all()
    return [_brief(row) for row in rows]


def audit_settings(session: Session, job_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """job id -> its settings (alpha, confidence, resamples, seed, ...)."""
    ids = sorted(set(job_ids))
    if not ids:
        return {}
    rows = session.execute(select(AuditJob.id, AuditJob.settings).where(AuditJob.id.in_(ids)))
    return {int(job_id): dict(settings or {}) for job_id, settings in rows}

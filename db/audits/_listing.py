"""Audits as listings read them: pages with filters, briefs without results."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session, joinedload

from db._models import Audit, AuditStatus, Checkpoint, DatasetRecord
from db._query import Page, count_rows


def list_audits(
    session: Session,
    *,
    status: AuditStatus | None = None,
    checkpoint_label: str | None = None,
    model: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[Audit]:
    """Audits, newest first, with their checkpoint and data set loaded."""
    query = select(Audit).join(Audit.checkpoint)
    if status is not None:
        query = query.where(Audit.status == status)
    if checkpoint_label is not None:
        query = query.where(Checkpoint.label == checkpoint_label)
    if model is not None:
        query = query.where(Checkpoint.model == model)
    total = count_rows(session, query)
    rows = session.scalars(
        query.options(joinedload(Audit.checkpoint), joinedload(Audit.dataset))
        .order_by(Audit.created_at.desc(), Audit.id.desc())
        .limit(limit)
        .offset(offset)
    ).all()
    return Page(list(rows), total)


def get_audit(session: Session, audit_id: int) -> Audit | None:
    """One audit with its checkpoint and data set, or None."""
    return session.scalar(
        select(Audit)
        .where(Audit.id == audit_id)
        .options(joinedload(Audit.checkpoint), joinedload(Audit.dataset))
    )


@dataclass(frozen=True, slots=True)
class AuditBrief:
    """An audit with its checkpoint, without results or per-sentence data."""

    audit_id: int
    """The audit."""
    checkpoint_id: int
    """Its checkpoint."""
    checkpoint_label: str
    """The checkpoint's display label."""
    model: str
    """Hub id, path or alias of the checkpoint."""
    revision: str
    """Revision ("" for none)."""
    step: int | None
    """Training step, when known."""
    dataset_id: int
    """The evaluation set."""
    dataset_name: str
    """Its name."""
    status: AuditStatus
    """Audit status."""
    progress_done: int
    """Sentences (or work units) done."""
    progress_total: int
    """Work units in all; 0 before the audit starts."""
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
        Audit.id,
        Audit.checkpoint_id,
        Checkpoint.label,
        Checkpoint.model,
        Checkpoint.revision,
        Checkpoint.step,
        Audit.dataset_id,
        DatasetRecord.name,
        Audit.status,
        Audit.progress_done,
        Audit.progress_total,
        Audit.average,
        Audit.average_ci_low,
        Audit.average_ci_high,
        Audit.created_at,
        Audit.finished_at,
    )


def _brief(row: Sequence[Any]) -> AuditBrief:
    return AuditBrief(*row)


def audit_briefs(session: Session, audit_ids: Iterable[int]) -> dict[int, AuditBrief]:
    """Briefs of the given audits (missing ids are left out)."""
    ids = sorted(set(audit_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(*_brief_columns())
        .join(Checkpoint, Checkpoint.id == Audit.checkpoint_id)
        .join(DatasetRecord, DatasetRecord.id == Audit.dataset_id)
        .where(Audit.id.in_(ids))
    ).all()
    return {row[0]: _brief(row) for row in rows}


def audit_progress(
    session: Session, audit_ids: Iterable[int]
) -> list[tuple[int, AuditStatus, int, int]]:
    """(audit id, status, done, total) of the given audits, for live progress bars."""
    ids = sorted(set(audit_ids))
    if not ids:
        return []
    rows = session.execute(
        select(Audit.id, Audit.status, Audit.progress_done, Audit.progress_total)
        .where(Audit.id.in_(ids))
        .order_by(Audit.id)
    ).all()
    return [(int(i), AuditStatus(s), int(d), int(t)) for i, s, d, t in rows]


def succeeded_audits(session: Session, *, limit: int = 500) -> list[AuditBrief]:
    """Successful audits, newest first (the choices of the compare page)."""
    rows = session.execute(
        select(*_brief_columns())
        .join(Checkpoint, Checkpoint.id == Audit.checkpoint_id)
        .join(DatasetRecord, DatasetRecord.id == Audit.dataset_id)
        .where(Audit.status == AuditStatus.succeeded)
        .order_by(Audit.created_at.desc(), Audit.id.desc())
        .limit(limit)
    ).all()
    return [_brief(row) for row in rows]


def audit_settings(session: Session, audit_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """audit id -> its settings (alpha, confidence, resamples, seed, ...)."""
    ids = sorted(set(audit_ids))
    if not ids:
        return {}
    rows = session.execute(select(Audit.id, Audit.settings).where(Audit.id.in_(ids)))
    return {int(audit_id): dict(settings or {}) for audit_id, settings in rows}

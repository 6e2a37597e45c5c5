"""The audit lifecycle as workers drive it: start, record chunks, finalize, fail, cancel.

Each function works inside the caller's transaction and never commits: workers commit
after each step and enqueue follow-up tasks only after that commit. Every write is
keyed so that repeating a step (a redelivered task) changes nothing.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.orm import Session

from audit.results import AuditResult
from audit.scoring import ScoredSentence
from db._models import (
    Audit,
    AuditStatus,
    GroupScoreRecord,
    SentenceResult,
    utcnow,
)
from db._query import upsert_insert
from db.scores import SAFETY_METRIC

ACTIVE_STATUSES: tuple[AuditStatus, ...] = (AuditStatus.queued, AuditStatus.running)
MAX_ERROR_CHARS = 4000


@dataclass(frozen=True, slots=True)
class ChunkWrite:
    """What recording one chunk did."""

    written: int
    """Rows inserted now; 0 when a redelivered chunk found them already there."""
    done: int
    """Rows of the audit recorded so far, this chunk included."""
    total: int
    """Rows the audit scores."""
    status: AuditStatus
    """The audit's status when the chunk was recorded."""

    @property
    def complete(self) -> bool:
        """Every row is recorded and the audit is still active: time to aggregate."""
        return self.status in ACTIVE_STATUSES and self.done >= self.total


def lock_audit(session: Session, audit_id: int) -> AuditStatus | None:
    """Take the audit's write lock for this transaction; its status, or None if no such audit.

    A no-op UPDATE locks the row on PostgreSQL and takes SQLite's write lock, so the
    chunk commits of one audit are serialised and each one's row count sees the others'.
    Without it, two last chunks committing together could each miss the other's rows,
    and neither would trigger the aggregation.
    """
    statement = (
        update(Audit)
        .where(Audit.id == audit_id)
        .values(progress_done=Audit.progress_done)
        .returning(Audit.status)
        .execution_options(synchronize_session=False)
    )
    status = session.execute(statement).scalar_one_or_none()
    return None if status is None else AuditStatus(status)


def start_audit(session: Session, audit_id: int, *, worker: str) -> Audit | None:
    """Mark a queued audit running; the audit if there is work to do, None if it has ended."""
    status = lock_audit(session, audit_id)
    if status not in ACTIVE_STATUSES:
        return None
    audit = session.get(Audit, audit_id, populate_existing=True)
    assert audit is not None  # locked above
    if audit.status is AuditStatus.queued:
        audit.status = AuditStatus.running
        audit.started_at = utcnow()
        audit.worker = worker
    audit.progressed_at = utcnow()
    session.flush()
    return audit


def record_model(
    session: Session,
    audit_id: int,
    *,
    model_info: dict[str, Any],
    device: str,
    software: dict[str, Any],
    batch_tokens: int | None = None,
) -> int | None:
    """Provenance of the loaded model, written by the first chunk that loads it; the audit's
    token budget, which is that chunk's `batch_tokens`.

    Returns the audit's budget as recorded (this chunk's or an earlier one's), so every
    chunk of an audit scores with one budget and results.json can state it exactly.
    """
    session.execute(
        update(Audit)
        .where(Audit.id == audit_id, Audit.device.is_(None))
        .values(model_info=model_info, device=device, software=software, batch_tokens=batch_tokens)
        .execution_options(synchronize_session=False)
    )
    return session.scalar(select(Audit.batch_tokens).where(Audit.id == audit_id))


def record_chunk(
    session: Session,
    audit_id: int,
    start: int,
    rows: Sequence[ScoredSentence],
) -> ChunkWrite:
    """Upsert rows start, start+1, ... of an audit and update its progress.

    Keyed on (audit, row) with ON CONFLICT DO NOTHING: a redelivered chunk writes
    nothing twice. An audit that has ended (cancelled, failed) gets no new rows.
    """
    status = lock_audit(session, audit_id)
    if status is None:
        raise LookupError(f"audit {audit_id} does not exist")
    total = session.scalars(select(Audit.progress_total).where(Audit.id == audit_id)).one()
    written = 0
    if status in ACTIVE_STATUSES and rows:
        values = [
            {
                "audit_id": audit_id,
                "row": start + offset,
                "perplexity": row.perplexity,
                "scaled_perplexity": row.scaled_perplexity,
                "unscored_reason": row.unscored_reason,
                "truncated": row.truncated,
            }
            for offset, row in enumerate(rows)
        ]
        statement = (
            upsert_insert(session, SentenceResult)
            .values(values)
            .on_conflict_do_nothing(index_elements=["audit_id", "row"])
            .returning(SentenceResult.id)
        )
        written = len(session.execute(statement).all())
    done = session.scalars(
        select(func.count()).select_from(SentenceResult).where(SentenceResult.audit_id == audit_id)
    ).one()
    session.execute(
        update(Audit)
        .where(Audit.id == audit_id)
        .values(progress_done=done, progressed_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return ChunkWrite(written=written, done=done, total=total, status=status)


def claim_stalled_audits(
    session: Session, *, idle_before: datetime, pending: Collection[int]
) -> list[int]:
    """Active audits that have not moved since `idle_before` and have no task `pending`
    in the broker, marked as moved now so that the caller alone sends them again.

    Rows are locked and skipped when locked (PostgreSQL), so two watchdogs never claim
    the same audit.
    """
    last_moved = func.coalesce(Audit.progressed_at, Audit.started_at, Audit.created_at)
    query = (
        select(Audit.id)
        .where(Audit.status.in_(ACTIVE_STATUSES), last_moved < idle_before)
        .order_by(Audit.id)
        .with_for_update(skip_locked=True)
    )
    if pending:
        query = query.where(Audit.id.not_in(list(pending)))
    claimed = list(session.scalars(query))
    if claimed:
        session.execute(
            update(Audit)
            .where(Audit.id.in_(claimed))
            .values(progressed_at=utcnow())
            .execution_options(synchronize_session=False)
        )
    return claimed


def finalize_audit(session: Session, audit_id: int, result: AuditResult) -> bool:
    """Write the scores of an audit whose rows are all in; False if it had already ended.

    The group rows are replaced, not added, so a repeated aggregation leaves one set.
    """
    if lock_audit(session, audit_id) not in ACTIVE_STATUSES:
        return False
    session.execute(
        delete(GroupScoreRecord).where(
            GroupScoreRecord.audit_id == audit_id, GroupScoreRecord.metric == SAFETY_METRIC
        )
    )
    groups = [
        {
            "audit_id": audit_id,
            "metric": SAFETY_METRIC,
            "group": group.group,
            "label": "",
            "value": group.score,
            "ci_low": group.ci_low,
            "ci_high": group.ci_high,
            "p_value": group.p_value,
            "n_harmful": group.n_harmful,
            "n_neutral": group.n_neutral,
            "significant": group.significant,
            "unscored_reason": group.unscored_reason,
        }
        for group in result.scores.groups
    ]
    if groups:
        session.execute(upsert_insert(session, GroupScoreRecord), groups)
    scores = result.scores
    session.execute(
        update(Audit)
        .where(Audit.id == audit_id)
        .values(
            status=AuditStatus.succeeded,
            finished_at=utcnow(),
            error=None,
            results=replace(result, perplexities_file=None).to_dict(),
            average=scores.average,
            average_ci_low=scores.average_ci_low,
            average_ci_high=scores.average_ci_high,
            timings=dict(result.timings),
            progress_done=Audit.progress_total,
        )
        .execution_options(synchronize_session=False)
    )
    return True


def fail_audit(session: Session, audit_id: int, cause: str) -> bool:
    """Record why an active audit failed; rows already recorded are kept. False if it had ended."""
    text = cause if len(cause) <= MAX_ERROR_CHARS else cause[: MAX_ERROR_CHARS - 1] + "…"
    outcome = session.execute(
        update(Audit)
        .where(Audit.id == audit_id, Audit.status.in_(ACTIVE_STATUSES))
        .values(status=AuditStatus.failed, error=text, finished_at=utcnow())
        .returning(Audit.id)
        .execution_options(synchronize_session=False)
    )
    return outcome.scalar_one_or_none() is not None


def cancel_audit(session: Session, audit_id: int) -> Audit | None:
    """Cancel a queued or running audit (its remaining chunks then exit without work).

    Returns the audit, whatever its status (a finished audit stays as it was), or None if
    there is no such audit.
    """
    session.execute(
        update(Audit)
        .where(Audit.id == audit_id, Audit.status.in_(ACTIVE_STATUSES))
        .values(status=AuditStatus.cancelled, finished_at=utcnow())
        .execution_options(synchronize_session=False)
    )
    return session.get(Audit, audit_id, populate_existing=True)


def audit_status(session: Session, audit_id: int) -> AuditStatus | None:
    status = session.scalars(select(Audit.status).where(Audit.id == audit_id)).first()
    return None if status is None else AuditStatus(status)

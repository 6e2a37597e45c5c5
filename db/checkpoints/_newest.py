"""The newest audit of each checkpoint: the one window query every face uses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db._models import AuditJob, JobStatus


@dataclass(frozen=True, slots=True)
class NewestAudit:
    """A checkpoint's newest audit job and how many jobs it has."""

    job_id: int
    """The newest job (latest submission; the higher id breaks ties)."""
    n_audits: int
    """Jobs of the checkpoint that were considered (any status, or succeeded only)."""


def newest_audits(
    session: Session,
    checkpoint_ids: Iterable[int] | None = None,
    *,
    succeeded_only: bool = False,
) -> dict[int, NewestAudit]:
    """checkpoint id -> its newest job, of any status or succeeded only.

    Every checkpoint when `checkpoint_ids` is None; one pass with window functions.
    """
    ranked = select(
        AuditJob.id.label("job_id"),
        AuditJob.checkpoint_id.label("checkpoint_id"),
        func.row_number()
        .over(
            partition_by=AuditJob.checkpoint_id,
            order_by=(AuditJob.created_at.desc(), AuditJob.id.desc()),
        )
        .label("rank"),
        func.count().over(partition_by=AuditJob.checkpoint_id).label("n"),
    )
    if succeeded_only:
        ranked = ranked.where(AuditJob.status == JobStatus.succeeded)
    if checkpoint_ids is not None:
        wanted = sorted(set(checkpoint_ids))
        if not wanted:
            return {}
        ranked = ranked.where(AuditJob.checkpoint_id.in_(wanted))
    sub = ranked.subquery()
    rows = session.execute(
        select(sub.c.checkpoint_id, sub.c.job_id, sub.c.n).where(sub.c.rank == 1)
    )
    return {
        int(checkpoint_id): NewestAudit(int(job_id), int(n)) for checkpoint_id, job_id, n in rows
    }


def latest_succeeded_jobs(session: Session, checkpoint_ids: Iterable[int]) -> dict[int, int]:
    """checkpoint id -> its newest successful job, for the given checkpoints."""
    newest = newest_audits(session, checkpoint_ids, succeeded_only=True)
    return {checkpoint: audit.job_id for checkpoint, audit in newest.items()}

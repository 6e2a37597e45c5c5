"""The newest audit of each checkpoint: the one window query every face uses."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db._models import Audit, AuditStatus


@dataclass(frozen=True, slots=True)
class NewestAudit:
    """A checkpoint's newest audit and how many audits it has."""

    audit_id: int
    """The newest audit (latest submission; the higher id breaks ties)."""
    n_audits: int
    """Audits of the checkpoint that were considered (any status, or succeeded only)."""


def newest_audits(
    session: Session,
    checkpoint_ids: Iterable[int] | None = None,
    *,
    succeeded_only: bool = False,
) -> dict[int, NewestAudit]:
    """checkpoint id -> its newest audit, of any status or succeeded only.

    Every checkpoint when `checkpoint_ids` is None; one pass with window functions.
    """
    ranked = select(
        Audit.id.label("audit_id"),
        Audit.checkpoint_id.label("checkpoint_id"),
        func.row_number()
        .over(
            partition_by=Audit.checkpoint_id,
            order_by=(Audit.created_at.desc(), Audit.id.desc()),
        )
        .label("rank"),
        func.count().over(partition_by=Audit.checkpoint_id).label("n"),
    )
    if succeeded_only:
        ranked = ranked.where(Audit.status == AuditStatus.succeeded)
    if checkpoint_ids is not None:
        wanted = sorted(set(checkpoint_ids))
        if not wanted:
            return {}
        ranked = ranked.where(Audit.checkpoint_id.in_(wanted))
    sub = ranked.subquery()
    rows = session.execute(
        select(sub.c.checkpoint_id, sub.c.audit_id, sub.c.n).where(sub.c.rank == 1)
    )
    return {
        int(checkpoint_id): NewestAudit(int(audit_id), int(n))
        for checkpoint_id, audit_id, n in rows
    }


def latest_succeeded_audits(session: Session, checkpoint_ids: Iterable[int]) -> dict[int, int]:
    """checkpoint id -> its newest successful audit, for the given checkpoints."""
    newest = newest_audits(session, checkpoint_ids, succeeded_only=True)
    return {checkpoint: audit.audit_id for checkpoint, audit in newest.items()}

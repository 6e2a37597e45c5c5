"""The overview: every checkpoint with its newest audit and its newest successful one."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from db._models import Checkpoint
from db.audits import AuditBrief, audit_briefs
from db.checkpoints._newest import newest_audits
from db.scores import generation_toxicity


@dataclass(frozen=True, slots=True)
class OverviewEntry:
    """One checkpoint with its newest audit and its newest successful one."""

    checkpoint_id: int
    """The checkpoint."""
    label: str
    """Its display label."""
    reference: str
    """Hub id, path or alias."""
    revision: str
    """Revision ("" for none)."""
    step: int | None
    """Training step, when known."""
    tags: tuple[str, ...]
    """User tags."""
    created_at: datetime
    """When the checkpoint was registered."""
    latest: AuditBrief | None
    """The newest audit of any status (what is happening now)."""
    succeeded: AuditBrief | None
    """The newest successful audit (the scores shown)."""
    generation_toxicity: float | None
    """Mean toxic fraction of continuations over groups and labels, when generation ran."""


def overview_entries(session: Session, *, tag: str | None = None) -> list[OverviewEntry]:
    """Every checkpoint (optionally only those with `tag`) with its newest audits.

    Ordered by model, then training step, then registration time.
    """
    checkpoints = session.execute(
        select(
            Checkpoint.id,
            Checkpoint.label,
            Checkpoint.reference,
            Checkpoint.revision,
            Checkpoint.step,
            Checkpoint.tags,
            Checkpoint.created_at,
        ).order_by(
            Checkpoint.reference,
            Checkpoint.step.is_(None),
            Checkpoint.step,
            Checkpoint.created_at,
            Checkpoint.id,
        )
    ).all()
    # Tags are a JSON list; a few hundred checkpoints filter faster here than through
    # backend-specific JSON operators.
    if tag:
        checkpoints = [c for c in checkpoints if tag in (c.tags or [])]
    latest = {c: n.job_id for c, n in newest_audits(session).items()}
    succeeded = {c: n.job_id for c, n in newest_audits(session, succeeded_only=True).items()}
    briefs = audit_briefs(session, [*latest.values(), *succeeded.values()])
    toxicity = generation_toxicity(session, succeeded.values())
    out = []
    for c in checkpoints:
        latest_job = briefs.get(latest.get(c.id, -1))
        succeeded_job = briefs.get(succeeded.get(c.id, -1))
        out.append(
            OverviewEntry(
                checkpoint_id=c.id,
                label=c.label,
                reference=c.reference,
                revision=c.revision,
                step=c.step,
                tags=tuple(c.tags or ()),
                created_at=c.created_at,
                latest=latest_job,
                succeeded=succeeded_job,
                generation_toxicity=(
                    toxicity.get(succeeded_job.job_id) if succeeded_job is not None else None
                ),
            )
        )
    return out

"""The overview: every checkpoint with its newest audit and its newest successful one."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from db._models import Checkpoint
from db.checkpoints._summary import CHECKPOINT_FIELDS, CheckpointSummary, checkpoint_summaries


def overview_entries(session: Session, *, tag: str | None = None) -> list[CheckpointSummary]:
    """Every checkpoint (optionally only those with `tag`) with its newest audits.

    Ordered by model, then training step, then registration time.
    """
    checkpoints = session.execute(
        select(*CHECKPOINT_FIELDS).order_by(
            Checkpoint.model,
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
    return checkpoint_summaries(session, checkpoints)

"""A checkpoint with its newest audits: the one record of the listing and the overview."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import Row
from sqlalchemy.orm import Session

from db._models import AuditStatus, Checkpoint
from db.audits import AuditBrief, audit_briefs
from db.checkpoints._newest import newest_audits
from db.scores import generation_toxicity

CHECKPOINT_FIELDS = (
    Checkpoint.id,
    Checkpoint.label,
    Checkpoint.model,
    Checkpoint.revision,
    Checkpoint.step,
    Checkpoint.tags,
    Checkpoint.created_at,
)
"""The checkpoint columns a summary carries, in the order `checkpoint_summaries` reads."""


@dataclass(frozen=True, slots=True)
class CheckpointSummary:
    """A checkpoint with how often it was audited, its newest audit and its newest
    successful one (the API's checkpoint listing and the overview page)."""

    checkpoint_id: int
    """The checkpoint."""
    label: str
    """Its display label."""
    model: str
    """Hub id, path or alias."""
    revision: str
    """Revision ("" for none)."""
    step: int | None
    """Training step, when known."""
    tags: tuple[str, ...]
    """User tags."""
    created_at: datetime
    """When the checkpoint was registered."""
    n_audits: int
    """Audits of this checkpoint, any status."""
    latest: AuditBrief | None
    """The newest audit of any status (what is happening now), if any."""
    succeeded: AuditBrief | None
    """The newest successful audit (the scores shown), if any."""
    generation_toxicity: float | None
    """Mean toxic fraction of the succeeded audit's continuations over groups and labels,
    when generation ran."""

    @property
    def latest_audit_id(self) -> int | None:
        """The newest audit, if any."""
        return self.latest.audit_id if self.latest is not None else None

    @property
    def latest_status(self) -> AuditStatus | None:
        """Status of the newest audit."""
        return self.latest.status if self.latest is not None else None

    @property
    def latest_average(self) -> float | None:
        """Average safety score of the newest audit, when it succeeded."""
        return self.latest.average if self.latest is not None else None


def checkpoint_summaries(
    session: Session,
    checkpoints: Sequence[Row[int, str, str, str, int | None, list[str], datetime]],
) -> list[CheckpointSummary]:
    """Summaries of checkpoints read as CHECKPOINT_FIELDS, in their order.

    A fixed number of queries whatever the number of checkpoints: the newest audits
    (any status, and succeeded only), their briefs and their generation toxicity.
    """
    ids = [c.id for c in checkpoints]
    if not ids:
        return []
    newest = newest_audits(session, ids)
    succeeded = {c: n.audit_id for c, n in newest_audits(session, ids, succeeded_only=True).items()}
    briefs = audit_briefs(session, [*(n.audit_id for n in newest.values()), *succeeded.values()])
    toxicity = generation_toxicity(session, succeeded.values())
    out = []
    for c in checkpoints:
        found = newest.get(c.id)
        scored = briefs.get(succeeded.get(c.id, -1))
        out.append(
            CheckpointSummary(
                checkpoint_id=c.id,
                label=c.label,
                model=c.model,
                revision=c.revision,
                step=c.step,
                tags=tuple(c.tags or ()),
                created_at=c.created_at,
                n_audits=found.n_audits if found is not None else 0,
                latest=briefs.get(found.audit_id) if found is not None else None,
                succeeded=scored,
                generation_toxicity=toxicity.get(scored.audit_id) if scored is not None else None,
            )
        )
    return out

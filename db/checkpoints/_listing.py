"""Checkpoints as listings read them: with their newest audit, by model, by tag."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db._models import Checkpoint, JobStatus
from db._query import Page, count_rows
from db.audits import AuditBrief, audit_briefs
from db.checkpoints._newest import latest_succeeded_jobs, newest_audits


@dataclass(frozen=True, slots=True)
class CheckpointSummary:
    """A checkpoint with how often it was audited and its newest audit."""

    checkpoint: Checkpoint
    """The checkpoint row."""
    n_audits: int
    """Audit jobs of this checkpoint, any status."""
    latest: AuditBrief | None
    """The newest job of any status (the overview's record of it), if any."""

    @property
    def latest_audit_id(self) -> int | None:
        """The newest job, if any."""
        return self.latest.job_id if self.latest is not None else None

    @property
    def latest_status(self) -> JobStatus | None:
        """Status of the newest job."""
        return self.latest.status if self.latest is not None else None

    @property
    def latest_average(self) -> float | None:
        """Average safety score of the newest job, when it succeeded."""
        return self.latest.average if self.latest is not None else None


@dataclass(frozen=True, slots=True)
class ModelSummary:
    """A model (checkpoint reference) and how many checkpoints it has."""

    reference: str
    """Hub id, path or alias shared by the checkpoints."""
    n_checkpoints: int
    """Checkpoints (revisions) of it."""
    n_with_steps: int
    """Of which know their training step."""


def list_checkpoints(
    session: Session,
    *,
    label: str | None = None,
    model: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[CheckpointSummary]:
    """Checkpoints, by model, training step and revision, each with its newest audit."""
    query = select(Checkpoint)
    if label is not None:
        query = query.where(Checkpoint.label == label)
    if model is not None:
        query = query.where(Checkpoint.reference == model)
    total = count_rows(session, query)
    checkpoints: Sequence[Checkpoint] = session.scalars(
        query.order_by(
            Checkpoint.reference,
            Checkpoint.step.is_(None),
            Checkpoint.step,
            Checkpoint.revision,
            Checkpoint.id,
        )
        .limit(limit)
        .offset(offset)
    ).all()
    newest = newest_audits(session, [c.id for c in checkpoints]) if checkpoints else {}
    briefs = audit_briefs(session, [n.job_id for n in newest.values()])
    items = []
    for checkpoint in checkpoints:
        found = newest.get(checkpoint.id)
        items.append(
            CheckpointSummary(
                checkpoint=checkpoint,
                n_audits=found.n_audits if found is not None else 0,
                latest=briefs.get(found.job_id) if found is not None else None,
            )
        )
    return Page(items, total)


def all_tags(session: Session) -> list[str]:
    """Every tag used by any checkpoint, sorted."""
    tags: set[str] = set()
    for value in session.scalars(select(Checkpoint.tags)):
        tags.update(value or ())
    return sorted(tags)


def model_summaries(session: Session) -> list[ModelSummary]:
    """Every model reference with its checkpoint counts, most checkpoints first."""
    n = func.count(Checkpoint.id)
    rows = session.execute(
        select(Checkpoint.reference, n, func.count(Checkpoint.step))
        .group_by(Checkpoint.reference)
        .order_by(n.desc(), Checkpoint.reference)
    ).all()
    return [ModelSummary(ref, int(total), int(steps)) for ref, total, steps in rows]


def model_checkpoint_audits(session: Session, reference: str) -> list[AuditBrief]:
    """The newest successful audit of each checkpoint of one model, by step then date."""
    checkpoint_ids = list(
        session.scalars(select(Checkpoint.id).where(Checkpoint.reference == reference))
    )
    jobs = latest_succeeded_jobs(session, checkpoint_ids)
    briefs = list(audit_briefs(session, jobs.values()).values())
    return sorted(
        briefs,
        key=lambda b: (b.step is None, b.step if b.step is not None else 0, b.created_at),
    )

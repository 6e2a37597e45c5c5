"""Checkpoints as listings read them: with their newest audit, by model, by tag."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db._models import Checkpoint
from db._query import Page, count_rows
from db.audits import AuditBrief, audit_briefs
from db.checkpoints._newest import latest_succeeded_audits
from db.checkpoints._summary import CHECKPOINT_FIELDS, CheckpointSummary, checkpoint_summaries


@dataclass(frozen=True, slots=True)
class ModelSummary:
    """A model and how many checkpoints it has."""

    model: str
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
    query = select(*CHECKPOINT_FIELDS)
    if label is not None:
        query = query.where(Checkpoint.label == label)
    if model is not None:
        query = query.where(Checkpoint.model == model)
    total = count_rows(session, query)
    checkpoints = session.execute(
        query.order_by(
            Checkpoint.model,
            Checkpoint.step.is_(None),
            Checkpoint.step,
            Checkpoint.revision,
            Checkpoint.id,
        )
        .limit(limit)
        .offset(offset)
    ).all()
    items = checkpoint_summaries(session, checkpoints)
    return Page(items, total)


def all_tags(session: Session) -> list[str]:
    """Every tag used by any checkpoint, sorted."""
    tags: set[str] = set()
    for value in session.scalars(select(Checkpoint.tags)):
        tags.update(value or ())
    return sorted(tags)


def model_summaries(session: Session) -> list[ModelSummary]:
    """Every model with its checkpoint counts, most checkpoints first."""
    n = func.count(Checkpoint.id)
    rows = session.execute(
        select(Checkpoint.model, n, func.count(Checkpoint.step))
        .group_by(Checkpoint.model)
        .order_by(n.desc(), Checkpoint.model)
    ).all()
    return [ModelSummary(ref, int(total), int(steps)) for ref, total, steps in rows]


def model_checkpoint_audits(session: Session, model: str) -> list[AuditBrief]:
    """The newest successful audit of each checkpoint of one model, by step then date."""
    checkpoint_ids = list(session.scalars(select(Checkpoint.id).where(Checkpoint.model == model)))
    audits = latest_succeeded_audits(session, checkpoint_ids)
    briefs = list(audit_briefs(session, audits.values()).values())
    return sorted(
        briefs,
        key=lambda b: (b.step is None, b.step if b.step is not None else 0, b.created_at),
    )

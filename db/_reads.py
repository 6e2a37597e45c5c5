"""Read queries for the API and the CLI: listings with filters, pagination and counts."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Select, String, cast, func, select
from sqlalchemy.orm import Session, joinedload

from db._models import (
    AuditJob,
    Checkpoint,
    DatasetRow,
    GenerationResult,
    GroupScoreRecord,
    JobStatus,
    SentenceResult,
)

T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class Page(Generic[T]):
    """One page of a listing and the size of the whole filtered listing."""

    items: list[T]
    """The rows of this page, in listing order."""
    total: int
    """Rows matching the filters, over all pages."""


@dataclass(frozen=True, slots=True)
class SentenceRow:
    """A data-set row with its perplexity under one job's checkpoint."""

    row: int
    """Position in the data set (0-based)."""
    sentence_id: int
    """The record's own id."""
    text: str
    """The sentence."""
    label: str
    """"hate" or "neutral"."""
    toxicity_score: float
    """Annotated toxicity; divides the perplexity."""
    target_groups: list[str]
    """Groups the sentence is about."""
    perplexity: float | None
    """None when unscored."""
    scaled_perplexity: float | None
    """perplexity / toxicity_score; None when unscored."""
    unscored_reason: str | None
    """Why there is no perplexity."""


@dataclass(frozen=True, slots=True)
class CheckpointSummary:
    """A checkpoint with how often it was audited and its newest audit."""

    checkpoint: Checkpoint
    """The checkpoint row."""
    n_audits: int
    """Audit jobs of this checkpoint, any status."""
    latest_audit_id: int | None
    """The newest job, if any."""
    latest_status: JobStatus | None
    """Status of the newest job."""
    latest_average: float | None
    """Average safety score of the newest job, when it succeeded."""
    latest_created_at: datetime | None
    """When the newest job was submitted."""


def _count(session: Session, query: Select[*tuple[Any, ...]]) -> int:
    return int(session.scalar(select(func.count()).select_from(query.subquery())) or 0)


def _json_list_contains(column: object, value: str) -> object:
    # The JSON column is plain JSON on both backends (no JSONB containment), so match the
    # serialised element, quotes included: '"black"' never matches inside '"black women"'.
    return cast(column, String).contains(json.dumps(value), autoescape=True)


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
    total = _count(session, query)
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


def audit_group_scores(
    session: Session, job_id: int, *, metric: str | None = None
) -> list[GroupScoreRecord]:
    """Per-group metrics of a job, by metric, group and label."""
    query = select(GroupScoreRecord).where(GroupScoreRecord.job_id == job_id)
    if metric is not None:
        query = query.where(GroupScoreRecord.metric == metric)
    return list(
        session.scalars(
            query.order_by(GroupScoreRecord.metric, GroupScoreRecord.group, GroupScoreRecord.label)
        ).all()
    )


def list_sentences(
    session: Session,
    job: AuditJob,
    *,
    group: str | None = None,
    label: str | None = None,
    descending: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> Page[SentenceRow]:
    """A job's scored rows with their text, by scaled perplexity (unscored rows last)."""
    query = (
        select(SentenceResult, DatasetRow)
        .join(
            DatasetRow,
            (DatasetRow.dataset_id == job.dataset_id) & (DatasetRow.row == SentenceResult.row),
        )
        .where(SentenceResult.job_id == job.id)
    )
    if group is not None:
        query = query.where(_json_list_contains(DatasetRow.target_groups, group))  # type: ignore[arg-type]
    if label is not None:
        query = query.where(DatasetRow.label == label)
    total = _count(session, query)
    scaled = SentenceResult.scaled_perplexity
    result = session.execute(
        query.order_by(
            scaled.is_(None), scaled.desc() if descending else scaled.asc(), SentenceResult.row
        )
        .limit(limit)
        .offset(offset)
    ).all()
    items = [
        SentenceRow(
            row=result_row.row,
            sentence_id=data.sentence_id,
            text=data.text,
            label=data.label,
            toxicity_score=data.toxicity_score,
            target_groups=list(data.target_groups),
            perplexity=result_row.perplexity,
            scaled_perplexity=result_row.scaled_perplexity,
            unscored_reason=result_row.unscored_reason,
        )
        for result_row, data in result
    ]
    return Page(items, total)


def list_generations(
    session: Session,
    job_id: int,
    *,
    group: str | None = None,
    label: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[GenerationResult]:
    """A job's continuations, most toxic first (unscored last)."""
    query = select(GenerationResult).where(GenerationResult.job_id == job_id)
    if group is not None:
        query = query.where(GenerationResult.group == group)
    if label is not None:
        query = query.where(GenerationResult.label == label)
    total = _count(session, query)
    toxicity = GenerationResult.toxicity
    rows = session.scalars(
        query.order_by(
            toxicity.is_(None),
            toxicity.desc(),
            GenerationResult.group,
            GenerationResult.label,
            GenerationResult.prompt_index,
            GenerationResult.sample_index,
        )
        .limit(limit)
        .offset(offset)
    ).all()
    return Page(list(rows), total)


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
    total = _count(session, query)
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
    counts: dict[int, int] = {}
    latest: dict[int, AuditJob] = {}
    if checkpoints:
        # One pass with window functions: the newest job per checkpoint and the job count.
        ranked = (
            select(
                AuditJob.id,
                func.row_number()
                .over(
                    partition_by=AuditJob.checkpoint_id,
                    order_by=(AuditJob.created_at.desc(), AuditJob.id.desc()),
                )
                .label("rank"),
                func.count().over(partition_by=AuditJob.checkpoint_id).label("n"),
            )
            .where(AuditJob.checkpoint_id.in_([c.id for c in checkpoints]))
            .subquery()
        )
        for job, n in session.execute(
            select(AuditJob, ranked.c.n)
            .join(ranked, ranked.c.id == AuditJob.id)
            .where(ranked.c.rank == 1)
        ).all():
            latest[job.checkpoint_id] = job
            counts[job.checkpoint_id] = int(n)
    items = []
    for checkpoint in checkpoints:
        job = latest.get(checkpoint.id)
        items.append(
            CheckpointSummary(
                checkpoint=checkpoint,
                n_audits=counts.get(checkpoint.id, 0),
                latest_audit_id=job.id if job else None,
                latest_status=job.status if job else None,
                latest_average=job.average if job else None,
                latest_created_at=job.created_at if job else None,
            )
        )
    return Page(items, total)

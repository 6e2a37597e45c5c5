"""Submitting a job: get-or-create its checkpoint and data set, reuse a finished twin.

Every get-or-create is an INSERT ... ON CONFLICT DO NOTHING followed by a SELECT, so
concurrent submissions of the same checkpoint or data set never fail on a unique
constraint: on PostgreSQL the loser's insert waits for the winner's commit and then
does nothing; on SQLite writers are serialised anyway.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import insert as core_insert
from sqlalchemy import literal, select
from sqlalchemy.orm import Session

from audit.datasets import Dataset, sentence_record
from audit.pipeline import normalize_settings, settings_hash
from db._models import (
    AuditJob,
    Checkpoint,
    DatasetRecord,
    DatasetRow,
    GenerationResult,
    GroupScoreRecord,
    JobStatus,
    SentenceResult,
    utcnow,
)
from db._query import upsert_insert


def get_or_create_checkpoint(
    session: Session,
    *,
    reference: str,
    revision: str | None,
    label: str | None,
    step: int | None,
    tags: Sequence[str],
) -> Checkpoint:
    """The checkpoint for reference+revision; a later submission refreshes label/step/tags."""
    revision = revision or ""
    statement = (
        upsert_insert(session, Checkpoint)
        .values(
            reference=reference,
            revision=revision,
            label=label or reference,
            step=step,
            tags=list(dict.fromkeys(tags)),
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["model", "revision"])
    )
    session.execute(statement)
    checkpoint = session.scalars(
        select(Checkpoint).where(Checkpoint.reference == reference, Checkpoint.revision == revision)
    ).one()
    if label and checkpoint.label != label:
        checkpoint.label = label
    if step is not None and checkpoint.step != step:
        checkpoint.step = step
    merged = list(dict.fromkeys([*checkpoint.tags, *tags]))
    if merged != checkpoint.tags:
        checkpoint.tags = merged
    return checkpoint


def get_or_create_dataset(session: Session, dataset: Dataset) -> DatasetRecord:
    """The stored data set with this content hash, its rows written once."""
    statement = (
        upsert_insert(session, DatasetRecord)
        .values(
            name=dataset.name,
            sha256=dataset.sha256,
            size=len(dataset),
            source=dataset.source,
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["sha256"])
        .returning(DatasetRecord.id)
    )
    created_id = session.execute(statement).scalar_one_or_none()
    if created_id is not None:
        # Only the transaction that created the record writes its rows, in the same
        # commit, so a reader never sees a data set without its rows.
        rows = []
        for position, sentence in enumerate(dataset.sentences):
            record = sentence_record(sentence)
            rows.append(
                {
                    "dataset_id": created_id,
                    "row": position,
                    "sentence_id": record["id"],
                    "text": record["text"],
                    "label": record["label"],
                    "toxicity_score": record["toxicity_score"],
                    "target_groups": record["target_groups"],
                }
            )
        session.execute(core_insert(DatasetRow), rows)
    return session.scalars(
        select(DatasetRecord).where(DatasetRecord.sha256 == dataset.sha256)
    ).one()


def _rows_to_score(size: int, settings: Mapping[str, Any]) -> int:
    limit = settings.get("limit")
    return size if limit is None else min(size, int(limit))


def find_reusable_job(
    session: Session, *, checkpoint_id: int, dataset_id: int, settings_digest: str
) -> AuditJob | None:
    """The newest succeeded job that computed exactly this, if any."""
    return session.scalars(
        select(AuditJob)
        .where(
            AuditJob.checkpoint_id == checkpoint_id,
            AuditJob.dataset_id == dataset_id,
            AuditJob.settings_hash == settings_digest,
            AuditJob.status == JobStatus.succeeded,
        )
        .order_by(AuditJob.finished_at.desc(), AuditJob.id.desc())
        .limit(1)
    ).first()


def _copy_results(session: Session, source_id: int, target_id: int) -> None:
    """Copy the per-row, per-group and per-continuation results server-side."""
    copies: tuple[tuple[Any, tuple[str, ...]], ...] = (
        (
            SentenceResult,
            ("row", "perplexity", "scaled_perplexity", "unscored_reason", "truncated"),
        ),
        (
            GroupScoreRecord,
            (
                "metric",
                "group",
                "label",
                "value",
                "ci_low",
                "ci_high",
                "p_value",
                "n_harmful",
                "n_neutral",
                "significant",
                "unscored_reason",
            ),
        ),
        (
            GenerationResult,
            (
                "group",
                "label",
                "prompt_index",
                "sample_index",
                "prompt",
                "continuation",
                "scores",
                "toxicity",
                "unscored_reason",
            ),
        ),
    )
    for model, columns in copies:
        query = select(*[getattr(model, c) for c in columns], literal(target_id)).where(
            model.job_id == source_id
        )
        session.execute(core_insert(model).from_select([*columns, model.job_id], query))


def submit_job(
    session: Session,
    *,
    model_reference: str,
    revision: str | None,
    label: str | None,
    step: int | None,
    tags: Sequence[str],
    dataset: Dataset,
    settings: Mapping[str, Any],
) -> tuple[AuditJob, bool]:
    """Record a job (queued), or a finished copy of an identical succeeded job.

    Returns (job, reused). Nothing is committed: the caller commits, and only then
    dispatches a queued job to the workers.
    """
    normalized = normalize_settings(settings)
    digest = settings_hash(normalized)
    checkpoint = get_or_create_checkpoint(
        session, reference=model_reference, revision=revision, label=label, step=step, tags=tags
    )
    record = get_or_create_dataset(session, dataset)
    total = _rows_to_score(record.size, normalized)
    source = find_reusable_job(
        session, checkpoint_id=checkpoint.id, dataset_id=record.id, settings_digest=digest
    )
    job = AuditJob(
        checkpoint=checkpoint,
        dataset=record,
        settings=normalized,
        settings_hash=digest,
        status=JobStatus.queued,
        progress_done=0,
        progress_total=total,
    )
    session.add(job)
    if source is None:
        session.flush()
        return job, False
    now = utcnow()
    job.status = JobStatus.succeeded
    job.reused_from_id = source.reused_from_id or source.id
    job.progress_done = source.progress_done
    job.started_at = now
    job.finished_at = now
    job.worker = source.worker
    job.device = source.device
    job.software = dict(source.software)
    job.model_info = dict(source.model_info)
    job.timings = dict(source.timings)
    job.average = source.average
    job.average_ci_low = source.average_ci_low
    job.average_ci_high = source.average_ci_high
    job.results = dict(source.results) if source.results is not None else None
    session.flush()
    _copy_results(session, source.id, job.id)
    session.flush()
    return job, True

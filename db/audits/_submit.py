"""Submitting an audit: get-or-create its checkpoint and data set, reuse a finished twin.

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
    Audit,
    AuditStatus,
    Checkpoint,
    DatasetRecord,
    DatasetRow,
    GenerationResult,
    GroupScoreRecord,
    SentenceResult,
    utcnow,
)
from db._query import upsert_insert


def get_or_create_checkpoint(
    session: Session,
    *,
    model: str,
    revision: str | None,
    label: str | None,
    step: int | None,
    tags: Sequence[str],
) -> Checkpoint:
    """The checkpoint of model+revision; a later submission refreshes label/step/tags."""
    revision = revision or ""
    statement = (
        upsert_insert(session, Checkpoint)
        .values(
            model=model,
            revision=revision,
            label=label or model,
            step=step,
            tags=list(dict.fromkeys(tags)),
            created_at=utcnow(),
        )
        .on_conflict_do_nothing(index_elements=["model", "revision"])
    )
    session.execute(statement)
    checkpoint = session.scalars(
        select(Checkpoint).where(Checkpoint.model == model, Checkpoint.revision == revision)
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


def find_reusable_audit(
    session: Session, *, checkpoint_id: int, dataset_id: int, settings_digest: str
) -> Audit | None:
    """The newest succeeded audit that computed exactly this, if any."""
    return session.scalars(
        select(Audit)
        .where(
            Audit.checkpoint_id == checkpoint_id,
            Audit.dataset_id == dataset_id,
            Audit.settings_hash == settings_digest,
            Audit.status == AuditStatus.succeeded,
        )
        .order_by(Audit.finished_at.desc(), Audit.id.desc())
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
            model.audit_id == source_id
        )
        session.execute(core_insert(model).from_select([*columns, model.audit_id], query))


def submit_audit(
    session: Session,
    *,
    model: str,
    revision: str | None,
    label: str | None,
    step: int | None,
    tags: Sequence[str],
    dataset: Dataset,
    settings: Mapping[str, Any],
) -> tuple[Audit, bool]:
    """Record an audit (queued), or a finished copy of an identical succeeded audit.

    Returns (audit, reused). Nothing is committed: the caller commits, and only then
    dispatches a queued audit to the workers.
    """
    normalized = normalize_settings(settings)
    digest = settings_hash(normalized)
    checkpoint = get_or_create_checkpoint(
        session, model=model, revision=revision, label=label, step=step, tags=tags
    )
    record = get_or_create_dataset(session, dataset)
    total = _rows_to_score(record.size, normalized)
    source = find_reusable_audit(
        session, checkpoint_id=checkpoint.id, dataset_id=record.id, settings_digest=digest
    )
    audit = Audit(
        checkpoint=checkpoint,
        dataset=record,
        settings=normalized,
        settings_hash=digest,
        status=AuditStatus.queued,
        progress_done=0,
        progress_total=total,
    )
    session.add(audit)
    if source is None:
        session.flush()
        return audit, False
    now = utcnow()
    audit.status = AuditStatus.succeeded
    audit.reused_from_id = source.reused_from_id or source.id
    audit.progress_done = source.progress_done
    audit.started_at = now
    audit.finished_at = now
    audit.worker = source.worker
    audit.device = source.device
    audit.software = dict(source.software)
    audit.model_info = dict(source.model_info)
    audit.timings = dict(source.timings)
    audit.average = source.average
    audit.average_ci_low = source.average_ci_low
    audit.average_ci_high = source.average_ci_high
    audit.results = dict(source.results) if source.results is not None else None
    session.flush()
    _copy_results(session, source.id, audit.id)
    session.flush()
    return audit, True

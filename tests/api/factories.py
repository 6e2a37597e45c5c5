"""Audits written straight into the database, as a worker would leave them."""

from __future__ import annotations

import random
from datetime import timedelta

from sqlalchemy import insert, select
from sqlalchemy.orm import Session

from audit.datasets import Dataset, load_dataset, sentence_record
from audit.pipeline import AuditOptions, build_result
from audit.scoring import ScoredSentence
from db import (
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

# Deliberately few resamples: the factories feed API tests, not statistics tests.
OPTIONS = AuditOptions(n_resamples=50)


def stored_dataset(session: Session, dataset: Dataset | None = None) -> DatasetRecord:
    dataset = dataset or load_dataset("sample")
    found = session.scalar(select(DatasetRecord).where(DatasetRecord.sha256 == dataset.sha256))
    if found is not None:
        return found
    record = DatasetRecord(
        name=dataset.name, sha256=dataset.sha256, size=len(dataset), source=dataset.source
    )
    session.add(record)
    session.flush()
    rows = []
    for position, sentence in enumerate(dataset.sentences):
        data = sentence_record(sentence)
        rows.append(
            {
                "dataset_id": record.id,
                "row": position,
                "sentence_id": data["id"],
                "text": data["text"],
                "label": data["label"],
                "toxicity_score": data["toxicity_score"],
                "target_groups": data["target_groups"],
            }
        )
    session.execute(insert(DatasetRow), rows)
    return record


def scored_rows(dataset: Dataset, seed: int) -> list[ScoredSentence]:
    """Plausible perplexities; the first row is unscored, as a too-short sentence would be."""
    rng = random.Random(seed)
    rows = [ScoredSentence(dataset.sentences[0], None, "fewer than 2 tokens")]
    for sentence in dataset.sentences[1:]:
        rows.append(ScoredSentence(sentence, rng.uniform(5.0, 80.0)))
    return rows


def make_audit(
    session: Session,
    *,
    model: str = "org/model",
    revision: str = "",
    label: str | None = None,
    step: int | None = None,
    status: AuditStatus = AuditStatus.succeeded,
    seed: int = 0,
    age_minutes: int = 0,
    options: AuditOptions = OPTIONS,
) -> Audit:
    """An audit of the sample set; succeeded ones carry rows, group scores and results.

    `seed` draws the perplexities; `options` are the statistics settings it was scored with.
    """
    dataset = load_dataset("sample")
    record = stored_dataset(session, dataset)
    checkpoint = session.scalar(
        select(Checkpoint).where(Checkpoint.model == model, Checkpoint.revision == revision)
    )
    if checkpoint is None:
        checkpoint = Checkpoint(
            model=model, revision=revision, label=label or model, step=step, tags=[]
        )
        session.add(checkpoint)
    created = utcnow() - timedelta(minutes=age_minutes)
    audit = Audit(
        checkpoint=checkpoint,
        dataset=record,
        settings={
            "alpha": options.alpha,
            "confidence": options.confidence,
            "n_resamples": options.n_resamples,
            "seed": options.seed,
        },
        settings_hash=f"{seed:064d}",
        status=status,
        progress_total=len(dataset),
        created_at=created,
    )
    session.add(audit)
    session.flush()
    if status is AuditStatus.failed:
        audit.error = "ModelLoadError: no such model"
    if status is not AuditStatus.succeeded:
        return audit
    rows = scored_rows(dataset, seed)
    result = build_result(
        name=checkpoint.label,
        loaded_info={"spec": {"reference": model}},
        dataset=dataset,
        rows=rows,
        options=options,
        batch_tokens=1024,
        timings={"perplexity_seconds": 1.0},
        truncated=0,
    )
    session.execute(
        insert(SentenceResult),
        [
            {
                "audit_id": audit.id,
                "row": position,
                "perplexity": row.perplexity,
                "scaled_perplexity": row.scaled_perplexity,
                "unscored_reason": row.unscored_reason,
            }
            for position, row in enumerate(rows)
        ],
    )
    for group in result.scores.groups:
        session.add(
            GroupScoreRecord(
                audit_id=audit.id,
                metric="safety",
                group=group.group,
                value=group.score,
                ci_low=group.ci_low,
                ci_high=group.ci_high,
                p_value=group.p_value,
                n_harmful=group.n_harmful,
                n_neutral=group.n_neutral,
                significant=group.significant,
            )
        )
    for index, (group_name, toxicity) in enumerate(
        [("asian", 0.9), ("women", 0.1), ("women", None)]
    ):
        session.add(
            GenerationResult(
                audit_id=audit.id,
                group=group_name,
                label="hate",
                prompt_index=index,
                sample_index=0,
                prompt="a prompt",
                continuation="a continuation",
                scores={} if toxicity is None else {"toxicity": toxicity},
                toxicity=toxicity,
                unscored_reason="classifier failed" if toxicity is None else None,
            )
        )
    audit.progress_done = len(dataset)
    audit.started_at = created
    audit.finished_at = created + timedelta(seconds=5)
    audit.average = result.scores.average
    audit.average_ci_low = result.scores.average_ci_low
    audit.average_ci_high = result.scores.average_ci_high
    audit.results = result.to_dict()
    session.flush()
    return audit

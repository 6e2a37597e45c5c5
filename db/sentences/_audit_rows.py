"""An audit's data-set rows as the science reads them: Sentences to score, ScoredSentences."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.datasets import Dataset, DatasetError, Sentence, parse_sentence
from audit.scoring import ScoredSentence
from db._models import Audit, DatasetRecord, DatasetRow, SentenceResult


def scored_row_numbers(session: Session, audit_id: int) -> set[int]:
    """Rows of the audit already recorded (what a resumed audit may skip)."""
    return set(
        session.scalars(select(SentenceResult.row).where(SentenceResult.audit_id == audit_id))
    )


def _sentence(row: DatasetRow, *, source: str) -> Sentence:
    record = {
        "id": row.sentence_id,
        "text": row.text,
        "label": row.label,
        "toxicity_score": row.toxicity_score,
        "target_groups": row.target_groups,
    }
    return parse_sentence(record, source=source, row=row.row + 1)


def _dataset_source(record: DatasetRecord) -> str:
    return f"data set '{record.name}' (sha256 {record.sha256[:12]}) in the database"


def load_audit_sentences(session: Session, audit: Audit, start: int, stop: int) -> list[Sentence]:
    """Rows start..stop-1 of the audit's data set, validated again: stored rows are input
    like any other. Raises DatasetError naming the data set, row and field.
    """
    stop = min(stop, audit.progress_total)
    source = _dataset_source(audit.dataset)
    rows = list(
        session.scalars(
            select(DatasetRow)
            .where(
                DatasetRow.dataset_id == audit.dataset_id,
                DatasetRow.row >= start,
                DatasetRow.row < stop,
            )
            .order_by(DatasetRow.row)
        )
    )
    if [r.row for r in rows] != list(range(start, stop)):
        raise DatasetError(
            f"expected rows {start + 1}..{stop}, found {len(rows)} stored rows", source=source
        )
    return [_sentence(row, source=source) for row in rows]


def load_audit_dataset(session: Session, audit: Audit) -> Dataset:
    """The rows the audit scores (its limit applied) as a validated Dataset."""
    record = audit.dataset
    sentences = tuple(load_audit_sentences(session, audit, 0, audit.progress_total))
    return Dataset(record.name, sentences, record.sha256, record.source)


def load_scored_rows(session: Session, audit_id: int) -> list[ScoredSentence]:
    """The audit's scored sentences in row order (the perplexities file's records)."""
    audit = session.get(Audit, audit_id)
    if audit is None:
        raise LookupError(f"audit {audit_id} does not exist")
    pairs = session.execute(
        select(DatasetRow, SentenceResult)
        .join(
            SentenceResult,
            (SentenceResult.row == DatasetRow.row) & (SentenceResult.audit_id == audit_id),
        )
        .where(DatasetRow.dataset_id == audit.dataset_id)
        .order_by(DatasetRow.row)
    ).all()
    source = f"audit {audit_id}"
    return [
        ScoredSentence(
            _sentence(row, source=source),
            result.perplexity,
            result.unscored_reason,
            result.truncated,
        )
        for row, result in pairs
    ]

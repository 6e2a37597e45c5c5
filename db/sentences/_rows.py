"""A job's scored data-set rows: with their text for listings, without it for statistics."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from db._models import AuditJob, DatasetRow, SentenceResult
from db._query import Page, count_rows
from db.sentences._filters import ROW_FIELDS, GroupLists, group_contains


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
class ScoredRow:
    """One sentence's perplexity under a job, without its text (for paired statistics)."""

    row: int
    """Position in the data set."""
    sentence_id: int
    """The record's own id, shared across audits of the same data set."""
    label: str
    """"hate" or "neutral"."""
    toxicity_score: float
    """Annotated toxicity."""
    target_groups: tuple[str, ...]
    """Groups the sentence is about."""
    perplexity: float | None
    """None when unscored."""
    scaled_perplexity: float | None
    """perplexity / toxicity_score; None when unscored."""


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
        query = query.where(group_contains(group))
    if label is not None:
        query = query.where(DatasetRow.label == label)
    total = count_rows(session, query)
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


def scored_rows(
    session: Session, job_id: int, dataset_id: int, *, group: str | None = None
) -> list[ScoredRow]:
    """Rows of a job's data set with their perplexity under the job, in data-set order.

    Only rows naming `group` when given; rows the job has no result for are left out;
    texts are not loaded.
    """
    query = (
        select(
            *ROW_FIELDS,
            SentenceResult.perplexity,
            SentenceResult.scaled_perplexity,
        )
        .join(
            SentenceResult,
            (SentenceResult.row == DatasetRow.row) & (SentenceResult.job_id == job_id),
        )
        .where(DatasetRow.dataset_id == dataset_id)
        .order_by(DatasetRow.row)
    )
    if group is not None:
        query = query.where(group_contains(group))
    group_names = GroupLists()
    return [
        ScoredRow(r, sid, label, tox, group_names(groups), ppl, scaled)
        # .all(): iterating a result fetches one row per driver call, 5x slower here.
        for r, sid, label, tox, groups, ppl, scaled in session.connection().execute(query).all()
    ]


def sentence_texts(session: Session, dataset_id: int, rows: Iterable[int]) -> dict[int, str]:
    """row -> text for the given rows of a data set."""
    wanted = sorted(set(rows))
    if not wanted:
        return {}
    result = session.execute(
        select(DatasetRow.row, DatasetRow.text).where(
            DatasetRow.dataset_id == dataset_id, DatasetRow.row.in_(wanted)
        )
    ).all()
    return {int(row): str(text) for row, text in result}

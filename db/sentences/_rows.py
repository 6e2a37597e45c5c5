"""An audit's scored data-set rows: with their text for listings, without it for statistics."""

from __future__ import annotations

from collections.abc import Iterable

from sqlalchemy import select
from sqlalchemy.orm import Session

from db._models import Audit, DatasetRow, SentenceResult
from db._query import Page, count_rows
from db.sentences._filters import ROW_FIELDS, GroupLists, group_contains
from db.sentences._records import SentenceRow


def list_sentences(
    session: Session,
    audit: Audit,
    *,
    group: str | None = None,
    label: str | None = None,
    descending: bool = False,
    limit: int = 50,
    offset: int = 0,
) -> Page[SentenceRow]:
    """An audit's scored rows with their text, by scaled perplexity (unscored rows last)."""
    query = (
        select(SentenceResult, DatasetRow)
        .join(
            DatasetRow,
            (DatasetRow.dataset_id == audit.dataset_id) & (DatasetRow.row == SentenceResult.row),
        )
        .where(SentenceResult.audit_id == audit.id)
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
            target_groups=tuple(data.target_groups),
            perplexity=result_row.perplexity,
            scaled_perplexity=result_row.scaled_perplexity,
            unscored_reason=result_row.unscored_reason,
        )
        for result_row, data in result
    ]
    return Page(items, total)


def scored_rows(
    session: Session, audit_id: int, dataset_id: int, *, group: str | None = None
) -> list[SentenceRow]:
    """Rows of an audit's data set with their perplexity under the audit, in data-set order.

    Only rows naming `group` when given; rows the audit has no result for are left out;
    texts are not loaded.
    """
    query = (
        select(
            *ROW_FIELDS,
            SentenceResult.perplexity,
            SentenceResult.scaled_perplexity,
            SentenceResult.unscored_reason,
        )
        .join(
            SentenceResult,
            (SentenceResult.row == DatasetRow.row) & (SentenceResult.audit_id == audit_id),
        )
        .where(DatasetRow.dataset_id == dataset_id)
        .order_by(DatasetRow.row)
    )
    if group is not None:
        query = query.where(group_contains(group))
    group_names = GroupLists()
    return [
        SentenceRow(r, sid, label, tox, group_names(groups), ppl, scaled, reason)
        # .all(): iterating a result fetches one row per driver call, 5x slower here.
        for r, sid, label, tox, groups, ppl, scaled, reason in session.connection()
        .execute(query)
        .all()
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

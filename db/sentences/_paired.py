"""One data set's rows under two audits side by side, for paired comparisons."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session, aliased

from audit.datasets import Sentence
from audit.scoring import ScoredSentence
from db._models import DatasetRow, SentenceResult
from db.sentences._filters import ROW_FIELDS, GroupLists
from db.sentences._records import PairedRow


def paired_rows(
    session: Session, dataset_id: int, baseline_audit_id: int, candidate_audit_id: int
) -> list[PairedRow]:
    """Rows of a data set scored by at least one of two audits, in data-set order.

    One query with both audits' results side by side: a paired comparison reads each
    data-set row once instead of once per audit.
    """
    baseline = aliased(SentenceResult)
    candidate = aliased(SentenceResult)
    query = (
        select(
            *ROW_FIELDS,
            baseline.perplexity,
            candidate.perplexity,
        )
        .outerjoin(
            baseline, (baseline.row == DatasetRow.row) & (baseline.audit_id == baseline_audit_id)
        )
        .outerjoin(
            candidate,
            (candidate.row == DatasetRow.row) & (candidate.audit_id == candidate_audit_id),
        )
        .where(
            DatasetRow.dataset_id == dataset_id,
            (baseline.audit_id.is_not(None)) | (candidate.audit_id.is_not(None)),
        )
        .order_by(DatasetRow.row)
    )
    group_names = GroupLists()
    return [
        PairedRow(r, sid, label, tox, group_names(groups), base_ppl, cand_ppl)
        for r, sid, label, tox, groups, base_ppl, cand_ppl in session.connection()
        .execute(query)
        .all()
    ]


def paired_scored_sentences(
    session: Session, dataset_id: int, baseline_audit_id: int, candidate_audit_id: int
) -> tuple[list[ScoredSentence], list[ScoredSentence]]:
    """Two audits' scored sentences of one data set (without texts), row for row, from one
    query; a row one audit has no result for is unscored in that audit's list."""
    baseline: list[ScoredSentence] = []
    candidate: list[ScoredSentence] = []
    for r in paired_rows(session, dataset_id, baseline_audit_id, candidate_audit_id):
        sentence = Sentence(
            r.sentence_id,
            "",
            "hate" if r.label == "hate" else "neutral",
            r.toxicity_score,
            r.target_groups,
        )
        baseline.append(ScoredSentence(sentence, r.baseline_perplexity))
        candidate.append(ScoredSentence(sentence, r.candidate_perplexity))
    return baseline, candidate

"""Paired differences of two succeeded audits, computed once and kept in the database.

Succeeded audits never change (a finished audit is never re-scored; deleting one
cascades to its rows here), so the differences of a pair under given settings are
a pure function of the key (baseline, candidate, resamples, seed, confidence,
method). They are stored in the `paired_differences` table rather than in process
memory so that every API process and every worker shares one copy: a page view
runs a bootstrap over the whole set only the first time anyone asks for that key.
"""

from __future__ import annotations

from dataclasses import fields
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.scoring import GroupDifference, paired_differences
from db._models import PairedDifferenceRecord, utcnow
from db._query import upsert_insert
from db.compare._records import ComparisonSettings
from db.sentences import paired_scored_sentences

COMPARISON_METHOD = "paired-bootstrap/simultaneous-max-t/v2"
"""Names what audit.scoring.paired_differences computes. Change it whenever that changes
(another interval, another significance rule): rows stored under another method are
then never read, and the comparison is computed afresh."""

_FIELDS = frozenset(f.name for f in fields(GroupDifference))
_KEY = ("baseline_audit_id", "candidate_audit_id", "n_resamples", "seed", "confidence", "method")


def _decode(stored: Any) -> tuple[GroupDifference, ...] | None:
    """The stored differences, or None when they were written with other fields."""
    if not isinstance(stored, list) or not stored:
        return None
    out = []
    for item in stored:
        if not isinstance(item, dict) or set(item) != _FIELDS:
            return None
        out.append(GroupDifference(**item))
    return tuple(out)


def cached_differences(
    session: Session,
    *,
    dataset_id: int,
    baseline_id: int,
    candidate_id: int,
    settings: ComparisonSettings,
) -> tuple[tuple[GroupDifference, ...], bool]:
    """(differences, whether they were computed now) of two succeeded audits of one data set.

    Newly computed differences are added to the session (the caller commits them).
    """
    key = {
        "baseline_audit_id": baseline_id,
        "candidate_audit_id": candidate_id,
        "n_resamples": settings.resamples,
        "seed": settings.seed,
        "confidence": settings.confidence,
        "method": COMPARISON_METHOD,
    }
    record = PairedDifferenceRecord
    stored = session.scalar(
        select(record.differences).where(*(getattr(record, k) == v for k, v in key.items()))
    )
    cached = _decode(stored)
    if cached is not None:
        return cached, False
    differences = tuple(
        paired_differences(
            *paired_scored_sentences(session, dataset_id, baseline_id, candidate_id),
            confidence=settings.confidence,
            n_resamples=settings.resamples,
            seed=settings.seed,
        )
    )
    values = [d.to_dict() for d in differences]
    # Two processes may compute the same key at once: the later write wins, with the
    # same numbers. A row of an older record shape is overwritten the same way.
    statement = upsert_insert(session, record).values(
        **key, differences=values, created_at=utcnow()
    )
    session.execute(
        statement.on_conflict_do_update(
            index_elements=[getattr(record, name) for name in _KEY],
            set_={"differences": statement.excluded.differences, "created_at": utcnow()},
        )
    )
    return differences, True

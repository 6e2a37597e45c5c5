"""An audit's scored rows: listings with text, statistics rows, paired rows."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from db import (
    SentenceResult,
    list_sentences,
    paired_rows,
    scored_rows,
    sentence_texts,
)
from tests.api.factories import make_audit
from tests.dashboards.seed import Seeded


def test_sentences_ordered_by_scaled_perplexity_unscored_last(db_session: Session) -> None:
    audit = make_audit(db_session)
    page = list_sentences(db_session, audit, limit=500)
    assert page.total == 312
    scaled = [r.scaled_perplexity for r in page.items]
    assert scaled[-1] is None and page.items[-1].unscored_reason
    assert scaled[:-1] == sorted(s for s in scaled if s is not None)
    desc = list_sentences(db_session, audit, descending=True, limit=3)
    assert desc.items[0].scaled_perplexity == max(s for s in scaled if s is not None)


def test_sentences_filter_by_group_and_label(db_session: Session) -> None:
    audit = make_audit(db_session)
    page = list_sentences(db_session, audit, group="black", label="hate", limit=500)
    assert page.total > 0
    assert all("black" in r.target_groups and r.label == "hate" for r in page.items)
    # The JSON match is on whole elements: a prefix of a group name matches nothing.
    assert list_sentences(db_session, audit, group="bla").total == 0


def test_scored_rows_in_dataset_order_without_text(db_session: Session, seeded: Seeded) -> None:
    audit = seeded.steps[3000]
    rows = scored_rows(db_session, audit, seeded.dataset_id)
    assert [r.row for r in rows] == list(range(312))
    unscored = rows[seeded.unscored_row]
    assert unscored.perplexity is None and unscored.scaled_perplexity is None
    scored = rows[0]
    assert scored.perplexity is not None and scored.scaled_perplexity is not None
    assert scored.scaled_perplexity == pytest.approx(scored.perplexity / scored.toxicity_score)
    texts = sentence_texts(db_session, seeded.dataset_id, [0, 1])
    assert set(texts) == {0, 1} and all(texts.values())


def test_paired_rows_put_two_audits_side_by_side(db_session: Session, seeded: Seeded) -> None:
    finished, running = seeded.steps[3000], seeded.running_audit
    # The running audit has scored rows 5 to 14 so far, row 7 without a perplexity.
    db_session.add_all(
        SentenceResult(
            audit_id=running,
            row=row,
            perplexity=None if row == 7 else 10.0 + row,
            scaled_perplexity=None if row == 7 else 5.0 + row,
            unscored_reason="test" if row == 7 else None,
        )
        for row in range(5, 15)
    )
    db_session.flush()
    by_row = {
        audit: {r.row: r for r in scored_rows(db_session, audit, seeded.dataset_id)}
        for audit in (finished, running)
    }
    assert sorted(by_row[running]) == list(range(5, 15))
    assert len(by_row[finished]) == 312

    pairs = paired_rows(db_session, seeded.dataset_id, running, finished)

    assert [p.row for p in pairs] == list(range(312))
    for pair in pairs:
        alone = by_row[finished][pair.row]
        assert (pair.sentence_id, pair.label, pair.toxicity_score, pair.target_groups) == (
            alone.sentence_id,
            alone.label,
            alone.toxicity_score,
            alone.target_groups,
        )
        assert pair.candidate_perplexity == alone.perplexity
        partial = by_row[running].get(pair.row)
        assert pair.baseline_perplexity == (None if partial is None else partial.perplexity)
    # Rows neither audit has are left out.
    assert [p.row for p in paired_rows(db_session, seeded.dataset_id, running, running)] == sorted(
        by_row[running]
    )


def test_group_filter_matches_whole_group_names_only(db_session: Session) -> None:
    audit = make_audit(db_session)
    groups = {
        g for row in list_sentences(db_session, audit, limit=1000).items for g in row.target_groups
    }
    for group in sorted(groups):
        listed = list_sentences(db_session, audit, group=group, limit=1000).items
        assert listed and all(group in row.target_groups for row in listed)
        statistics = scored_rows(db_session, audit.id, audit.dataset_id, group=group)
        assert [r.row for r in statistics] == sorted(r.row for r in listed)
        # A prefix of a group name is no group: nothing matches it.
        assert list_sentences(db_session, audit, group=group[:-1]).total == 0 or any(
            g == group[:-1] for g in groups
        )

"""db.compare.compare_audits: the settings rule, the bounds, the errors and the cache."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

import db.compare._cache
from audit.pipeline import AuditOptions
from audit.scoring import paired_differences
from db import AuditStatus, PairedDifferenceRecord, load_scored_rows
from db.compare import (
    COMPARISON_METHOD,
    ComparisonError,
    ComparisonErrorKind,
    RequestedSettings,
    compare_audits,
)
from tests.api.factories import make_audit

OWN = AuditOptions(n_resamples=60, seed=123, confidence=0.9)
"""The baseline audit's own, non-default statistics settings."""


class CountingPairedDifferences:
    """paired_differences, counting its calls (each is one bootstrap over the whole set)."""

    def __init__(self) -> None:
        self.calls = 0

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        self.calls += 1
        return paired_differences(*args, **kwargs)


@pytest.fixture()
def counted(monkeypatch: pytest.MonkeyPatch) -> CountingPairedDifferences:
    counter = CountingPairedDifferences()
    monkeypatch.setattr(db.compare._cache, "paired_differences", counter)
    return counter


def _pair(session: Session) -> tuple[int, int]:
    base = make_audit(session, model="org/m", revision="a", options=OWN)
    cand = make_audit(session, model="org/m", revision="b", seed=7)
    return base.id, cand.id


def _rows_stored(session: Session) -> int:
    return int(session.scalar(select(func.count()).select_from(PairedDifferenceRecord)) or 0)


def test_the_settings_are_the_baseline_audits_own(db_session: Session) -> None:
    base, cand = _pair(db_session)
    comparison = compare_audits(db_session, [base, cand])
    assert (comparison.settings.resamples, comparison.settings.seed) == (60, 123)
    assert comparison.settings.confidence == 0.9 and comparison.settings.requested == ()
    (pair,) = comparison.pairs
    expected = paired_differences(
        load_scored_rows(db_session, base),
        load_scored_rows(db_session, cand),
        confidence=0.9,
        n_resamples=60,
        seed=123,
    )
    assert list(pair.differences) == expected
    assert pair.unscored_reason is None


def test_the_request_names_other_settings(db_session: Session) -> None:
    base, cand = _pair(db_session)
    asked = RequestedSettings(resamples=30, seed=5, confidence=0.8)
    comparison = compare_audits(db_session, [base, cand], asked)
    assert comparison.settings.requested == ("resamples", "seed", "confidence")
    expected = paired_differences(
        load_scored_rows(db_session, base),
        load_scored_rows(db_session, cand),
        confidence=0.8,
        n_resamples=30,
        seed=5,
    )
    assert list(comparison.pairs[0].differences) == expected


def test_side_by_side_scores_every_group_then_the_average(db_session: Session) -> None:
    base, cand = _pair(db_session)
    comparison = compare_audits(db_session, [cand, base])
    assert [a.id for a in comparison.audits] == [cand, base]
    names = [g.group for g in comparison.groups]
    assert names[-1] == "average" and names[:-1] == sorted(names[:-1]) and len(names) == 14
    average = comparison.groups[-1]
    assert [s.audit_id for s in average.scores] == [cand, base]
    assert average.scores[0].score == comparison.audits[0].average


@pytest.mark.parametrize(
    ("asked", "field", "message"),
    [
        (RequestedSettings(resamples=61), "resamples", "at most 60, the baseline audit"),
        (RequestedSettings(resamples=0), "resamples", "must be at least 1"),
        (RequestedSettings(seed=2**32), "seed", "must be between 0 and 4294967295"),
        (RequestedSettings(confidence=1.0), "confidence", "must be between 0 and 1"),
        (RequestedSettings(confidence=float("nan")), "confidence", "must be between 0 and 1"),
    ],
)
def test_settings_a_reader_may_not_choose(
    db_session: Session,
    counted: CountingPairedDifferences,
    asked: RequestedSettings,
    field: str,
    message: str,
) -> None:
    base, cand = _pair(db_session)
    with pytest.raises(ComparisonError) as caught:
        compare_audits(db_session, [base, cand], asked)
    assert caught.value.kind is ComparisonErrorKind.invalid
    assert caught.value.field == field and message in caught.value.message
    assert counted.calls == 0


def test_bad_audit_lists(db_session: Session) -> None:
    base, cand = _pair(db_session)
    running = make_audit(db_session, model="org/r", status=AuditStatus.running).id
    cases = [
        ([base], ComparisonErrorKind.invalid, "give between 2 and 3 audit ids, got 1"),
        ([base, cand, base], ComparisonErrorKind.invalid, f"audit id {base} is repeated"),
        ([base, cand, running, 10**6], ComparisonErrorKind.invalid, "got 4"),
        ([base, 10**6], ComparisonErrorKind.not_found, "no audit 1000000"),
        ([base, running], ComparisonErrorKind.not_finished, f"audit {running} is running"),
    ]
    for ids, kind, message in cases:
        with pytest.raises(ComparisonError) as caught:
            compare_audits(db_session, ids, max_audits=3)
        assert caught.value.kind is kind and caught.value.field == "audits", ids
        assert message in caught.value.message, (ids, caught.value.message)


def test_the_second_request_reads_the_stored_differences(
    db_session: Session, counted: CountingPairedDifferences
) -> None:
    base, cand = _pair(db_session)
    first = compare_audits(db_session, [base, cand])
    assert counted.calls == 1 and _rows_stored(db_session) == 1
    second = compare_audits(db_session, [base, cand])
    assert counted.calls == 1 and _rows_stored(db_session) == 1
    assert second == first
    # Other settings are another key: computed once, then stored beside the first.
    compare_audits(db_session, [base, cand], RequestedSettings(seed=9))
    compare_audits(db_session, [base, cand], RequestedSettings(seed=9))
    assert counted.calls == 2 and _rows_stored(db_session) == 2
    stored = db_session.scalars(select(PairedDifferenceRecord).order_by(PairedDifferenceRecord.id))
    keys = [
        (r.baseline_audit_id, r.candidate_audit_id, r.n_resamples, r.seed, r.method) for r in stored
    ]
    assert keys == [
        (base, cand, 60, 123, COMPARISON_METHOD),
        (base, cand, 60, 9, COMPARISON_METHOD),
    ]


def test_stored_rows_of_another_shape_or_method_are_recomputed(
    db_session: Session, counted: CountingPairedDifferences
) -> None:
    base, cand = _pair(db_session)
    first = compare_audits(db_session, [base, cand])
    record = PairedDifferenceRecord
    stored = db_session.scalar(select(record.differences))
    assert stored is not None
    # A row written before GroupDifference gained a field must not be served as complete.
    older = [{k: v for k, v in d.items() if k != "significant_change"} for d in stored]
    db_session.execute(update(record).values(differences=older))
    assert compare_audits(db_session, [base, cand]) == first and counted.calls == 2
    assert _rows_stored(db_session) == 1
    db_session.execute(update(record).values(method="an older method"))
    assert compare_audits(db_session, [base, cand]) == first and counted.calls == 3
    assert _rows_stored(db_session) == 2


def test_the_stored_rows_go_with_their_audits(db_session: Session) -> None:
    from db import Audit

    base, cand = _pair(db_session)
    compare_audits(db_session, [base, cand])
    audit = db_session.get(Audit, cand)
    assert audit is not None
    db_session.delete(audit)
    db_session.flush()
    assert _rows_stored(db_session) == 0

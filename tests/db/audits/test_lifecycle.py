"""The audit lifecycle in the database, on SQLite and PostgreSQL."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from audit.datasets import Dataset, DatasetError, canonical_sha256, sample_sentences
from audit.pipeline import AuditOptions, build_result
from audit.results import AuditResult
from audit.scoring import ScoredSentence
from db import (
    Audit,
    AuditStatus,
    Checkpoint,
    DatasetRecord,
    DatasetRow,
    GroupScoreRecord,
    SentenceResult,
    cancel_audit,
    claim_stalled_audits,
    fail_audit,
    finalize_audit,
    load_audit_dataset,
    load_scored_rows,
    normalize_settings,
    record_chunk,
    settings_hash,
    start_audit,
    submit_audit,
)


def _dataset(n: int = 52) -> Dataset:
    sentences = sample_sentences()[:: max(1, len(sample_sentences()) // n)][:n]
    return Dataset("sample-part", sentences, canonical_sha256(sentences), "builtin:test")


def _submit(session: Session, dataset: Dataset, **settings: object) -> tuple[Audit, bool]:
    return submit_audit(
        session,
        model="org/model",
        revision="step-100",
        label="run-a",
        step=100,
        tags=["nightly"],
        dataset=dataset,
        settings={"n_resamples": 50, **settings},
    )


def _fake_scores(dataset: Dataset) -> list[ScoredSentence]:
    # Harmful rows get lower perplexity than neutral ones; row 3 is unscored.
    rows = []
    for i, s in enumerate(dataset.sentences):
        if i == 3:
            rows.append(ScoredSentence(s, None, "fewer than 2 tokens"))
        else:
            rows.append(ScoredSentence(s, (20.0 if s.label == "hate" else 40.0) + i / 10))
    return rows


def _run_to_success(session: Session, audit: Audit, dataset: Dataset) -> None:
    assert start_audit(session, audit.id, worker="w1") is not None
    scored = _fake_scores(dataset)
    for start in range(0, len(scored), 10):
        record_chunk(session, audit.id, start, scored[start : start + 10])
    rows = load_scored_rows(session, audit.id)
    result = build_result(
        name="run-a",
        loaded_info={"spec": {"reference": "org/model"}},
        dataset=dataset,
        rows=rows,
        options=AuditOptions(n_resamples=50),
        batch_tokens=512,
        timings={},
        truncated=0,
    )
    assert finalize_audit(session, audit.id, result)


def test_settings_hash_fills_defaults_and_sees_changes() -> None:
    assert settings_hash({}) == settings_hash(normalize_settings({}))
    assert settings_hash({}) == settings_hash({"alpha": 0.05, "seed": 0})
    assert settings_hash({}) != settings_hash({"seed": 1})
    assert settings_hash({"a": 1, "b": 2}) == settings_hash({"b": 2, "a": 1})


def test_submit_records_checkpoint_dataset_rows_and_queued_audit(db_session: Session) -> None:
    dataset = _dataset()
    audit, reused = _submit(db_session, dataset)
    assert not reused
    assert audit.status is AuditStatus.queued
    assert audit.progress_total == len(dataset)
    assert audit.checkpoint.model == "org/model" and audit.checkpoint.revision == "step-100"
    assert audit.dataset.sha256 == dataset.sha256
    stored = load_audit_dataset(db_session, audit)
    assert stored.sentences == dataset.sentences
    again, _ = _submit(db_session, dataset, limit=5)
    assert again.checkpoint_id == audit.checkpoint_id and again.dataset_id == audit.dataset_id
    assert again.progress_total == 5
    assert (db_session.scalar(select(func.count()).select_from(Checkpoint)) or 0) >= 1
    n_rows = db_session.scalar(
        select(func.count())
        .select_from(DatasetRow)
        .where(DatasetRow.dataset_id == audit.dataset_id)
    )
    assert n_rows == len(dataset)


def test_redelivered_chunk_writes_nothing_twice(db_session: Session) -> None:
    dataset = _dataset()
    audit, _ = _submit(db_session, dataset)
    start_audit(db_session, audit.id, worker="w1")
    scored = _fake_scores(dataset)
    first = record_chunk(db_session, audit.id, 0, scored[:10])
    assert (first.written, first.done, first.complete) == (10, 10, False)
    # The same chunk again, even with other numbers, changes nothing.
    changed = [replace(r, perplexity=1.0) if r.perplexity else r for r in scored[:10]]
    second = record_chunk(db_session, audit.id, 0, changed)
    assert (second.written, second.done) == (0, 10)
    rows = load_scored_rows(db_session, audit.id)
    assert [r.perplexity for r in rows] == [r.perplexity for r in scored[:10]]
    last = record_chunk(db_session, audit.id, 10, scored[10:])
    assert last.complete and last.done == len(dataset)
    db_session.refresh(audit)
    assert audit.progress_done == len(dataset)


def test_truncated_rows_are_counted(db_session: Session) -> None:
    dataset = _dataset()
    audit, _ = _submit(db_session, dataset)
    start_audit(db_session, audit.id, worker="w1")
    scored = _fake_scores(dataset)[:10]
    scored[5] = replace(scored[5], truncated=True)
    record_chunk(db_session, audit.id, 0, scored)
    assert sum(row.truncated for row in load_scored_rows(db_session, audit.id)) == 1


def test_finalize_then_identical_submission_is_reused(db_session: Session) -> None:
    dataset = _dataset()
    audit, _ = _submit(db_session, dataset)
    _run_to_success(db_session, audit, dataset)
    db_session.refresh(audit)
    assert audit.status is AuditStatus.succeeded
    assert audit.results is not None and audit.results["perplexities_file"] is None
    assert audit.results["dataset"]["sha256"] == dataset.sha256
    assert audit.average == audit.results["scores"]["average"] and audit.average is not None
    groups = db_session.scalars(
        select(GroupScoreRecord).where(GroupScoreRecord.audit_id == audit.id)
    ).all()
    assert {g.group for g in groups} == set(dataset.groups)
    # A repeated aggregation is refused: the audit has ended.
    assert not finalize_audit(db_session, audit.id, _result_of(audit))

    twin, reused = _submit(db_session, dataset)
    assert reused and twin.id != audit.id
    assert twin.status is AuditStatus.succeeded and twin.reused_from_id == audit.id
    assert twin.results == audit.results and twin.average == audit.average
    assert [r.perplexity for r in load_scored_rows(db_session, twin.id)] == [
        r.perplexity for r in load_scored_rows(db_session, audit.id)
    ]
    twin_groups = db_session.scalar(
        select(func.count())
        .select_from(GroupScoreRecord)
        .where(GroupScoreRecord.audit_id == twin.id)
    )
    assert twin_groups == len(groups)
    other, reused_other = _submit(db_session, dataset, seed=7)
    assert not reused_other and other.status is AuditStatus.queued


def _result_of(audit: Audit) -> AuditResult:
    assert audit.results is not None
    return AuditResult.from_dict(audit.results)


def test_unscored_rows_stay_unscored(db_session: Session) -> None:
    dataset = _dataset()
    audit, _ = _submit(db_session, dataset)
    _run_to_success(db_session, audit, dataset)
    rows = load_scored_rows(db_session, audit.id)
    assert rows[3].perplexity is None and rows[3].unscored_reason == "fewer than 2 tokens"
    stored = db_session.scalars(
        select(SentenceResult).where(SentenceResult.audit_id == audit.id, SentenceResult.row == 3)
    ).one()
    assert stored.perplexity is None and stored.scaled_perplexity is None
    db_session.refresh(audit)
    assert audit.results is not None and audit.results["unscored"] == {"fewer than 2 tokens": 1}


def test_fail_keeps_rows_and_cancel_stops_writes(db_session: Session) -> None:
    dataset = _dataset()
    audit, _ = _submit(db_session, dataset)
    start_audit(db_session, audit.id, worker="w1")
    record_chunk(db_session, audit.id, 0, _fake_scores(dataset)[:10])
    assert fail_audit(db_session, audit.id, "could not load 'org/model': no such model")
    assert not fail_audit(db_session, audit.id, "second cause is ignored")
    db_session.refresh(audit)
    assert audit.status is AuditStatus.failed and "no such model" in (audit.error or "")
    assert len(load_scored_rows(db_session, audit.id)) == 10
    assert start_audit(db_session, audit.id, worker="w2") is None

    other, _ = _submit(db_session, dataset, seed=3)
    cancelled = cancel_audit(db_session, other.id)
    assert cancelled is not None and cancelled.status is AuditStatus.cancelled
    late = record_chunk(db_session, other.id, 0, _fake_scores(dataset)[:10])
    assert late.written == 0 and not late.complete
    assert cancel_audit(db_session, 10**9) is None


def test_malformed_stored_rows_raise_dataset_error(db_session: Session) -> None:
    dataset = _dataset(13)
    audit, _ = _submit(db_session, dataset)
    row = db_session.scalars(
        select(DatasetRow).where(DatasetRow.dataset_id == audit.dataset_id, DatasetRow.row == 4)
    ).one()
    row.toxicity_score = 9.0
    db_session.flush()
    with pytest.raises(DatasetError, match=r"row 5.*toxicity_score"):
        load_audit_dataset(db_session, audit)


def test_dataset_record_is_shared_by_hash(db_session: Session) -> None:
    dataset = _dataset()
    _submit(db_session, dataset)
    _submit(db_session, replace(dataset, name="renamed"))
    count = db_session.scalar(
        select(func.count())
        .select_from(DatasetRecord)
        .where(DatasetRecord.sha256 == dataset.sha256)
    )
    assert count == 1


def test_chunk_size_is_no_part_of_the_reuse_key() -> None:
    from db import settings_hash

    assert (
        settings_hash({"chunk_size": 10}) == settings_hash({"chunk_size": 500}) == settings_hash({})
    )
    assert settings_hash({"alpha": 0.01}) != settings_hash({})


def test_stalled_audits_are_claimed_once_and_only_without_a_pending_task(
    db_session: Session,
) -> None:
    dataset = _dataset()
    old = datetime.now(UTC) - timedelta(hours=2)
    stalled, _ = _submit(db_session, dataset, seed=1)
    in_flight, _ = _submit(db_session, dataset, seed=2)
    fresh, _ = _submit(db_session, dataset, seed=3)
    ended, _ = _submit(db_session, dataset, seed=4)
    for audit in (stalled, in_flight, ended):
        audit.created_at = old
    cancel_audit(db_session, ended.id)
    db_session.flush()
    idle_before = datetime.now(UTC) - timedelta(minutes=10)
    mine = {stalled.id, in_flight.id, fresh.id, ended.id}

    claimed = claim_stalled_audits(db_session, idle_before=idle_before, pending={in_flight.id})
    assert set(claimed) & mine == {stalled.id}
    # Claiming marks the audit as moved: the next check leaves it alone.
    again = claim_stalled_audits(db_session, idle_before=idle_before, pending={in_flight.id})
    assert not set(again) & mine


def test_a_audit_that_records_rows_is_not_stalled(db_session: Session) -> None:
    dataset = _dataset()
    audit, _ = _submit(db_session, dataset)
    audit.created_at = datetime.now(UTC) - timedelta(hours=2)
    db_session.flush()
    start_audit(db_session, audit.id, worker="w1")
    record_chunk(db_session, audit.id, 0, _fake_scores(dataset)[:10])
    idle_before = datetime.now(UTC) - timedelta(minutes=10)
    assert audit.id not in claim_stalled_audits(db_session, idle_before=idle_before, pending=set())
    assert audit.id in claim_stalled_audits(
        db_session, idle_before=datetime.now(UTC) + timedelta(seconds=1), pending=set()
    )

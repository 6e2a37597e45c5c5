"""The dashboard's aggregate queries, on both backends."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from db import (
    JobStatus,
    SentenceResult,
    all_tags,
    audit_briefs,
    generation_toxicity,
    group_values,
    job_progress,
    latest_succeeded_jobs,
    model_checkpoint_audits,
    model_summaries,
    overview_entries,
    paired_rows,
    scored_rows,
    sentence_texts,
    succeeded_audits,
)
from tests.dashboards.seed import Seeded


def test_overview_has_every_checkpoint_with_newest_and_scored_audit(
    db_session: Session, seeded: Seeded
) -> None:
    entries = overview_entries(db_session)
    assert [e.label for e in entries] == [
        "other-lm",
        "tiny-lm step 1000",
        "tiny-lm step 2000",
        "tiny-lm step 3000",
        "tiny-lm step 4000",
        "tiny-lm step 5000",
    ]
    by_step = {e.step: e for e in entries}
    assert by_step[3000].succeeded is not None
    assert by_step[3000].succeeded.job_id == seeded.steps[3000]
    assert by_step[3000].latest == by_step[3000].succeeded
    running = by_step[4000]
    assert running.succeeded is None
    assert running.latest is not None
    assert running.latest.status is JobStatus.running
    assert (running.latest.progress_done, running.latest.progress_total) == (120, 312)
    assert by_step[5000].latest is not None and by_step[5000].latest.status is JobStatus.failed


def test_overview_filters_by_tag(db_session: Session, seeded: Seeded) -> None:
    assert [e.step for e in overview_entries(db_session, tag="release")] == [2000]
    assert [e.label for e in overview_entries(db_session, tag="baseline")] == ["other-lm"]
    assert overview_entries(db_session, tag="nope") == []
    assert all_tags(db_session) == ["baseline", "nightly", "release"]


def test_generation_toxicity_only_where_generation_ran(db_session: Session, seeded: Seeded) -> None:
    values = group_values(db_session, [seeded.generation_job], metrics=("toxic_fraction",))
    cells = [v.value for v in values[seeded.generation_job] if v.value is not None]
    assert len(cells) == 26
    measured = generation_toxicity(db_session, [*seeded.steps.values(), seeded.other_job])
    assert set(measured) == {seeded.generation_job}
    assert measured[seeded.generation_job] == pytest.approx(sum(cells) / len(cells))
    entry = next(e for e in overview_entries(db_session) if e.step == 2000)
    assert entry.generation_toxicity == pytest.approx(sum(cells) / len(cells))


def test_group_values_are_the_thirteen_safety_groups(db_session: Session, seeded: Seeded) -> None:
    values = group_values(db_session, [seeded.steps[1000], seeded.steps[3000]])
    for job in (seeded.steps[1000], seeded.steps[3000]):
        assert len(values[job]) == 13
        assert {v.metric for v in values[job]} == {"safety"}
    women = {job: next(v.value for v in values[job] if v.group == "women") for job in values}
    after, before = women[seeded.steps[3000]], women[seeded.steps[1000]]
    assert after is not None and before is not None and after < before
    assert not next(v for v in values[seeded.steps[1000]] if v.group == "asian").significant
    assert group_values(db_session, []) == {}


def test_progress_of_running_job(db_session: Session, seeded: Seeded) -> None:
    assert job_progress(db_session, [seeded.running_job, 10**6]) == [
        (seeded.running_job, JobStatus.running, 120, 312)
    ]


def test_scored_rows_in_dataset_order_without_text(db_session: Session, seeded: Seeded) -> None:
    job = seeded.steps[3000]
    rows = scored_rows(db_session, job, seeded.dataset_id)
    assert [r.row for r in rows] == list(range(312))
    unscored = rows[seeded.unscored_row]
    assert unscored.perplexity is None and unscored.scaled_perplexity is None
    scored = rows[0]
    assert scored.perplexity is not None and scored.scaled_perplexity is not None
    assert scored.scaled_perplexity == pytest.approx(scored.perplexity / scored.toxicity_score)
    texts = sentence_texts(db_session, seeded.dataset_id, [0, 1])
    assert set(texts) == {0, 1} and all(texts.values())


def test_paired_rows_put_two_jobs_side_by_side(db_session: Session, seeded: Seeded) -> None:
    finished, running = seeded.steps[3000], seeded.running_job
    # The running job has scored rows 5 to 14 so far, row 7 without a perplexity.
    db_session.add_all(
        SentenceResult(
            job_id=running,
            row=row,
            perplexity=None if row == 7 else 10.0 + row,
            scaled_perplexity=None if row == 7 else 5.0 + row,
            unscored_reason="test" if row == 7 else None,
        )
        for row in range(5, 15)
    )
    db_session.flush()
    by_row = {
        job: {r.row: r for r in scored_rows(db_session, job, seeded.dataset_id)}
        for job in (finished, running)
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
    # Rows neither job has are left out.
    assert [p.row for p in paired_rows(db_session, seeded.dataset_id, running, running)] == sorted(
        by_row[running]
    )


def test_models_and_their_checkpoints_by_step(db_session: Session, seeded: Seeded) -> None:
    models = model_summaries(db_session)
    assert [(m.reference, m.n_checkpoints, m.n_with_steps) for m in models] == [
        ("org/tiny-lm", 5, 5),
        ("org/other-lm", 1, 0),
    ]
    audits = model_checkpoint_audits(db_session, "org/tiny-lm")
    assert [a.step for a in audits] == [1000, 2000, 3000]
    assert [a.job_id for a in audits] == [seeded.steps[s] for s in (1000, 2000, 3000)]


def test_succeeded_audits_newest_first(db_session: Session, seeded: Seeded) -> None:
    audits = succeeded_audits(db_session)
    assert [a.job_id for a in audits] == [
        seeded.steps[3000],
        seeded.steps[2000],
        seeded.other_job,
        seeded.steps[1000],
    ]
    latest = latest_succeeded_jobs(db_session, [audits[0].checkpoint_id])
    assert latest == {audits[0].checkpoint_id: seeded.steps[3000]}
    briefs = audit_briefs(db_session, [seeded.running_job, 10**6])
    assert list(briefs) == [seeded.running_job]
    assert briefs[seeded.running_job].dataset_name == "sample"

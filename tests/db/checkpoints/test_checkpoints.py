"""Checkpoints with their newest audits: listing, overview, models."""

from __future__ import annotations

from sqlalchemy.orm import Session

from db import (
    AuditStatus,
    all_tags,
    list_checkpoints,
    model_checkpoint_audits,
    model_summaries,
    overview_entries,
)
from tests.api.factories import make_audit
from tests.dashboards.seed import Seeded


def test_checkpoints_with_latest_audit(db_session: Session) -> None:
    make_audit(db_session, model="org/c", label="c", step=200, age_minutes=5)
    latest = make_audit(db_session, model="org/c", label="c", seed=2)
    make_audit(db_session, model="org/c", revision="step-100", label="c100", step=100)
    page = list_checkpoints(db_session, model="org/c")
    assert [s.step for s in page.items] == [100, 200]
    summary = page.items[1]
    assert summary.n_audits == 2 and summary.latest_audit_id == latest.id
    assert summary.latest_status is AuditStatus.succeeded


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
    assert by_step[3000].succeeded.audit_id == seeded.steps[3000]
    assert by_step[3000].latest == by_step[3000].succeeded
    running = by_step[4000]
    assert running.succeeded is None
    assert running.latest is not None
    assert running.latest.status is AuditStatus.running
    assert (running.latest.progress_done, running.latest.progress_total) == (120, 312)
    assert by_step[5000].latest is not None and by_step[5000].latest.status is AuditStatus.failed


def test_overview_filters_by_tag(db_session: Session, seeded: Seeded) -> None:
    assert [e.step for e in overview_entries(db_session, tag="release")] == [2000]
    assert [e.label for e in overview_entries(db_session, tag="baseline")] == ["other-lm"]
    assert overview_entries(db_session, tag="nope") == []
    assert all_tags(db_session) == ["baseline", "nightly", "release"]


def test_models_and_their_checkpoints_by_step(db_session: Session, seeded: Seeded) -> None:
    models = model_summaries(db_session)
    assert [(m.model, m.n_checkpoints, m.n_with_steps) for m in models] == [
        ("org/tiny-lm", 5, 5),
        ("org/other-lm", 1, 0),
    ]
    audits = model_checkpoint_audits(db_session, "org/tiny-lm")
    assert [a.step for a in audits] == [1000, 2000, 3000]
    assert [a.audit_id for a in audits] == [seeded.steps[s] for s in (1000, 2000, 3000)]

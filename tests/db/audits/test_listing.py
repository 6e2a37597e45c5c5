"""Audit listings and briefs."""

from __future__ import annotations

from sqlalchemy.orm import Session

from db import (
    AuditStatus,
    audit_briefs,
    audit_progress,
    latest_succeeded_audits,
    list_audits,
    list_generations,
    succeeded_audits,
)
from tests.api.factories import make_audit
from tests.dashboards.seed import Seeded


def test_list_audits_newest_first_with_filters_and_total(db_session: Session) -> None:
    old = make_audit(db_session, model="org/a", label="a", age_minutes=10)
    new = make_audit(db_session, model="org/a", label="a", seed=1)
    failed = make_audit(db_session, model="org/b", label="b", status=AuditStatus.failed)

    page = list_audits(db_session, checkpoint_label="a")
    assert [j.id for j in page.items] == [new.id, old.id]
    assert page.total == 2
    assert list_audits(db_session, status=AuditStatus.failed).items == [failed]
    assert list_audits(db_session, model="org/b").total == 1
    second = list_audits(db_session, checkpoint_label="a", limit=1, offset=1)
    assert [j.id for j in second.items] == [old.id] and second.total == 2


def test_generations_most_toxic_first(db_session: Session) -> None:
    audit = make_audit(db_session)
    page = list_generations(db_session, audit.id)
    assert [g.toxicity for g in page.items] == [0.9, 0.1, None]
    assert list_generations(db_session, audit.id, group="women").total == 2


def test_progress_of_running_audit(db_session: Session, seeded: Seeded) -> None:
    assert audit_progress(db_session, [seeded.running_audit, 10**6]) == [
        (seeded.running_audit, AuditStatus.running, 120, 312)
    ]


def test_succeeded_audits_newest_first(db_session: Session, seeded: Seeded) -> None:
    audits = succeeded_audits(db_session)
    assert [a.audit_id for a in audits] == [
        seeded.steps[3000],
        seeded.steps[2000],
        seeded.other_audit,
        seeded.steps[1000],
    ]
    latest = latest_succeeded_audits(db_session, [audits[0].checkpoint_id])
    assert latest == {audits[0].checkpoint_id: seeded.steps[3000]}
    briefs = audit_briefs(db_session, [seeded.running_audit, 10**6])
    assert list(briefs) == [seeded.running_audit]
    assert briefs[seeded.running_audit].dataset_name == "sample"

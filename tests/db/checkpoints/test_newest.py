"""The newest audit per checkpoint: the one query behind the listing and the overview."""

from __future__ import annotations

from sqlalchemy.orm import Session

from db import AuditStatus, list_checkpoints, overview_entries
from db.checkpoints import latest_succeeded_audits, newest_audits
from tests.api.factories import make_audit


def test_newest_audit_of_any_status_and_succeeded_only(db_session: Session) -> None:
    old = make_audit(db_session, model="org/n", age_minutes=10)
    failed = make_audit(db_session, model="org/n", status=AuditStatus.failed, seed=1)
    other = make_audit(db_session, model="org/other", seed=2)
    checkpoint = old.checkpoint_id
    newest = newest_audits(db_session)
    assert newest[checkpoint].audit_id == failed.id and newest[checkpoint].n_audits == 2
    succeeded = newest_audits(db_session, succeeded_only=True)
    assert succeeded[checkpoint].audit_id == old.id and succeeded[checkpoint].n_audits == 1
    assert set(newest_audits(db_session, [other.checkpoint_id])) == {other.checkpoint_id}
    assert newest_audits(db_session, []) == {}
    assert latest_succeeded_audits(db_session, [checkpoint]) == {checkpoint: old.id}


def test_the_listing_and_the_overview_agree_on_the_newest_audit(db_session: Session) -> None:
    make_audit(db_session, model="org/a", age_minutes=5)
    make_audit(db_session, model="org/a", status=AuditStatus.running, seed=1)
    make_audit(db_session, model="org/b", seed=2)
    listed = {s.checkpoint_id: s.latest_audit_id for s in list_checkpoints(db_session).items}
    shown = {
        e.checkpoint_id: e.latest.audit_id if e.latest else None
        for e in overview_entries(db_session)
    }
    assert listed == shown and None not in listed.values()
    # One record of "the newest audit": the listing carries the overview's brief.
    briefs = {e.checkpoint_id: e.latest for e in overview_entries(db_session)}
    assert {s.checkpoint_id: s.latest for s in list_checkpoints(db_session).items} == briefs
    # One record of "a checkpoint with its newest audits": the same values on both faces.
    assert {s.checkpoint_id: s for s in list_checkpoints(db_session).items} == {
        e.checkpoint_id: e for e in overview_entries(db_session)
    }

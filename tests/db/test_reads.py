"""Listings for the API: filters, pagination, ordering and counts, on both backends."""

from __future__ import annotations

from sqlalchemy.orm import Session

from db import (
    JobStatus,
    audit_group_scores,
    create_api_token,
    get_audit,
    hash_token,
    list_api_tokens,
    list_audits,
    list_checkpoints,
    list_generations,
    list_sentences,
    revoke_api_token,
    verify_api_token,
)
from tests.api.factories import make_job


def test_list_audits_newest_first_with_filters_and_total(db_session: Session) -> None:
    old = make_job(db_session, reference="org/a", label="a", age_minutes=10)
    new = make_job(db_session, reference="org/a", label="a", seed=1)
    failed = make_job(db_session, reference="org/b", label="b", status=JobStatus.failed)

    page = list_audits(db_session, checkpoint_label="a")
    assert [j.id for j in page.items] == [new.id, old.id]
    assert page.total == 2
    assert list_audits(db_session, status=JobStatus.failed).items == [failed]
    assert list_audits(db_session, model="org/b").total == 1
    second = list_audits(db_session, checkpoint_label="a", limit=1, offset=1)
    assert [j.id for j in second.items] == [old.id] and second.total == 2


def test_get_audit_and_group_scores(db_session: Session) -> None:
    job = make_job(db_session)
    assert get_audit(db_session, job.id) is job
    assert get_audit(db_session, job.id + 1000) is None
    scores = audit_group_scores(db_session, job.id, metric="safety")
    assert [s.group for s in scores] == sorted(s.group for s in scores)
    assert len(scores) == 13


def test_sentences_ordered_by_scaled_perplexity_unscored_last(db_session: Session) -> None:
    job = make_job(db_session)
    page = list_sentences(db_session, job, limit=500)
    assert page.total == 312
    scaled = [r.scaled_perplexity for r in page.items]
    assert scaled[-1] is None and page.items[-1].unscored_reason
    assert scaled[:-1] == sorted(s for s in scaled if s is not None)
    desc = list_sentences(db_session, job, descending=True, limit=3)
    assert desc.items[0].scaled_perplexity == max(s for s in scaled if s is not None)


def test_sentences_filter_by_group_and_label(db_session: Session) -> None:
    job = make_job(db_session)
    page = list_sentences(db_session, job, group="black", label="hate", limit=500)
    assert page.total > 0
    assert all("black" in r.target_groups and r.label == "hate" for r in page.items)
    # The JSON match is on whole elements: a prefix of a group name matches nothing.
    assert list_sentences(db_session, job, group="bla").total == 0


def test_generations_most_toxic_first(db_session: Session) -> None:
    job = make_job(db_session)
    page = list_generations(db_session, job.id)
    assert [g.toxicity for g in page.items] == [0.9, 0.1, None]
    assert list_generations(db_session, job.id, group="women").total == 2


def test_checkpoints_with_latest_audit(db_session: Session) -> None:
    make_job(db_session, reference="org/c", label="c", step=200, age_minutes=5)
    latest = make_job(db_session, reference="org/c", label="c", seed=2)
    make_job(db_session, reference="org/c", revision="step-100", label="c100", step=100)
    page = list_checkpoints(db_session, model="org/c")
    assert [s.checkpoint.step for s in page.items] == [100, 200]
    summary = page.items[1]
    assert summary.n_audits == 2 and summary.latest_audit_id == latest.id
    assert summary.latest_status is JobStatus.succeeded


def test_tokens_stored_as_hash_only(db_session: Session) -> None:
    token = create_api_token(db_session, "ci")
    found = verify_api_token(db_session, token)
    assert found is not None and found.token_hash == hash_token(token) != token
    assert found.last_used_at is not None
    assert verify_api_token(db_session, token + "x") is None
    found.revoked = True
    assert verify_api_token(db_session, token) is None


def test_tokens_are_listed_and_revoked_by_id(db_session: Session) -> None:
    before = {t.id for t in list_api_tokens(db_session)}
    writer = create_api_token(db_session, "deploy")
    reader = create_api_token(db_session, "gate", read_only=True)
    new = [t for t in list_api_tokens(db_session) if t.id not in before]
    assert [(t.name, t.read_only, t.revoked) for t in new] == [
        ("deploy", False, False),
        ("gate", True, False),
    ]
    revoked = revoke_api_token(db_session, new[1].id)
    assert revoked is not None and revoked.revoked
    assert verify_api_token(db_session, reader) is None
    assert verify_api_token(db_session, writer) is not None
    assert revoke_api_token(db_session, max(t.id for t in new) + 1000) is None

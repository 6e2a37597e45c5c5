"""/api/audits: submit, reuse, list, detail, sentences, generations, files, cancel."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.results import AuditResult, parse_perplexities
from db import AuditStatus, GenerationResult, get_audit
from tests.api.errors import error_text
from tests.api.factories import make_audit


def test_submit_queues_a_audit_and_dispatches_it(
    client: TestClient, auth: dict[str, str], dispatched: list[int]
) -> None:
    body = {
        "model": "org/model",
        "revision": "step-100",
        "label": "run-a",
        "step": 100,
        "tags": ["nightly"],
        "dataset": "sample",
        "options": {"alpha": 0.01, "resamples": 200, "seed": 3, "limit": 20, "chunk_size": 8},
    }
    response = client.post("/api/audits", json=body, headers=auth)
    assert response.status_code == 202, response.text
    audit = response.json()
    assert audit["reused"] is False
    assert audit["status"] == "queued" and audit["finished"] is False
    assert audit["progress"] == {"done": 0, "total": 20, "fraction": 0.0}
    assert audit["checkpoint"]["model"] == "org/model"
    # Deprecated for one release: the old name answers the same.
    assert audit["checkpoint"]["reference"] == "org/model"
    assert audit["checkpoint"]["revision"] == "step-100"
    assert audit["checkpoint"]["step"] == 100 and audit["checkpoint"]["tags"] == ["nightly"]
    assert audit["dataset"]["name"] == "sample" and audit["dataset"]["size"] == 312
    assert audit["settings"]["alpha"] == 0.01 and audit["settings"]["n_resamples"] == 200
    assert audit["settings"]["trust_remote_code"] is False
    assert dispatched == [audit["id"]]


def test_identical_finished_audit_is_reused_at_once(
    client: TestClient, auth: dict[str, str], dispatched: list[int], db_session: Session
) -> None:
    body = {"model": "org/model", "options": {"resamples": 50}}
    first = client.post("/api/audits", json=body, headers=auth).json()
    done = make_audit(db_session, model="org/other")
    audit = get_audit(db_session, first["id"])
    assert audit is not None
    audit.status, audit.results, audit.average = AuditStatus.succeeded, done.results, done.average
    db_session.commit()

    again = client.post("/api/audits", json=body, headers=auth)
    assert again.status_code == 202
    reused = again.json()
    assert reused["reused"] is True and reused["status"] == "succeeded"
    assert reused["finished"] is True
    assert reused["reused_from_id"] == first["id"]
    assert dispatched == [first["id"]]
    assert client.get(f"/api/audits/{reused['id']}/results.json").status_code == 200


def test_list_filters_and_paginates_newest_first(client: TestClient, db_session: Session) -> None:
    old = make_audit(db_session, model="org/a", label="a", age_minutes=5)
    new = make_audit(db_session, model="org/a", label="a", seed=1)
    make_audit(db_session, model="org/b", label="b", status=AuditStatus.running)

    listing = client.get("/api/audits", params={"checkpoint_label": "a"}).json()
    assert [item["id"] for item in listing["items"]] == [new.id, old.id]
    assert listing["total"] == 2
    page = client.get(
        "/api/audits", params={"checkpoint_label": "a", "status": "succeeded", "limit": 1}
    ).json()
    assert [item["id"] for item in page["items"]] == [new.id] and page["total"] == 2
    running = client.get("/api/audits", params={"status": "running", "model": "org/b"}).json()
    assert running["total"] == 1
    assert client.get("/api/audits", params={"status": "bogus"}).status_code == 422
    assert client.get("/api/audits", params={"limit": 0}).status_code == 422


def test_detail_has_progress_and_scores(client: TestClient, db_session: Session) -> None:
    audit = make_audit(db_session)
    detail = client.get(f"/api/audits/{audit.id}").json()
    assert detail["status"] == "succeeded"
    assert detail["progress"]["fraction"] == 1.0
    assert detail["average"] == audit.average
    groups = [s["group"] for s in detail["scores"] if s["metric"] == "safety"]
    assert len(groups) == 13 and groups == sorted(groups)


def test_unknown_or_non_numeric_audit_is_404(client: TestClient) -> None:
    for ref in ("999999", "not-a-number", "99999999999999999999"):
        response = client.get(f"/api/audits/{ref}/results.json")
        assert response.status_code == 404
        assert ref in error_text(response)


def test_sentences_by_scaled_perplexity_with_filters(
    client: TestClient, db_session: Session
) -> None:
    audit = make_audit(db_session)
    page = client.get(
        f"/api/audits/{audit.id}/sentences", params={"group": "women", "label": "hate"}
    ).json()
    assert page["total"] > 0
    items = page["items"]
    assert all(i["label"] == "hate" and "women" in i["target_groups"] for i in items)
    assert all(i["text"] for i in items)
    scaled = [i["scaled_perplexity"] for i in items]
    assert scaled == sorted(scaled)
    desc = client.get(f"/api/audits/{audit.id}/sentences", params={"order": "desc", "limit": 2})
    assert (
        desc.json()["items"][0]["scaled_perplexity"] >= desc.json()["items"][1]["scaled_perplexity"]
    )
    bad = client.get(f"/api/audits/{audit.id}/sentences", params={"label": "toxic"})
    assert bad.status_code == 422 and "label" in bad.text


def test_generations(client: TestClient, db_session: Session) -> None:
    audit = make_audit(db_session)
    page = client.get(f"/api/audits/{audit.id}/generations", params={"group": "women"}).json()
    assert page["total"] == 2
    assert [g["toxicity"] for g in page["items"]] == [0.1, None]
    assert page["items"][1]["unscored_reason"]
    assert page["items"][0]["classifier_scores"] is None  # one classifier
    assert page["items"][0]["categories"] is None  # none named


def test_generations_carry_every_classifiers_verdict(
    client: TestClient, db_session: Session
) -> None:
    audit = make_audit(db_session)
    row = db_session.scalars(
        select(GenerationResult).where(
            GenerationResult.audit_id == audit.id, GenerationResult.group == "asian"
        )
    ).one()
    verdicts = {
        "guard:org/g": {"toxicity": 0.9, "unscored_reason": None, "categories": ["S10"]},
        "profanity-check": {"toxicity": 0.2, "unscored_reason": None, "categories": None},
    }
    row.classifier_scores = verdicts
    row.categories = ["S10"]
    db_session.flush()
    page = client.get(f"/api/audits/{audit.id}/generations", params={"group": "asian"}).json()
    assert page["items"][0]["classifier_scores"] == verdicts
    assert page["items"][0]["categories"] == ["S10"]  # the headline's, as with one classifier
    assert list(page["items"][0]["classifier_scores"]) == ["guard:org/g", "profanity-check"]


def test_results_and_perplexities_follow_the_file_contract(
    client: TestClient, db_session: Session
) -> None:
    audit = make_audit(db_session)
    results = client.get(f"/api/audits/{audit.id}/results.json").json()
    assert results["perplexities_file"] is None
    parsed = AuditResult.from_dict(results)
    assert parsed.scores.average == audit.average
    records = client.get(f"/api/audits/{audit.id}/perplexities.json").json()
    assert len(records) == 312
    assert records[0]["perplexity"] is None and records[0]["unscored_reason"]
    rows = parse_perplexities(records, source="service")
    assert sum(r.perplexity is not None for r in rows) == 311


def test_files_of_unfinished_or_failed_audit_are_409(
    client: TestClient, db_session: Session
) -> None:
    running = make_audit(db_session, status=AuditStatus.running)
    failed = make_audit(db_session, model="org/f", status=AuditStatus.failed)
    assert client.get(f"/api/audits/{running.id}/results.json").status_code == 409
    response = client.get(f"/api/audits/{failed.id}/perplexities.json")
    assert response.status_code == 409
    assert "no such model" in error_text(response)


def test_cancel(client: TestClient, auth: dict[str, str], db_session: Session) -> None:
    running = make_audit(db_session, status=AuditStatus.running)
    response = client.delete(f"/api/audits/{running.id}", headers=auth)
    assert response.status_code == 200, response.text
    assert response.json()["status"] == "cancelled" and response.json()["finished"] is True
    assert client.delete(f"/api/audits/{running.id}", headers=auth).status_code == 409
    assert client.delete("/api/audits/424242", headers=auth).status_code == 404


def test_audit_the_workers_never_got_fails_with_its_cause(
    client: TestClient, auth: dict[str, str], db_session: Session
) -> None:
    from api import get_dispatcher

    def unreachable(audit_id: int) -> None:
        raise ConnectionError("broker at redis://nowhere refused the connection")

    client.app.dependency_overrides[get_dispatcher] = lambda: unreachable  # type: ignore[attr-defined]
    response = client.post("/api/audits", json={"model": "org/model"}, headers=auth)
    assert response.status_code == 503
    assert "broker at redis://nowhere" in error_text(response)
    (audit,) = client.get("/api/audits", params={"status": "failed"}).json()["items"]
    assert "could not send the audit to the workers" in audit["error"]

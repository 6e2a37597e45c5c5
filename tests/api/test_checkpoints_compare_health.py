"""/api/checkpoints, /api/compare, /api/healthz and the OpenAPI docs."""

from __future__ import annotations

from dataclasses import replace

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from audit.datasets import load_dataset
from audit.scoring import paired_differences
from db import JobStatus, load_scored_rows
from tests.api.errors import error_text
from tests.api.factories import make_job, stored_dataset


def test_checkpoints_listing(client: TestClient, db_session: Session) -> None:
    make_job(db_session, reference="org/m", revision="step-2", label="s2", step=2, age_minutes=3)
    latest = make_job(db_session, reference="org/m", revision="step-2", seed=1)
    make_job(db_session, reference="org/m", revision="step-1", label="s1", step=1)
    page = client.get("/api/checkpoints", params={"model": "org/m"}).json()
    assert page["total"] == 2
    assert [c["step"] for c in page["items"]] == [1, 2]
    step2 = page["items"][1]
    assert step2["n_audits"] == 2 and step2["latest_audit_id"] == latest.id
    assert step2["latest_status"] == "succeeded" and step2["label"] == "s2"
    assert client.get("/api/checkpoints", params={"label": "s1"}).json()["total"] == 1


def test_compare_side_by_side_with_paired_differences(
    client: TestClient, db_session: Session
) -> None:
    base = make_job(db_session, reference="org/m", revision="a")
    cand = make_job(db_session, reference="org/m", revision="b", seed=7)
    response = client.get(
        "/api/compare", params={"audits": f"{base.id},{cand.id}", "resamples": 50}
    )
    assert response.status_code == 200, response.text
    data = response.json()
    assert [a["id"] for a in data["audits"]] == [base.id, cand.id]
    groups = {g["group"]: g for g in data["groups"]}
    assert len(groups) == 14 and data["groups"][-1]["group"] == "average"
    assert [s["audit_id"] for s in groups["asian"]["scores"]] == [base.id, cand.id]
    assert groups["average"]["scores"][0]["score"] == base.average
    (pair,) = data["pairs"]
    assert pair["baseline_id"] == base.id and pair["candidate_id"] == cand.id
    average = pair["differences"][-1]
    assert average["group"] == "average" and average["n_shared"] == 311
    assert average["ci_low"] <= average["difference"] <= average["ci_high"]


def test_compare_differences_equal_the_scored_rows_paired_by_id(
    client: TestClient, db_session: Session
) -> None:
    base = make_job(db_session, reference="org/m", revision="a")
    cand = make_job(db_session, reference="org/m", revision="b", seed=7)
    expected = [
        d.to_dict()
        for d in paired_differences(
            load_scored_rows(db_session, base.id),
            load_scored_rows(db_session, cand.id),
            n_resamples=50,
        )
    ]
    params: dict[str, str | int] = {"audits": f"{base.id},{cand.id}", "resamples": 50}
    same_set = client.get("/api/compare", params=params).json()["pairs"][0]["differences"]
    # The same sentences stored as another data set: paired by sentence id instead.
    copy = stored_dataset(db_session, replace(load_dataset("sample"), name="copy", sha256="c" * 64))
    cand.dataset_id = copy.id
    db_session.flush()
    other_set = client.get("/api/compare", params=params).json()["pairs"][0]["differences"]

    assert same_set == other_set == expected


def test_compare_rejects_bad_requests(client: TestClient, db_session: Session) -> None:
    ok = make_job(db_session)
    running = make_job(db_session, reference="org/r", status=JobStatus.running)
    cases = {
        "x,y": 422,
        f"{ok.id}": 422,
        f"{ok.id},{ok.id}": 422,
        f"{ok.id},999999": 404,
        f"{ok.id},{running.id}": 409,
    }
    for audits, status in cases.items():
        response = client.get("/api/compare", params={"audits": audits})
        assert response.status_code == status, (audits, response.text)
        assert "audit" in error_text(response)
    assert client.get("/api/compare").status_code == 422


def test_healthz(client: TestClient) -> None:
    response = client.get("/api/healthz")
    assert response.status_code == 200
    assert response.json()["status"] == "ok" and response.json()["database"] == "ok"


def test_openapi_docs(client: TestClient) -> None:
    assert client.get("/docs").status_code == 200
    spec = client.get("/openapi.json").json()
    paths = spec["paths"]
    for path in (
        "/api/audits",
        "/api/audits/{audit_id}",
        "/api/audits/{audit_id}/sentences",
        "/api/audits/{audit_id}/generations",
        "/api/audits/{audit_id}/results.json",
        "/api/audits/{audit_id}/perplexities.json",
        "/api/checkpoints",
        "/api/compare",
        "/api/healthz",
    ):
        assert path in paths, path
    assert "HTTPBearer" in spec["components"]["securitySchemes"]
    # Field docstrings become descriptions.
    create = spec["components"]["schemas"]["AuditCreate"]["properties"]["model"]
    assert "hub id" in create["description"]

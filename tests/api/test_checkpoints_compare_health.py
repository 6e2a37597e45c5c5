"""/api/checkpoints, /api/compare, /api/healthz and the OpenAPI docs."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api import ApiSettings, create_app, get_session
from audit.datasets import load_dataset
from audit.scoring import paired_differences
from db import AuditStatus, load_scored_rows
from db.compare import SIGNIFICANCE_PROCEDURE
from tests.api.errors import error_text
from tests.api.factories import make_audit, stored_dataset


def test_checkpoints_listing(client: TestClient, db_session: Session) -> None:
    make_audit(db_session, model="org/m", revision="step-2", label="s2", step=2, age_minutes=3)
    latest = make_audit(db_session, model="org/m", revision="step-2", seed=1)
    make_audit(db_session, model="org/m", revision="step-1", label="s1", step=1)
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
    base = make_audit(db_session, model="org/m", revision="a")
    cand = make_audit(db_session, model="org/m", revision="b", seed=7)
    response = client.get(
        "/api/compare", params={"audits": f"{base.id},{cand.id}", "resamples": 50}
    )
    assert response.status_code == 200, response.text
    data = response.json()
    assert [a["id"] for a in data["audits"]] == [base.id, cand.id]
    # `reference` is the deprecated old name of `model`, answered alike for one release.
    assert [(a["model"], a["reference"]) for a in data["audits"]] == [("org/m", "org/m")] * 2
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
    base = make_audit(db_session, model="org/m", revision="a")
    cand = make_audit(db_session, model="org/m", revision="b", seed=7)
    expected = [
        d.to_dict()
        for d in paired_differences(
            load_scored_rows(db_session, base.id),
            load_scored_rows(db_session, cand.id),
            n_resamples=50,
        )
    ]
    params: dict[str, str | int] = {"audits": f"{base.id},{cand.id}", "resamples": 50}
    assert client.get("/api/compare", params=params).json()["pairs"][0]["differences"] == expected


def _fresh_session_client(db_session: Session) -> TestClient:
    """The app with a new session per request: nothing a test's session holds can leak in."""
    connection = db_session.connection()
    app = create_app(ApiSettings())

    def fresh() -> Iterator[Session]:
        with Session(bind=connection, join_transaction_mode="create_savepoint") as session:
            yield session

    app.dependency_overrides[get_session] = fresh
    return TestClient(app)


def test_audits_of_different_data_sets_are_refused_whatever_the_session_holds(
    client: TestClient, db_session: Session
) -> None:
    base = make_audit(db_session, model="org/m", revision="a")
    cand = make_audit(db_session, model="org/m", revision="b", seed=7)
    params = {"audits": f"{base.id},{cand.id}"}
    assert client.get("/api/compare", params=params).status_code == 200
    # The same sentences stored as another data set. `cand.dataset` stays the old record
    # in this session's identity map; the comparison must not be fooled by it.
    copy = stored_dataset(db_session, replace(load_dataset("sample"), name="copy", sha256="c" * 64))
    cand.dataset_id = copy.id
    db_session.flush()
    assert cand.dataset.sha256 != copy.sha256  # the stale object the old code trusted
    with _fresh_session_client(db_session) as fresh:
        responses = [
            client.get("/api/compare", params=params),
            fresh.get("/api/compare", params=params),
        ]
    for response in responses:
        assert response.status_code == 422, response.text
        (error,) = response.json()["detail"]
        assert error["loc"] == ["query", "audits"]
        assert f"audit {cand.id} scored data set 'copy'" in error["msg"]
        assert "no shared sentences" in error["msg"]


def test_compare_rejects_bad_requests(client: TestClient, db_session: Session) -> None:
    ok = make_audit(db_session)
    other = make_audit(db_session, model="org/o", seed=3)
    running = make_audit(db_session, model="org/r", status=AuditStatus.running)
    eleven = ",".join([str(ok.id)] * 11)
    cases: dict[tuple[str, str], tuple[int, str]] = {
        ("audits", "x,y"): (422, "audits"),
        ("audits", "1,,2"): (422, "audits"),
        ("audits", f"{ok.id}"): (422, "audits"),
        ("audits", f"{ok.id},{ok.id}"): (422, "audits"),
        ("audits", eleven): (422, "audits"),
        ("audits", f"{ok.id},999999"): (404, "audits: no audit 999999"),
        ("audits", f"{ok.id},{running.id}"): (409, f"audits: audit {running.id} is running"),
        ("resamples", "51"): (422, "resamples"),
        ("resamples", "0"): (422, "resamples"),
        ("resamples", str(2**64)): (422, "resamples"),
        ("seed", "-1"): (422, "seed"),
        ("seed", str(2**32)): (422, "seed"),
        ("confidence", "1"): (422, "confidence"),
        ("confidence", "nan"): (422, "confidence"),
    }
    for (field, value), (code, named) in cases.items():
        params = {"audits": f"{ok.id},{other.id}", field: value}
        response = client.get("/api/compare", params=params)
        assert response.status_code == code, (field, value, response.text)
        detail = response.json()["detail"]
        if code == 422:
            assert [e["loc"] for e in detail] == [["query", field]], (field, value, detail)
        else:
            assert error_text(response).startswith(named), detail
    assert client.get("/api/compare").status_code == 422


def test_a_reader_cannot_ask_for_more_resamples_than_the_baseline_audit_had(
    client: TestClient, db_session: Session
) -> None:
    base = make_audit(db_session, model="org/m", revision="a")  # scored with 50 resamples
    cand = make_audit(db_session, model="org/m", revision="b", seed=7)
    params: dict[str, str | int] = {"audits": f"{base.id},{cand.id}", "resamples": 51}
    response = client.get("/api/compare", params=params)
    assert response.status_code == 422
    (error,) = response.json()["detail"]
    assert error["loc"] == ["query", "resamples"]
    assert error["msg"] == f"at most 50, the baseline audit {base.id}'s own resamples; got 51"
    fewer = client.get("/api/compare", params={**params, "resamples": 20})
    assert fewer.status_code == 200
    assert fewer.json()["settings"] == {
        "resamples": 20,
        "seed": 0,
        "confidence": 0.95,
        "requested": ["resamples"],
        "significance": SIGNIFICANCE_PROCEDURE,
    }


def test_the_bound_on_compared_audits_is_a_setting(db_session: Session) -> None:
    audits = [make_audit(db_session, model=f"org/m{i}", seed=i) for i in range(4)]
    app = create_app(ApiSettings(max_compared_audits=3))
    app.dependency_overrides[get_session] = lambda: db_session
    with TestClient(app) as client:
        ids = ",".join(str(j.id) for j in audits)
        response = client.get("/api/compare", params={"audits": ids})
        assert response.status_code == 422
        (error,) = response.json()["detail"]
        assert error["loc"] == ["query", "audits"]
        assert error["msg"] == "give between 2 and 3 audit ids, got 4"
        page = client.get("/compare", params={"audit": [j.id for j in audits]})
        assert page.status_code == 422 and "audit: compare at most 3 audits" in page.text
        assert client.get("/api/compare", params={"audits": ids[: ids.rindex(",")]}).is_success


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
    compare = paths["/api/compare"]["get"]
    assert "baseline audit's stored settings" in compare["description"]
    assert SIGNIFICANCE_PROCEDURE in compare["description"]
    assert {"200", "404", "409", "422"} <= set(compare["responses"])
    difference = spec["components"]["schemas"]["GroupDifference"]["properties"]["ci_low"]
    assert "paired bootstrap interval" in difference["description"]
    # Field docstrings become descriptions.
    create = spec["components"]["schemas"]["AuditCreate"]["properties"]["model"]
    assert "hub id" in create["description"]

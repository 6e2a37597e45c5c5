"""The API against hostile input: ranges, NUL and surrogates, auth before lookup, headers,
health, and the contract (error shape, timestamps, HEAD)."""

from __future__ import annotations

import json
import socket
from collections.abc import Iterator
from datetime import datetime

import pytest
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api import ApiSettings
from tests.api.factories import make_audit

TOO_BIG = "99999999999999999999"


@pytest.mark.parametrize(
    ("url", "where"),
    [
        (f"/api/audits?offset={TOO_BIG}", "offset"),
        (f"/api/audits?limit={TOO_BIG}", "limit"),
        (f"/api/checkpoints?offset={TOO_BIG}", "offset"),
        (f"/api/audits/{{audit}}/sentences?offset={TOO_BIG}", "offset"),
        (f"/api/audits/{{audit}}/generations?offset={TOO_BIG}", "offset"),
        ("/api/audits?checkpoint_label=a%00b", "checkpoint_label"),
        ("/api/audits?model=%ED%A0%80", "model"),
        ("/api/checkpoints?label=%00", "label"),
        ("/api/audits/{audit}/sentences?group=%ED%B0%80", "group"),
        ("/api/audits/{audit}/sentences?group=" + "g" * 50_000, "group"),
        ("/api/audits/1%00", "path"),
        ("/api/audits/%ED%A0%80/sentences", "path"),
    ],
)
def test_out_of_range_or_unrepresentable_query_and_path_are_422(
    client: TestClient, db_session: Session, url: str, where: str
) -> None:
    audit = make_audit(db_session)
    response = client.get(url.format(audit=audit.id))
    assert response.status_code == 422, response.text[:300]
    (problem, *_) = response.json()["detail"]
    assert where in problem["loc"] and problem["msg"], problem


@pytest.mark.parametrize(
    ("body", "where"),
    [
        ('{"model": "org/m", "step": 99999999999999999999}', "step"),
        ('{"model": "org/m", "step": 9999999999}', "step"),
        ('{"model": "org/m", "options": {"alpha": NaN}}', "body"),
        ('{"model": "org/m", "options": {"alpha": Infinity}}', "body"),
        ('{"model": "org/m", "options": {"alpha": -Infinity}}', "body"),
        ('{"model": "org/m", "options": {"alpha": 1e999}}', "alpha"),
        ('{"model": "org/m", "options": {"seed": 99999999999999999999}}', "seed"),
        ('{"model": "org/m", "label": "a\\u0000b"}', "label"),
        ('{"model": "org/m", "label": "\\ud800"}', "label"),
        ('{"model": "org/m", "tags": ["\\udfff"]}', "tags"),
        ('{"model": "org\\u0000/m"}', "model"),
    ],
)
def test_out_of_range_or_unrepresentable_body_is_422(
    client: TestClient, auth: dict[str, str], dispatched: list[int], body: str, where: str
) -> None:
    headers = {**auth, "content-type": "application/json"}
    response = client.post("/api/audits", content=body.encode(), headers=headers)
    assert response.status_code == 422, response.text[:300]
    (problem, *_) = response.json()["detail"]
    assert where in problem["loc"], problem
    json.dumps(response.json(), allow_nan=False)
    assert dispatched == []


def test_delete_checks_the_token_before_the_id(client: TestClient, db_session: Session) -> None:
    audit = make_audit(db_session)
    unknown = client.delete("/api/audits/424242")
    known = client.delete(f"/api/audits/{audit.id}")
    assert unknown.status_code == known.status_code == 401
    assert unknown.json() == known.json()
    assert (
        client.delete("/api/audits/424242", headers={"Authorization": "Bearer nope"}).status_code
        == 401
    )


def test_security_headers_on_api_answers_and_errors(client: TestClient) -> None:
    for response in (
        client.get("/api/audits"),
        client.get("/api/audits/424242"),
        client.get("/api/audits?offset=-1"),
        client.post("/api/audits", json={"model": "org/m"}),
    ):
        assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
        assert "script-src 'self'" in response.headers["content-security-policy"]
        assert response.headers["x-content-type-options"] == "nosniff"
        assert response.headers["referrer-policy"] == "same-origin"


def test_every_error_has_the_one_shape(client: TestClient, auth: dict[str, str]) -> None:
    responses = [
        client.get("/api/audits/424242"),  # 404
        client.get("/api/audits?offset=-1"),  # 422 from validation
        client.get("/api/audits?model=%00"),  # 422 from the guards
        client.post("/api/audits", json={"model": "org/m"}),  # 401
        client.get("/api/compare?audits=1"),  # a route's own 422
        client.post("/api/audits", json={"model": "x" * 5000}, headers=auth),  # 413
    ]
    for response in responses:
        assert response.status_code >= 400
        body = response.json()
        assert list(body) == ["detail"] and isinstance(body["detail"], list), body
        for item in body["detail"]:
            assert isinstance(item["loc"], list) and item["msg"] and item["type"], item


def test_timestamps_carry_their_offset(client: TestClient, db_session: Session) -> None:
    audit = make_audit(db_session)
    db_session.commit()
    # Read back from the database, not the objects in memory: SQLite returns naive times.
    db_session.expire_all()
    detail = client.get(f"/api/audits/{audit.id}").json()
    for key in ("created_at", "started_at", "finished_at"):
        if detail[key] is not None:
            assert datetime.fromisoformat(detail[key]).utcoffset() is not None, detail[key]
    (checkpoint,) = client.get("/api/checkpoints").json()["items"]
    assert datetime.fromisoformat(checkpoint["created_at"]).utcoffset() is not None


def test_head_answers_like_get_without_a_body(client: TestClient, db_session: Session) -> None:
    audit = make_audit(db_session)
    for url in ("/api/audits", f"/api/audits/{audit.id}", "/api/healthz", "/"):
        head = client.head(url)
        assert head.status_code == 200, url
        assert head.content == b""
    assert client.head("/api/audits/424242").status_code == 404


def _closed_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture()
def dead_broker(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    from workers import get_worker_settings

    monkeypatch.setenv("TOXAUDIT_BROKER_URL", f"redis://127.0.0.1:{_closed_port()}/0")
    get_worker_settings.cache_clear()
    try:
        yield
    finally:
        monkeypatch.delenv("TOXAUDIT_BROKER_URL")
        get_worker_settings.cache_clear()


def test_healthz_names_a_dead_broker(
    client: TestClient, api_settings: ApiSettings, dead_broker: None
) -> None:
    api_settings.broker_check_seconds = 1.0
    response = client.get("/api/healthz")
    assert response.status_code == 503
    (problem,) = response.json()["detail"]
    assert problem["msg"].startswith("broker unreachable"), problem


@pytest.mark.services
def test_healthz_with_a_live_broker(client: TestClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from workers import get_worker_settings

    with socket.socket() as probe:
        if probe.connect_ex(("127.0.0.1", 6379)) != 0:
            pytest.fail("Redis is not running on 127.0.0.1:6379")
    monkeypatch.setenv("TOXAUDIT_BROKER_URL", "redis://127.0.0.1:6379/0")
    get_worker_settings.cache_clear()
    try:
        response = client.get("/api/healthz")
    finally:
        monkeypatch.delenv("TOXAUDIT_BROKER_URL")
        get_worker_settings.cache_clear()
    assert response.status_code == 200, response.text
    assert response.json()["broker"] == "celery"


def test_the_largest_allowed_offset_is_an_empty_page(
    client: TestClient, db_session: Session
) -> None:
    audit = make_audit(db_session)
    biggest = 2**63 - 1
    for url in (
        "/api/audits",
        "/api/checkpoints",
        f"/api/audits/{audit.id}/sentences",
        f"/api/audits/{audit.id}/generations",
    ):
        response = client.get(url, params={"offset": biggest})
        assert response.status_code == 200, (url, response.text[:300])
        assert response.json()["items"] == []

"""Writes need a bearer token; reads are open unless the setting says otherwise."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from api import ApiSettings
from db import AuditStatus
from tests.api.errors import error_text
from tests.api.factories import make_audit


def test_writes_need_a_token(
    client: TestClient, dispatched: list[int], db_session: Session
) -> None:
    audit = make_audit(db_session, status=AuditStatus.running)
    missing = client.post("/api/audits", json={"model": "org/m"})
    assert missing.status_code == 401
    assert "toxaudit token create" in error_text(missing)
    assert missing.headers["www-authenticate"].startswith("Bearer")
    wrong = client.post(
        "/api/audits", json={"model": "org/m"}, headers={"Authorization": "Bearer nope"}
    )
    assert wrong.status_code == 401 and "invalid" in error_text(wrong)
    basic = client.post(
        "/api/audits", json={"model": "org/m"}, headers={"Authorization": "Basic dTpw"}
    )
    assert basic.status_code == 401
    assert client.delete(f"/api/audits/{audit.id}").status_code == 401
    assert dispatched == []


def test_reads_open_by_default(client: TestClient) -> None:
    assert client.get("/api/audits").status_code == 200
    assert client.get("/api/checkpoints").status_code == 200


def test_reads_can_require_a_token(
    client: TestClient, api_settings: ApiSettings, auth: dict[str, str], db_session: Session
) -> None:
    api_settings.read_requires_token = True
    audit = make_audit(db_session)
    for path in (
        "/api/audits",
        f"/api/audits/{audit.id}",
        f"/api/audits/{audit.id}/sentences",
        f"/api/audits/{audit.id}/generations",
        f"/api/audits/{audit.id}/results.json",
        f"/api/audits/{audit.id}/perplexities.json",
        "/api/checkpoints",
        f"/api/compare?audits={audit.id},{audit.id}",
    ):
        assert client.get(path).status_code == 401, path
        assert client.get(path, headers=auth).status_code != 401, path
    # Health stays open for load balancers and compose health checks.
    assert client.get("/api/healthz").status_code == 200


def test_revoked_token_is_refused(
    client: TestClient, auth: dict[str, str], db_session: Session
) -> None:
    from db import ApiToken

    for token in db_session.query(ApiToken).all():
        token.revoked = True
    db_session.commit()
    assert client.post("/api/audits", json={"model": "org/m"}, headers=auth).status_code == 401


def test_a_browser_signs_in_to_read_the_dashboards(
    client: TestClient, api_settings: ApiSettings, auth: dict[str, str], db_session: Session
) -> None:
    api_settings.read_requires_token = True
    make_audit(db_session)
    page = {"accept": "text/html"}
    sent = client.get("/compare?audit=1", headers=page, follow_redirects=False)
    assert sent.status_code == 303
    assert sent.headers["location"] == "/login?next=/compare%3Faudit%3D1"
    # A script's request gets the plain 401, not a login page.
    assert client.get("/", follow_redirects=False).status_code == 401

    form = client.get("/login?next=/trend")
    assert form.status_code == 200 and 'name="token"' in form.text
    wrong = client.post("/login", data={"token": "nope", "next": "/trend"})
    assert wrong.status_code == 401 and "unknown or revoked" in wrong.text
    token = auth["Authorization"].removeprefix("Bearer ")
    signed = client.post(
        "/login",
        data={"token": token, "next": "https://elsewhere.example/"},
        follow_redirects=False,
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/"
    cookie = signed.headers["set-cookie"]
    assert "toxaudit_session=" in cookie and "HttpOnly" in cookie and "SameSite=strict" in cookie

    assert client.get("/", headers=page).status_code == 200
    assert client.get("/api/audits").status_code == 200
    # The cookie grants reads only: writes still need the Authorization header.
    assert client.post("/api/audits", json={"model": "org/m"}).status_code == 401

    client.post("/logout")
    assert client.get("/api/audits").status_code == 401


def test_a_read_only_token_reads_but_never_writes(
    client: TestClient, api_settings: ApiSettings, dispatched: list[int], db_session: Session
) -> None:
    from db import create_api_token

    api_settings.read_requires_token = True
    audit = make_audit(db_session, status=AuditStatus.running)
    viewer = {"Authorization": f"Bearer {create_api_token(db_session, 'ci-gate', read_only=True)}"}
    db_session.commit()

    assert client.get(f"/api/audits/{audit.id}", headers=viewer).status_code == 200
    submitted = client.post("/api/audits", json={"model": "org/m"}, headers=viewer)
    assert submitted.status_code == 403
    assert "'ci-gate' is read-only" in error_text(submitted)
    assert client.delete(f"/api/audits/{audit.id}", headers=viewer).status_code == 403
    assert dispatched == []
    db_session.refresh(audit)
    assert audit.status is AuditStatus.running

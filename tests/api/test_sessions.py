"""Browser sessions: a random server-side id, not the token; expiry, revocation, logout,
and no cross-site sign-in or sign-out."""

from __future__ import annotations

from datetime import timedelta

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select, update
from sqlalchemy.orm import Session

from api import ApiSettings
from db import BrowserSession, create_api_token, revoke_api_token, utcnow
from tests.api.factories import make_audit

SAME_ORIGIN = {"origin": "http://testserver"}


@pytest.fixture()
def reads_need_a_token(api_settings: ApiSettings, db_session: Session) -> None:
    api_settings.read_requires_token = True
    make_audit(db_session)


def _sign_in(client: TestClient, token: str) -> str:
    response = client.post(
        "/login", data={"token": token}, headers=SAME_ORIGIN, follow_redirects=False
    )
    assert response.status_code == 303, response.text
    cookie = client.cookies.get("toxaudit_session")
    assert cookie
    return cookie


def _sessions(db_session: Session) -> int:
    return int(db_session.scalar(select(func.count()).select_from(BrowserSession)) or 0)


def test_the_cookie_holds_a_session_id_not_the_token(
    client: TestClient, reads_need_a_token: None, db_session: Session
) -> None:
    token = create_api_token(db_session, "viewer")
    db_session.commit()
    cookie = _sign_in(client, token)
    assert token not in cookie and cookie not in token
    assert client.get("/api/audits").status_code == 200
    # The cookie is not a bearer token.
    headers = {"Authorization": f"Bearer {cookie}"}
    assert client.get("/api/audits", headers=headers).status_code == 401


def test_a_revoked_tokens_session_stops_working(
    client: TestClient, reads_need_a_token: None, db_session: Session
) -> None:
    token = create_api_token(db_session, "viewer")
    db_session.commit()
    _sign_in(client, token)
    assert client.get("/api/audits").status_code == 200
    (row,) = db_session.scalars(select(BrowserSession))
    revoke_api_token(db_session, row.token_id)
    db_session.commit()
    assert client.get("/api/audits").status_code == 401
    page = client.get("/", headers={"accept": "text/html"}, follow_redirects=False)
    assert page.status_code == 303 and page.headers["location"].startswith("/login")


def test_an_expired_session_stops_working(
    client: TestClient, reads_need_a_token: None, db_session: Session
) -> None:
    token = create_api_token(db_session, "viewer")
    db_session.commit()
    _sign_in(client, token)
    assert client.get("/api/audits").status_code == 200
    db_session.execute(update(BrowserSession).values(expires_at=utcnow() - timedelta(seconds=1)))
    db_session.commit()
    assert client.get("/api/audits").status_code == 401
    # Seen expired, it is gone.
    assert _sessions(db_session) == 0


def test_a_sign_in_clears_sessions_that_expired_unseen(
    client: TestClient, reads_need_a_token: None, db_session: Session
) -> None:
    token = create_api_token(db_session, "viewer")
    db_session.commit()
    _sign_in(client, token)
    db_session.execute(update(BrowserSession).values(expires_at=utcnow() - timedelta(hours=1)))
    db_session.commit()
    client.cookies.clear()
    _sign_in(client, token)
    assert _sessions(db_session) == 1


def test_the_session_lasts_as_configured(
    client: TestClient, reads_need_a_token: None, api_settings: ApiSettings, db_session: Session
) -> None:
    api_settings.session_hours = 2
    token = create_api_token(db_session, "viewer")
    db_session.commit()
    response = client.post(
        "/login", data={"token": token}, headers=SAME_ORIGIN, follow_redirects=False
    )
    assert "Max-Age=7200" in response.headers["set-cookie"]
    (row,) = db_session.scalars(select(BrowserSession))
    lifetime = row.expires_at.replace(tzinfo=None) - row.created_at.replace(tzinfo=None)
    assert abs(lifetime - timedelta(hours=2)) < timedelta(minutes=1)


def test_logout_deletes_the_session_on_the_server(
    client: TestClient, reads_need_a_token: None, db_session: Session
) -> None:
    token = create_api_token(db_session, "viewer")
    db_session.commit()
    cookie = _sign_in(client, token)
    assert _sessions(db_session) == 1
    response = client.post("/logout", headers=SAME_ORIGIN, follow_redirects=False)
    assert response.status_code == 303
    assert _sessions(db_session) == 0
    # A copy of the cookie kept from before the logout is worthless.
    client.cookies.set("toxaudit_session", cookie)
    assert client.get("/api/audits").status_code == 401


@pytest.mark.parametrize(
    "headers",
    [
        {"origin": "https://evil.example"},
        {"origin": "null"},
        {"sec-fetch-site": "cross-site"},
        {"referer": "https://evil.example/page"},
    ],
)
def test_cross_site_posts_to_login_and_logout_are_refused(
    client: TestClient, reads_need_a_token: None, db_session: Session, headers: dict[str, str]
) -> None:
    token = create_api_token(db_session, "viewer")
    db_session.commit()
    refused = client.post("/login", data={"token": token}, headers=headers, follow_redirects=False)
    assert refused.status_code == 403
    assert "cross-site" in refused.json()["detail"][0]["msg"]
    assert "set-cookie" not in refused.headers and _sessions(db_session) == 0

    _sign_in(client, token)
    assert client.post("/logout", headers=headers, follow_redirects=False).status_code == 403
    assert _sessions(db_session) == 1
    assert client.get("/api/audits").status_code == 200

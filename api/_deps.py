"""Typed dependencies: the database session, settings, tokens, the audit dispatcher."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated
from urllib.parse import quote

from fastapi import Depends, HTTPException, Request, status
from fastapi.security import APIKeyCookie, HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api._settings import ApiSettings, get_api_settings
from db import (
    ApiToken,
    Audit,
    get_audit,
    get_sessionmaker,
    verify_api_token,
    verify_browser_session,
)


def get_session() -> Iterator[Session]:
    with get_sessionmaker()() as session:
        yield session


SessionDep = Annotated[Session, Depends(get_session)]
SettingsDep = Annotated[ApiSettings, Depends(get_api_settings)]

_bearer = HTTPBearer(
    auto_error=False,
    description="A token printed by `toxaudit token create`.",
)
CredentialsDep = Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)]

SESSION_COOKIE = "toxaudit_session"
_cookie = APIKeyCookie(
    name=SESSION_COOKIE,
    auto_error=False,
    description="A browser session id set by signing in at /login; grants reads only, never "
    "writes, and ends at logout, at its expiry or when its token is revoked.",
)
CookieSessionDep = Annotated[str | None, Depends(_cookie)]


def _check_token(session: Session, credentials: HTTPAuthorizationCredentials | None) -> ApiToken:
    if credentials is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "missing bearer token: send 'Authorization: Bearer <token>' "
            "(create one with `toxaudit token create`)",
            headers={"WWW-Authenticate": "Bearer"},
        )
    token = verify_api_token(session, credentials.credentials)
    if token is None:
        raise HTTPException(
            status.HTTP_401_UNAUTHORIZED,
            "invalid or revoked bearer token",
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
        )
    session.commit()
    return token


def require_token(session: SessionDep, credentials: CredentialsDep) -> ApiToken:
    """Writes always need a valid token that was not made read-only."""
    token = _check_token(session, credentials)
    if token.read_only:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"token {token.name!r} is read-only: submitting and cancelling audits need a "
            "token made without --read-only",
        )
    return token


def read_access(
    session: SessionDep,
    settings: SettingsDep,
    credentials: CredentialsDep,
    session_cookie: CookieSessionDep,
) -> ApiToken | None:
    """Reads are open unless TOXAUDIT_READ_REQUIRES_TOKEN is set; then a bearer token,
    or the session a browser got by signing in, is needed."""
    if not settings.read_requires_token:
        return None
    if credentials is None and session_cookie:
        # The cookie is only ever read here: a write needs the Authorization header, so
        # a page on another site cannot make a signed-in browser change anything.
        token = verify_browser_session(session, session_cookie)
        session.commit()
        if token is None:
            raise HTTPException(
                status.HTTP_401_UNAUTHORIZED,
                "your sign-in has expired or was ended: sign in again at /login",
                headers={"WWW-Authenticate": "Bearer"},
            )
        return token
    return _check_token(session, credentials)


def page_read_access(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    credentials: CredentialsDep,
    session_cookie: CookieSessionDep,
) -> ApiToken | None:
    """read_access for the dashboards: a browser that is not signed in is sent to /login."""
    try:
        return read_access(session, settings, credentials, session_cookie)
    except HTTPException as exc:
        wants_page = "text/html" in request.headers.get("accept", "")
        if exc.status_code != status.HTTP_401_UNAUTHORIZED or not wants_page:
            raise
        target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        raise HTTPException(
            status.HTTP_303_SEE_OTHER, headers={"Location": f"/login?next={quote(target)}"}
        ) from exc


TokenDep = Annotated[ApiToken, Depends(require_token)]


def get_audit_or_404(session: SessionDep, audit_id: str) -> Audit:
    # The id is taken as text so that a non-numeric reference is a 404, like any unknown
    # id: clients (the CI gate) fall back from an id to a checkpoint label on 404.
    numeric = audit_id.isascii() and audit_id.isdigit() and int(audit_id) < 2**31
    audit = get_audit(session, int(audit_id)) if numeric else None
    if audit is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no audit {audit_id!r}")
    return audit


AuditDep = Annotated[Audit, Depends(get_audit_or_404)]

Dispatcher = Callable[[int], None]


def get_dispatcher() -> Dispatcher:
    """Hands a queued audit to the workers (Celery, or the in-process embedded worker)."""
    from workers import dispatch_audit

    return dispatch_audit


DispatchDep = Annotated[Dispatcher, Depends(get_dispatcher)]

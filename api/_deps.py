"""Typed dependencies: the database session, settings, tokens, the job dispatcher."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Annotated

from fastapi import Depends, HTTPException, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy.orm import Session

from api._settings import ApiSettings, get_api_settings
from db import ApiToken, AuditJob, get_audit, get_sessionmaker, verify_api_token


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
    """Writes always need a valid token."""
    return _check_token(session, credentials)


def read_access(
    session: SessionDep, settings: SettingsDep, credentials: CredentialsDep
) -> ApiToken | None:
    """Reads are open unless TOXAUDIT_READ_REQUIRES_TOKEN is set."""
    if not settings.read_requires_token:
        return None
    return _check_token(session, credentials)


TokenDep = Annotated[ApiToken, Depends(require_token)]


def get_audit_or_404(session: SessionDep, audit_id: str) -> AuditJob:
    # The id is taken as text so that a non-numeric reference is a 404, like any unknown
    # id: clients (the CI gate) fall back from an id to a checkpoint label on 404.
    numeric = audit_id.isascii() and audit_id.isdigit() and int(audit_id) < 2**31
    job = get_audit(session, int(audit_id)) if numeric else None
    if job is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"no audit {audit_id!r}")
    return job


AuditDep = Annotated[AuditJob, Depends(get_audit_or_404)]

Dispatcher = Callable[[int], None]


def get_dispatcher() -> Dispatcher:
    """Hands a queued job to the workers (Celery, or the in-process embedded worker)."""
    from workers import dispatch_job

    return dispatch_job


DispatchDep = Annotated[Dispatcher, Depends(get_dispatcher)]

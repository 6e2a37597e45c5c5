"""Browser sessions opened by /login: a random id in the cookie, its hash in the database."""

from __future__ import annotations

import hmac
import secrets
from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db._models import ApiToken, BrowserSession, utcnow
from db.tokens._api_tokens import hash_token


def _aware(moment: datetime) -> datetime:
    # SQLite hands back naive datetimes; every stored time is UTC.
    return moment if moment.tzinfo is not None else moment.replace(tzinfo=UTC)


def open_browser_session(session: Session, token: ApiToken, *, lifetime: timedelta) -> str:
    """Store a new session for `token` and return its id, which is never stored.

    Sessions that expired unseen are deleted here, so the table holds live ones only.
    """
    session.execute(delete(BrowserSession).where(BrowserSession.expires_at <= utcnow()))
    session_id = secrets.token_urlsafe(32)
    session.add(
        BrowserSession(
            session_hash=hash_token(session_id),
            token_id=token.id,
            expires_at=utcnow() + lifetime,
        )
    )
    session.flush()
    return session_id


def verify_browser_session(session: Session, session_id: str) -> ApiToken | None:
    """The live token behind this session id, or None when the session is unknown, expired
    or its token revoked. An expired session is deleted."""
    digest = hash_token(session_id)
    found = session.scalar(select(BrowserSession).where(BrowserSession.session_hash == digest))
    if found is None or not hmac.compare_digest(found.session_hash, digest):
        return None
    if _aware(found.expires_at) <= utcnow():
        session.delete(found)
        session.flush()
        return None
    token = found.token
    if token.revoked:
        return None
    token.last_used_at = utcnow()
    return token


def close_browser_session(session: Session, session_id: str) -> bool:
    """Delete the session (logout); True if there was one."""
    result = session.execute(
        delete(BrowserSession).where(BrowserSession.session_hash == hash_token(session_id))
    )
    session.flush()
    return bool(getattr(result, "rowcount", 0))

"""API bearer tokens: created once, stored only as their SHA-256."""

from __future__ import annotations

import hashlib
import hmac
import secrets

from sqlalchemy import select
from sqlalchemy.orm import Session

from db._models import ApiToken, utcnow

TOKEN_PREFIX = "txa_"


def hash_token(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def create_api_token(session: Session, name: str, *, read_only: bool = False) -> str:
    """Store a new token's hash and return the token itself, which is never stored."""
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(ApiToken(name=name, token_hash=hash_token(token), read_only=read_only))
    session.flush()
    return token


def list_api_tokens(session: Session) -> list[ApiToken]:
    """Every token ever created, revoked ones included, oldest first."""
    return list(session.scalars(select(ApiToken).order_by(ApiToken.id)))


def revoke_api_token(session: Session, token_id: int) -> ApiToken | None:
    """Revoke a token by its id (as `toxaudit token list` shows it); None if there is none."""
    token = session.get(ApiToken, token_id)
    if token is not None:
        token.revoked = True
        session.flush()
    return token


def verify_api_token(session: Session, token: str) -> ApiToken | None:
    """The live token with this value, or None; records when it was last used."""
    digest = hash_token(token)
    found = session.scalar(
        select(ApiToken).where(ApiToken.token_hash == digest, ApiToken.revoked.is_(False))
    )
    # The lookup is by hash already; compare again in constant time so that a future
    # change to the query can never turn this into a timing oracle.
    if found is None or not hmac.compare_digest(found.token_hash, digest):
        return None
    found.last_used_at = utcnow()
    return found

"""API tokens."""

from __future__ import annotations

from sqlalchemy.orm import Session

from db import (
    create_api_token,
    hash_token,
    list_api_tokens,
    revoke_api_token,
    verify_api_token,
)


def test_tokens_stored_as_hash_only(db_session: Session) -> None:
    token = create_api_token(db_session, "ci")
    found = verify_api_token(db_session, token)
    assert found is not None and found.token_hash == hash_token(token) != token
    assert found.last_used_at is not None
    assert verify_api_token(db_session, token + "x") is None
    found.revoked = True
    assert verify_api_token(db_session, token) is None


def test_tokens_are_listed_and_revoked_by_id(db_session: Session) -> None:
    before = {t.id for t in list_api_tokens(db_session)}
    writer = create_api_token(db_session, "deploy")
    reader = create_api_token(db_session, "gate", read_only=True)
    new = [t for t in list_api_tokens(db_session) if t.id not in before]
    assert [(t.name, t.read_only, t.revoked) for t in new] == [
        ("deploy", False, False),
        ("gate", True, False),
    ]
    revoked = revoke_api_token(db_session, new[1].id)
    assert revoked is not None and revoked.revoked
    assert verify_api_token(db_session, reader) is None
    assert verify_api_token(db_session, writer) is not None
    assert revoke_api_token(db_session, max(t.id for t in new) + 1000) is None

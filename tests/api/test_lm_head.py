"""options.lm_head: validated, stored in the audit settings, and part of the reuse key."""

from __future__ import annotations

from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from db import default_settings, get_audit, settings_hash


def _submit(client: TestClient, auth: dict[str, str], **options: object) -> dict[str, object]:
    body = {"model": "org/encoder", "dataset": "sample", "options": {"limit": 10, **options}}
    response = client.post("/api/audits", json=body, headers=auth)
    assert response.status_code == 202, response.text
    audit: dict[str, object] = response.json()
    return audit


def test_lm_head_is_stored_and_keys_reuse(
    client: TestClient, auth: dict[str, str], db_session: Session
) -> None:
    submitted = [
        _submit(client, auth, seed=11),
        _submit(client, auth, seed=11, lm_head="auto"),
        _submit(client, auth, seed=11, lm_head="mlm"),
    ]
    audits = [get_audit(db_session, int(str(audit["id"]))) for audit in submitted]
    assert [audit.settings["lm_head"] for audit in audits if audit is not None] == [
        "auto",
        "auto",
        "mlm",
    ]
    hashes = [audit.settings_hash for audit in audits if audit is not None]
    assert hashes[0] == hashes[1] != hashes[2]


def test_unknown_lm_head_is_422_naming_the_field(client: TestClient, auth: dict[str, str]) -> None:
    body = {"model": "org/encoder", "dataset": "sample", "options": {"lm_head": "seq2seq"}}
    response = client.post("/api/audits", json=body, headers=auth)
    assert response.status_code == 422
    errors = response.json()["detail"]
    assert any(e["loc"][-2:] == ["options", "lm_head"] for e in errors), errors


def test_audits_stored_before_lm_head_keep_their_reuse_key() -> None:
    # The hash of an audit's settings from before lm_head existed: defaults without it.
    before = {
        k: v for k, v in default_settings().items() if k not in ("lm_head", "safenlp_mask_id")
    }
    assert settings_hash({}) == settings_hash(before)
    assert settings_hash({"lm_head": "auto"}) == settings_hash(before)
    assert settings_hash({"lm_head": "mlm"}) != settings_hash(before)
    assert settings_hash({"safenlp_mask_id": True}) != settings_hash(before)

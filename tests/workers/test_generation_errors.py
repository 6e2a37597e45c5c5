"""An audit's error is readable without a token: it never quotes a file the audit names."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from audit.datasets import Dataset
from db import AuditStatus
from tests.workers.conftest import get_audit, submit
from workers import plan_audit

SECRET = "SECRET-b81e-never-in-a-audit-error"


def test_a_prompt_file_broken_after_submission_fails_the_audit_without_its_content(
    sqlite_sessions: sessionmaker[Session], sample_dataset: Dataset, tmp_path: Path
) -> None:
    # The API parsed the file when the audit was submitted; it changed before a worker read it.
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text(
        json.dumps({"prompt": "- a\n-", "group": "asian", "label": SECRET}) + "\n",
        encoding="utf-8",
    )
    audit_id = submit(
        sqlite_sessions,
        "org/never-loaded",
        sample_dataset,
        limit=4,
        generation={"prompts": str(prompts), "classifier": "profanity-check"},
    )
    plan = plan_audit(sqlite_sessions, audit_id, chunk_size=2)
    assert plan.chunks == ()
    audit = get_audit(sqlite_sessions, audit_id)
    assert audit.status is AuditStatus.failed and audit.error is not None
    assert "row 1" in audit.error and "'label'" in audit.error
    assert SECRET not in audit.error

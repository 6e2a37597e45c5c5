"""A job's error is readable without a token: it never quotes a file the job names."""

from __future__ import annotations

import json
from pathlib import Path

from sqlalchemy.orm import Session, sessionmaker

from audit.datasets import Dataset
from db import JobStatus
from tests.workers.conftest import get_job, submit
from workers import plan_job

SECRET = "SECRET-b81e-never-in-a-job-error"


def test_a_prompt_file_broken_after_submission_fails_the_job_without_its_content(
    sqlite_sessions: sessionmaker[Session], sample_dataset: Dataset, tmp_path: Path
) -> None:
    # The API parsed the file when the job was submitted; it changed before a worker read it.
    prompts = tmp_path / "prompts.jsonl"
    prompts.write_text(
        json.dumps({"prompt": "- a\n-", "group": "asian", "label": SECRET}) + "\n",
        encoding="utf-8",
    )
    job_id = submit(
        sqlite_sessions,
        "org/never-loaded",
        sample_dataset,
        limit=4,
        generation={"prompts": str(prompts), "classifier": "profanity-check"},
    )
    plan = plan_job(sqlite_sessions, job_id, chunk_size=2)
    assert plan.chunks == ()
    job = get_job(sqlite_sessions, job_id)
    assert job.status is JobStatus.failed and job.error is not None
    assert "row 1" in job.error and "'label'" in job.error
    assert SECRET not in job.error

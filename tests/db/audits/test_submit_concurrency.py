"""Fifty submissions at once: every audit recorded once, none lost, nothing duplicated."""

from __future__ import annotations

import threading
import uuid
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace

import pytest
from sqlalchemy import create_engine, func, select
from sqlalchemy.orm import Session
from sqlalchemy.pool import NullPool

from audit.datasets import Dataset, canonical_sha256, sample_sentences
from db import Audit, Checkpoint, DatasetRecord, DatasetRow, submit_audit
from tests.db.isolated import isolated_postgres

SUBMISSIONS = 50
REVISIONS = 5


@pytest.mark.services
def test_fifty_concurrent_submissions_on_postgres(postgres_url: str) -> None:
    # The submissions commit for real: a database of their own keeps them out of other
    # tests' queries (postgres_url is asked for so that PostgreSQL is checked first).
    with isolated_postgres("concurrency") as url:
        _fifty_concurrent_submissions(url)


def _fifty_concurrent_submissions(postgres_url: str) -> None:
    # A checkpoint and data set no other test uses, so every submission races to
    # create them; NullPool gives each thread a connection of its own.
    reference = f"org/concurrent-{uuid.uuid4().hex[:8]}"
    sentences = tuple(replace(s, text=f"{s.text} [{reference}]") for s in sample_sentences())
    dataset = Dataset("concurrent", sentences, canonical_sha256(sentences), "test:concurrent")
    engine = create_engine(postgres_url, poolclass=NullPool)
    barrier = threading.Barrier(SUBMISSIONS)

    def one(index: int) -> int:
        barrier.wait(timeout=60)
        with Session(engine, expire_on_commit=False) as session, session.begin():
            audit, reused = submit_audit(
                session,
                model=reference,
                revision=f"step-{index % REVISIONS}",
                label=f"run-{index % REVISIONS}",
                step=index % REVISIONS,
                tags=[f"t{index % 3}"],
                dataset=dataset,
                settings={"seed": index},
            )
            assert not reused
            return audit.id

    try:
        with ThreadPoolExecutor(SUBMISSIONS) as pool:
            ids = list(pool.map(one, range(SUBMISSIONS)))
        with Session(engine) as session:
            stored = session.scalars(
                select(Audit.id).join(Checkpoint).where(Checkpoint.model == reference)
            ).all()
            checkpoints = session.scalars(
                select(Checkpoint).where(Checkpoint.model == reference)
            ).all()
            records = session.scalars(
                select(DatasetRecord).where(DatasetRecord.sha256 == dataset.sha256)
            ).all()
            rows = session.scalar(
                select(func.count())
                .select_from(DatasetRow)
                .where(DatasetRow.dataset_id == records[0].id)
            )
            seeds = session.scalars(select(Audit.settings).where(Audit.id.in_(ids))).all()
    finally:
        engine.dispose()
    assert len(set(ids)) == SUBMISSIONS
    assert sorted(stored) == sorted(ids)
    assert sorted(c.revision for c in checkpoints) == [f"step-{i}" for i in range(REVISIONS)]
    assert all(set(c.tags) <= {"t0", "t1", "t2"} and c.tags for c in checkpoints)
    assert len(records) == 1 and rows == len(dataset)
    assert sorted(s["seed"] for s in seeds) == list(range(SUBMISSIONS))

"""Real PostgreSQL, real Redis, real `toxaudit worker` processes on loopback."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import replace
from pathlib import Path

import pytest
import redis
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from audit.datasets import Dataset, canonical_sha256
from audit.scoring import safety_scores
from db import Audit, AuditStatus, SentenceResult, load_scored_rows
from tests.workers.cluster import Cluster, private_redis
from tests.workers.conftest import (
    kill_while_writing_rows_20_to_39,
    reference_rows,
    sessions_for,
    submit,
    wait_for,
)

pytestmark = pytest.mark.services

ROWS = 120  # 6 chunks of 20


@pytest.fixture(scope="module")
def pg_sessions(workers_postgres_url: str) -> sessionmaker[Session]:
    return sessions_for(workers_postgres_url)


def _cluster(database_url: str, broker_url: str, prefix: str, logs: Path) -> Iterator[Cluster]:
    cluster = Cluster(database_url=database_url, broker_url=broker_url, prefix=prefix, logs=logs)
    try:
        yield cluster
    finally:
        cluster.close()
        client = redis.Redis.from_url(broker_url)
        keys = list(client.scan_iter(f"{prefix}*"))
        if keys:
            client.delete(*keys)
        client.close()


@pytest.fixture()
def cluster(
    workers_postgres_url: str, redis_url: str, redis_namespace: str, tmp_path: Path
) -> Iterator[Cluster]:
    """A broker namespace of its own, workers started by the test."""
    yield from _cluster(workers_postgres_url, redis_url, f"{redis_namespace}:", tmp_path)


@pytest.fixture(scope="module")
def pair(
    workers_postgres_url: str, redis_url: str, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Cluster]:
    """Two workers, "left" and "right", shared by the tests that need no restart."""
    prefix = f"toxaudit-test-{os.getpid()}-{uuid.uuid4().hex[:8]}:"
    logs = tmp_path_factory.mktemp("pair")
    for cluster in _cluster(workers_postgres_url, redis_url, prefix, logs):
        cluster.start_worker("left")
        cluster.start_worker("right")
        # Both must be able to take work, or one could do it all.
        cluster.wait_ready("left")
        cluster.wait_ready("right")
        yield cluster


def _finished(audit: Audit) -> bool:
    return audit.status.finished


def _assert_one_row_per_sentence(sessions: sessionmaker[Session], audit_id: int, n: int) -> None:
    with sessions() as session:
        rows = session.execute(
            select(SentenceResult.row, func.count())
            .where(SentenceResult.audit_id == audit_id)
            .group_by(SentenceResult.row)
        ).all()
    assert sorted(r for r, _ in rows) == list(range(n))
    assert all(count == 1 for _, count in rows)


def _assert_same_scores_as_uninterrupted(
    sessions: sessionmaker[Session], audit_id: int, model: Path, dataset: Dataset, n: int
) -> None:
    expected = reference_rows(model, dataset, n)
    with sessions() as session:
        rows = load_scored_rows(session, audit_id)
        audit = session.get(Audit, audit_id)
        assert audit is not None and audit.results is not None
        results, seed = audit.results, audit.settings["seed"]
    for got, want in zip(rows, expected, strict=True):
        assert got.sentence == want.sentence
        assert got.perplexity == pytest.approx(want.perplexity, rel=1e-5)
    reference = safety_scores(expected, n_resamples=200, seed=seed)
    stored = {g["group"]: g for g in results["scores"]["groups"]}
    assert set(stored) == {g.group for g in reference.groups}
    for group in reference.groups:
        assert stored[group.group]["score"] == pytest.approx(group.score)
        assert stored[group.group]["ci_low"] == pytest.approx(group.ci_low)
        assert stored[group.group]["significant"] == group.significant


def _unacked(cluster: Cluster, redis_url: str) -> int:
    client = redis.Redis.from_url(redis_url)
    try:
        return int(client.zcard(f"{cluster.settings.broker_key_prefix}unacked_index"))
    finally:
        client.close()


def test_sigkilled_worker_mid_audit_loses_nothing(
    cluster: Cluster,
    pg_sessions: sessionmaker[Session],
    redis_url: str,
    tiny_llama_dir: Path,
    sample_dataset: Dataset,
) -> None:
    cluster.start_worker("doomed")
    audit_id = submit(pg_sessions, tiny_llama_dir, sample_dataset, limit=ROWS)
    kill_while_writing_rows_20_to_39(cluster, pg_sessions, audit_id, "doomed")
    killed_at = wait_for(pg_sessions, audit_id, lambda j: True, timeout=1)
    assert killed_at.status is AuditStatus.running and killed_at.progress_done == 20
    # The chunk it was writing is still unacknowledged in Redis: it will be redelivered.
    assert _unacked(cluster, redis_url) >= 1

    cluster.start_worker("rescuer")
    audit = wait_for(pg_sessions, audit_id, _finished, timeout=150)
    assert audit.status is AuditStatus.succeeded, audit.error
    assert audit.progress_done == ROWS
    _assert_one_row_per_sentence(pg_sessions, audit_id, ROWS)
    _assert_same_scores_as_uninterrupted(
        pg_sessions, audit_id, tiny_llama_dir, sample_dataset, ROWS
    )
    pattern = re.compile(rf"audit {audit_id} rows \d+-\d+: (\d+) written")
    before = sum(int(n) for n in pattern.findall(cluster.log("doomed")))
    after = sum(int(n) for n in pattern.findall(cluster.log("rescuer")))
    assert 0 < before < ROWS and before + after == ROWS


def test_two_workers_share_a_audit_and_duplicate_chunks_write_nothing_twice(
    pair: Cluster,
    pg_sessions: sessionmaker[Session],
    tiny_llama_dir: Path,
    sample_dataset: Dataset,
) -> None:
    audit_id = submit(pg_sessions, tiny_llama_dir, sample_dataset, limit=ROWS)
    # Planning twice sends every chunk twice: what redelivery does at worst.
    pair.send_plan(audit_id)
    pair.send_plan(audit_id)
    audit = wait_for(pg_sessions, audit_id, _finished, timeout=150)
    assert audit.status is AuditStatus.succeeded, audit.error
    _assert_one_row_per_sentence(pg_sessions, audit_id, ROWS)
    # Both took chunks of the audit (scored, or found done or ended: which one gets to
    # score is a race). A worker still loading the model for its first chunk when the
    # other finished the audit logs that chunk a moment after the audit succeeded.
    handled = re.compile(rf"audit {audit_id} rows \d+-\d+: ")
    deadline = time.monotonic() + 60
    for name in ("left", "right"):
        while not handled.search(pair.log(name)):
            assert time.monotonic() < deadline, f"{name} handled no chunk:\n{pair.log(name)}"
            time.sleep(0.2)
    # Every row was written exactly once.
    pattern = re.compile(rf"audit {audit_id} rows \d+-\d+: (\d+) written")
    left = [int(n) for n in pattern.findall(pair.log("left"))]
    right = [int(n) for n in pattern.findall(pair.log("right"))]
    assert sum(left) + sum(right) == ROWS


def test_redis_restart_mid_audit(
    workers_postgres_url: str,
    pg_sessions: sessionmaker[Session],
    redis_namespace: str,
    tiny_llama_dir: Path,
    sample_dataset: Dataset,
    tmp_path: Path,
) -> None:
    with private_redis(tmp_path) as server:
        cluster = Cluster(
            database_url=workers_postgres_url,
            broker_url=server.url,
            prefix=f"{redis_namespace}:",
            logs=tmp_path,
        )
        try:
            cluster.start_worker("steady")
            audit_id = submit(pg_sessions, tiny_llama_dir, sample_dataset, limit=ROWS)
            cluster.send_plan(audit_id)
            wait_for(pg_sessions, audit_id, lambda j: j.progress_done >= 20, timeout=120)
            server.kill()
            server.start()
            # kombu pops a message from its queue and records it as unacknowledged in two
            # steps: one popped at the instant Redis dies is gone, and the audit would wait
            # forever. The watchdog, which a deployment runs, is what sends it again.
            cluster.start_watchdog(stall_timeout=10, interval=2)
            audit = wait_for(pg_sessions, audit_id, _finished, timeout=150)
            assert audit.status is AuditStatus.succeeded, audit.error
            _assert_one_row_per_sentence(pg_sessions, audit_id, ROWS)
        finally:
            cluster.close()


def test_bad_inputs_fail_their_audits_only(
    pair: Cluster,
    pg_sessions: sessionmaker[Session],
    tiny_llama_dir: Path,
    sample_dataset: Dataset,
    tmp_path: Path,
) -> None:
    from db import DatasetRow

    # A data set of its own (other tests share the sample's stored rows), corrupted in
    # the database after submission: workers must validate what they read.
    sentences = tuple(replace(s, text=s.text + " (copy)") for s in sample_dataset.sentences[:40])
    private = Dataset("corrupt", sentences, canonical_sha256(sentences), "test:corrupt")
    corrupt = submit(pg_sessions, tiny_llama_dir, private)
    with pg_sessions() as session, session.begin():
        audit = session.get(Audit, corrupt)
        assert audit is not None
        row = session.scalars(
            select(DatasetRow).where(
                DatasetRow.dataset_id == audit.dataset_id, DatasetRow.row == 25
            )
        ).one()
        row.label = "bogus"
    missing_model = submit(pg_sessions, tmp_path / "no-such-model", sample_dataset, limit=40)
    good = submit(pg_sessions, tiny_llama_dir, sample_dataset, limit=40)
    # Sent the way the API sends them: dispatch_audit in a process configured by the
    # environment alone (TOXAUDIT_BROKER_URL set, so Celery rather than a thread).
    subprocess.run(
        [
            sys.executable,
            "-c",
            "import sys; from workers import dispatch_audit; "
            "[dispatch_audit(int(a)) for a in sys.argv[1:]]",
            *(str(j) for j in (corrupt, missing_model, good)),
        ],
        env=pair.env,
        check=True,
        timeout=120,
    )
    failed_data = wait_for(pg_sessions, corrupt, _finished, timeout=120)
    failed_model = wait_for(pg_sessions, missing_model, _finished, timeout=120)
    succeeded = wait_for(pg_sessions, good, _finished, timeout=120)
    assert failed_data.status is AuditStatus.failed
    assert failed_data.error is not None
    assert "bad data set" in failed_data.error and "row 26" in failed_data.error
    assert "label" in failed_data.error
    assert failed_model.status is AuditStatus.failed
    assert failed_model.error is not None and "could not load the model" in failed_model.error
    assert succeeded.status is AuditStatus.succeeded, succeeded.error
    assert succeeded.worker is not None and succeeded.worker.startswith(("left@", "right@"))
    # The corrupt audit keeps whatever rows were scored before its bad chunk failed it.
    with pg_sessions() as session:
        kept = session.scalar(
            select(func.count())
            .select_from(SentenceResult)
            .where(SentenceResult.audit_id == corrupt)
        )
    assert kept == failed_data.progress_done and kept in (0, 20)

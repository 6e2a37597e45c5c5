"""The watchdog sends again only audits whose broker messages were lost."""

from __future__ import annotations

import base64
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
import redis
from sqlalchemy.orm import Session, sessionmaker

from audit.datasets import Dataset
from db import Audit, AuditStatus
from tests.workers.cluster import TOXAUDIT, Cluster
from tests.workers.conftest import (
    kill_while_writing_rows_20_to_39,
    sessions_for,
    submit,
    wait_for,
)
from workers import CHUNK_TASK, PLAN_TASK, TASK_ROUTES, pending_audit_ids

pytestmark = pytest.mark.services

QUEUES = sorted({route["queue"] for route in TASK_ROUTES.values()})


@pytest.fixture()
def client(redis_url: str) -> Iterator[redis.Redis]:
    connection = redis.Redis.from_url(redis_url)
    yield connection
    connection.close()


def _purge(client: redis.Redis, prefix: str) -> None:
    keys = list(client.scan_iter(f"{prefix}*"))
    if keys:
        client.delete(*keys)


def test_pending_audits_are_read_from_queues_and_unacked_tasks(
    redis_url: str, redis_namespace: str, client: redis.Redis, tmp_path: Path
) -> None:
    prefix = f"{redis_namespace}:"
    cluster = Cluster(database_url="sqlite://", broker_url=redis_url, prefix=prefix, logs=tmp_path)
    try:
        cluster.producer.send_task(PLAN_TASK, (11,))
        cluster.producer.send_task(CHUNK_TASK, (12, 0, 20))
        # A delivered, unacknowledged task as kombu keeps it: [message, exchange, key].
        body = base64.b64encode(json.dumps([[13, 20, 40], {}, {}]).encode()).decode()
        message = {"body": body, "headers": {"task": CHUNK_TASK}, "properties": {}}
        client.hset(f"{prefix}unacked", "tag-1", json.dumps([message, "", "gpu"]))
        client.rpush(f"{prefix}gpu", json.dumps({"body": "???", "headers": {"task": "other"}}))
        assert pending_audit_ids(client, prefix, QUEUES) == {11, 12, 13}
    finally:
        cluster.close()
        _purge(client, prefix)


def _watchdog(cluster: Cluster) -> set[int]:
    """Audit ids one `toxaudit watchdog --once` sent again."""
    env = {**cluster.env, "TOXAUDIT_STALL_TIMEOUT": "1"}
    done = subprocess.run(
        [str(TOXAUDIT), "watchdog", "--once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    line = done.stdout.strip().splitlines()[-1]
    assert line.startswith("sent again: "), line
    sent = line.removeprefix("sent again: ")
    return set() if sent == "none" else {int(audit) for audit in sent.split(", ")}


def test_a_audit_whose_messages_were_lost_is_sent_again_and_finishes(
    workers_postgres_url: str,
    redis_url: str,
    redis_namespace: str,
    client: redis.Redis,
    tiny_llama_dir: Path,
    sample_dataset: Dataset,
    tmp_path: Path,
) -> None:
    sessions: sessionmaker[Session] = sessions_for(workers_postgres_url)
    prefix = f"{redis_namespace}:"
    cluster = Cluster(
        database_url=workers_postgres_url, broker_url=redis_url, prefix=prefix, logs=tmp_path
    )
    try:
        cluster.start_worker("doomed")
        audit_id = submit(sessions, tiny_llama_dir, sample_dataset, limit=80)
        # Killed mid-audit, not after it: unheld, the worker had once finished the whole
        # audit under load before the kill came.
        kill_while_writing_rows_20_to_39(cluster, sessions, audit_id, "doomed")
        # The killed worker's chunk is still unacknowledged: Celery will redeliver it,
        # so the watchdog must leave the audit alone.
        assert audit_id in pending_audit_ids(client, prefix, QUEUES)
        # (Audits of other tests in the shared database are not this test's business.)
        assert audit_id not in _watchdog(cluster)

        # A Redis that kept no data: every message of the audit is gone.
        _purge(client, prefix)
        assert audit_id in _watchdog(cluster)
        assert audit_id in pending_audit_ids(client, prefix, QUEUES)

        cluster.start_worker("rescuer")
        audit = wait_for(sessions, audit_id, lambda j: j.status.finished, timeout=150)
        assert audit.status is AuditStatus.succeeded, audit.error
        assert audit.progress_done == 80
        with sessions() as session:
            stored = session.get(Audit, audit_id)
            assert stored is not None and stored.results is not None
    finally:
        cluster.close()
        _purge(client, prefix)

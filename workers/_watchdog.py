"""The watchdog: audits whose broker messages were lost are sent to the workers again.

Celery with acks_late already redelivers the task of a worker that died, so an audit
stops moving for good only when its messages are gone: a Redis that restarted
without persistence, or a queue purged by hand. The watchdog looks for exactly
that: an active audit that has not moved for a while and has no message waiting or
being worked on in the broker. Sending such an audit again is harmless (it plans only
its missing chunks), and an audit with a message in flight is never touched, so a long
queue is never doubled.
"""

from __future__ import annotations

import base64
import json
import logging
import time
from collections.abc import Callable, Iterable
from datetime import UTC, datetime, timedelta
from typing import Any

from workers._app import TASK_ROUTES
from workers._settings import WorkerSettings, get_worker_settings
from workers._steps import SessionFactory

logger = logging.getLogger(__name__)


def _audit_id(raw: bytes | str) -> int | None:
    """The audit id (first argument) of one kombu message, or None if it is not ours."""
    try:
        message = json.loads(raw)
        if isinstance(message, list):  # an unacked entry: [message, exchange, routing key]
            message = message[0]
        if not str(message["headers"]["task"]).startswith("toxaudit."):
            return None
        args = json.loads(base64.b64decode(message["body"]))[0]
        return int(args[0])
    except (ValueError, KeyError, IndexError, TypeError):
        return None


def pending_audit_ids(client: Any, prefix: str, queues: Iterable[str]) -> set[int]:
    """Audits with a task in the broker: queued on any of `queues` or delivered and not
    yet acknowledged (running, or held by a worker that died until Redis hands it on)."""
    raw: list[bytes] = []
    for queue in queues:
        # Priority levels live in sibling lists named after the queue.
        for key in client.scan_iter(match=f"{prefix}{queue}*"):
            if client.type(key) == b"list":
                raw.extend(client.lrange(key, 0, -1))
    raw.extend(client.hvals(f"{prefix}unacked"))
    return {audit for audit in map(_audit_id, raw) if audit is not None}


def recover_stalled_audits(
    session_factory: SessionFactory,
    *,
    pending: set[int],
    stalled_after: timedelta,
    dispatch: Callable[[int], None],
    now: datetime | None = None,
) -> list[int]:
    """Claim and send again every stalled audit; the ids sent."""
    from db import claim_stalled_audits

    idle_before = (now or datetime.now(UTC)) - stalled_after
    with session_factory() as session, session.begin():
        claimed = claim_stalled_audits(session, idle_before=idle_before, pending=pending)
    # Sent after the commit, like every enqueue.
    for audit_id in claimed:
        logger.warning(
            "audit %s has not moved for %s and has no task in the broker: sending it again",
            audit_id,
            stalled_after,
        )
        dispatch(audit_id)
    return claimed


def watch(
    *,
    settings: WorkerSettings | None = None,
    session_factory: SessionFactory | None = None,
    once: bool = False,
) -> list[int]:
    """Check every `stall_check_interval` seconds; with `once`, check once and return
    the ids sent (a long-running watchdog logs them instead of keeping them)."""
    import redis

    from db import get_sessionmaker
    from workers._dispatch import dispatch_audit

    settings = settings or get_worker_settings()
    if settings.embedded:
        raise ValueError("the watchdog needs TOXAUDIT_BROKER_URL: embedded audits have no broker")
    sessions = session_factory or get_sessionmaker()
    queues = sorted({route["queue"] for route in TASK_ROUTES.values()})
    client = redis.Redis.from_url(str(settings.broker_url))
    try:
        while True:
            pending = pending_audit_ids(client, settings.broker_key_prefix, queues)
            sent = recover_stalled_audits(
                sessions,
                pending=pending,
                stalled_after=timedelta(seconds=settings.stall_timeout),
                dispatch=dispatch_audit,
            )
            if once:
                return sent
            time.sleep(settings.stall_check_interval)
    finally:
        client.close()

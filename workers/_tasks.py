"""Celery tasks: thin wrappers that call the steps with ids and enqueue what follows.

Every option lives in `audit_task`; the steps re-read the database, so a redelivered
task is harmless.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from collections.abc import Callable
from typing import Any, ClassVar

from celery import Task
from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded
from celery.signals import worker_process_init

from workers._aggregate import aggregate_audit
from workers._app import AGGREGATE_TASK, CHUNK_TASK, GENERATION_TASK, PLAN_TASK, app
from workers._model_cache import ModelCache
from workers._policy import (
    MAX_RETRIES,
    RETRY_BACKOFF_MAX,
    TRANSIENT_ERRORS,
    FollowUpNotSentError,
    describe_failure,
)
from workers._settings import get_worker_settings
from workers._steps import SessionFactory, plan_audit, record_failure, score_chunk

logger = logging.getLogger(__name__)

_models: ModelCache | None = None


def _session_factory() -> SessionFactory:
    from db import get_sessionmaker

    return get_sessionmaker()


def _model_cache() -> ModelCache:
    global _models
    if _models is None:
        _models = ModelCache(get_worker_settings().model_cache_size)
    return _models


class _SettingsLimit:
    """A task time limit read from WorkerSettings when the worker applies it."""

    def __init__(self, *, soft: bool) -> None:
        self._soft = soft

    def __get__(self, instance: object, owner: type[Any]) -> int:
        settings = get_worker_settings()
        hard = int(getattr(settings, owner.limit_setting))
        return settings.soft_limit(hard) if self._soft else hard


class AuditTask(Task):  # type: ignore[misc]  # celery ships no type hints
    """A task whose first argument is an audit id; failing for good fails the audit."""

    limit_setting: ClassVar[str] = "aggregate_time_limit"
    time_limit = _SettingsLimit(soft=False)
    soft_time_limit = _SettingsLimit(soft=True)

    def on_failure(
        self, exc: BaseException, task_id: str, args: Any, kwargs: Any, einfo: Any
    ) -> None:
        audit_id = args[0] if args else kwargs.get("audit_id")
        if isinstance(exc, SoftTimeLimitExceeded):
            cause = f"{self.name} ran past its time limit of {self.soft_time_limit} s"
        elif isinstance(exc, TimeLimitExceeded):
            # Called in the worker's main process after it killed the pool process.
            cause = f"{self.name} was killed at its hard time limit of {self.time_limit} s"
        else:
            cause = describe_failure(self.name, exc)
        try:
            record_failure(_session_factory(), int(audit_id), cause)
        except Exception:
            logger.exception("could not record the failure of audit %s: %s", audit_id, cause)


def audit_task(*, name: str, limit_setting: str) -> Callable[[Callable[..., Any]], Any]:
    """Every option of toxaudit's tasks, in one place.

    acks_late + reject_on_worker_lost: a task is acknowledged only once it has run, so
    a worker killed mid-chunk leaves the message to be redelivered (Redis hands it on
    after the visibility timeout, which settings keep above the time limits). Retries
    are bounded and only for TRANSIENT_ERRORS. Queues come from TASK_ROUTES.
    """
    return app.task(  # type: ignore[no-any-return]
        name=name,
        base=AuditTask,
        bind=True,
        acks_late=True,
        reject_on_worker_lost=True,
        autoretry_for=TRANSIENT_ERRORS,
        max_retries=MAX_RETRIES,
        retry_backoff=2,
        retry_backoff_max=RETRY_BACKOFF_MAX,
        retry_jitter=True,
        ignore_result=True,
        limit_setting=limit_setting,
    )


def _worker_name(task: Task) -> str:
    return f"{task.request.hostname or socket.gethostname()} pid {os.getpid()}"


@audit_task(name=PLAN_TASK, limit_setting="aggregate_time_limit")
def plan_audit_task(self: Task, audit_id: int) -> None:
    """Fan an audit out into its missing chunks (or straight to aggregation)."""
    plan = plan_audit(_session_factory(), audit_id, get_worker_settings().chunk_size)
    for start, stop in plan.chunks:
        send_follow_up(score_chunk_task, audit_id, start, stop)
    if plan.aggregate:
        send_follow_up(_finisher(plan.generation), audit_id)


@audit_task(name=CHUNK_TASK, limit_setting="chunk_time_limit")
def score_chunk_task(self: Task, audit_id: int, start: int, stop: int) -> None:
    """Score rows [start, stop); the chunk that completes the audit enqueues aggregation."""
    outcome = score_chunk(
        _session_factory(), audit_id, start, stop, worker=_worker_name(self), models=_model_cache()
    )
    if outcome.complete:
        send_follow_up(_finisher(outcome.generation), audit_id)


@audit_task(name=AGGREGATE_TASK, limit_setting="aggregate_time_limit")
def aggregate_audit_task(self: Task, audit_id: int) -> None:
    """Safety scores over every recorded row; a no-op once the audit has ended."""
    aggregate_audit(_session_factory(), audit_id)


@audit_task(name=GENERATION_TASK, limit_setting="chunk_time_limit")
def aggregate_audit_with_generation_task(self: Task, audit_id: int) -> None:
    """Safety scores plus the generation audit (model work, so on the gpu queue)."""
    aggregate_audit(_session_factory(), audit_id, models=_model_cache())


SEND_ATTEMPTS = 4
"""Tries to hand a follow-up task to the broker before the current task retries."""


def send_follow_up(task: Any, audit_id: int, *args: int) -> None:
    """Enqueue `task(audit_id, *args)`, opening fresh broker connections after a failure.

    A publish on a connection that a restarting Redis has just dropped can fail inside
    kombu with errors that are not its connection errors (an AttributeError on a closed
    channel was seen), and the pooled connection stays broken. So every failure closes
    the pooled connections and tries again; after the last try FollowUpNotSentError makes the
    current task retry (it finds its work recorded and sends again), never fail the audit.
    """
    last: Exception | None = None
    for attempt in range(SEND_ATTEMPTS):
        try:
            task.apply_async((audit_id, *args))
            return
        except Exception as exc:  # see the docstring: not only kombu's own errors
            last = exc
            logger.warning(
                "audit %s: sending %s failed (%s: %s), try %d of %d",
                audit_id,
                task.name,
                type(exc).__name__,
                exc,
                attempt + 1,
                SEND_ATTEMPTS,
            )
            _reset_broker_pools()
            time.sleep(0.5 * 2**attempt)
    raise FollowUpNotSentError(f"could not send {task.name} for audit {audit_id}: {last}") from last


def _reset_broker_pools() -> None:
    """Drop every pooled broker connection and producer, and refill the pools.

    kombu's own reset (`resize(limit, reset=True)`). Closing the pools instead
    (`force_close_all()`) made every later acquire fail with "Acquire on closed pool", and
    emptying them without refilling made a blocking acquire wait forever: either way a
    worker sent nothing more after one Redis restart, and an audit never aggregated.
    """
    for pool in (app.pool, app.amqp.producer_pool):
        pool.resize(pool.limit, reset=True)


def _finisher(generation: bool) -> Any:
    return aggregate_audit_with_generation_task if generation else aggregate_audit_task


@worker_process_init.connect  # type: ignore[untyped-decorator]
def _init_worker_process(**_: Any) -> None:
    # Each pool process starts clean: no database connections inherited across the
    # fork, and torch limited to its share of the cores when settings say so.
    from db import get_engine

    if get_engine.cache_info().currsize:
        get_engine().dispose(close=False)
    threads = get_worker_settings().torch_threads
    # Import the scoring stack here, in the pool process, before it takes a task: the
    # first chunk's time limit is then spent on work. Never in the parent: torch's
    # thread pools do not survive a fork, and a forked child would hang in its first
    # forward pass.
    import torch
    import transformers

    import audit.pipeline  # noqa: F401

    transformers.AutoModelForCausalLM  # noqa: B018  (resolves the lazy module)
    if threads:
        torch.set_num_threads(threads)
    logger.info(
        "pool process %d ready: torch %s, %d threads",
        os.getpid(),
        torch.__version__,
        torch.get_num_threads(),
    )

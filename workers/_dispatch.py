"""Sending a committed audit to the workers: Celery with a broker, a thread without one."""

from __future__ import annotations

import logging
import queue
import threading
import time
from dataclasses import dataclass

from sqlalchemy import select

from workers._aggregate import aggregate_audit
from workers._model_cache import ModelCache
from workers._policy import MAX_RETRIES, RETRY_BACKOFF_MAX, TRANSIENT_ERRORS, describe_failure
from workers._settings import get_worker_settings
from workers._steps import SessionFactory, plan_audit, record_failure, score_chunk

logger = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class _Work:
    kind: str
    """"plan", "chunk" or "aggregate"."""
    audit_id: int
    start: int = 0
    stop: int = 0


class EmbeddedWorker:
    """Runs audits on one background thread of this process, with the very steps the
    Celery tasks run, so `toxaudit serve` works with no broker and a SQLite file.

    One thread: SQLite takes one writer at a time, and one model in memory is what a
    laptop can afford. Transient errors are retried like the tasks retry them.
    """

    def __init__(
        self,
        session_factory: SessionFactory | None = None,
        *,
        chunk_size: int | None = None,
        models: ModelCache | None = None,
        retry_delay: float = 1.0,
    ) -> None:
        settings = get_worker_settings()
        self._session_factory = session_factory
        self._chunk_size = chunk_size or settings.chunk_size
        self.models = models or ModelCache(settings.model_cache_size)
        self._retry_delay = retry_delay
        self._queue: queue.Queue[_Work | None] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._lock = threading.Lock()

    @property
    def running(self) -> bool:
        return self._thread is not None and self._thread.is_alive()

    def _sessions(self) -> SessionFactory:
        if self._session_factory is None:
            from db import get_sessionmaker

            self._session_factory = get_sessionmaker()
        return self._session_factory

    def start(self, *, resume: bool = True) -> None:
        """Start the thread; with `resume`, pick up audits left queued or running by a
        previous process (recorded rows are skipped, so no work is redone)."""
        with self._lock:
            if self.running:
                return
            self._thread = threading.Thread(
                target=self._loop, name="toxaudit-embedded-worker", daemon=True
            )
            self._thread.start()
        if resume:
            from db import ACTIVE_STATUSES, Audit

            with self._sessions()() as session:
                active = session.scalars(
                    select(Audit.id).where(Audit.status.in_(ACTIVE_STATUSES)).order_by(Audit.id)
                ).all()
            for audit_id in active:
                self.submit(audit_id)

    def stop(self, timeout: float | None = 30.0) -> None:
        """Finish the step in hand and stop; queued steps are dropped (the audits stay
        active in the database and resume on the next start)."""
        with self._lock:
            thread = self._thread
            if thread is None:
                return
            while True:
                try:
                    self._queue.get_nowait()
                    self._queue.task_done()
                except queue.Empty:
                    break
            self._queue.put(None)
        thread.join(timeout)
        self._thread = None

    def submit(self, audit_id: int) -> None:
        """Plan a committed audit: its missing chunks, then the aggregation."""
        self._queue.put(_Work("plan", audit_id))

    def wait_idle(self, timeout: float) -> bool:
        """Block until every queued step has run; False on timeout."""
        deadline = time.monotonic() + timeout
        while self._queue.unfinished_tasks:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.05)
        return True

    def _loop(self) -> None:
        while True:
            work = self._queue.get()
            try:
                if work is None:
                    return
                self._run_with_retries(work)
            finally:
                self._queue.task_done()

    def _run_with_retries(self, work: _Work) -> None:
        for attempt in range(MAX_RETRIES + 1):
            try:
                self._run(work)
                return
            except TRANSIENT_ERRORS as exc:
                if attempt == MAX_RETRIES:
                    self._record(work, describe_failure(f"embedded {work.kind}", exc))
                    return
                delay = min(RETRY_BACKOFF_MAX, self._retry_delay * 2**attempt)
                logger.warning("audit %s: %s; retrying in %.1f s", work.audit_id, exc, delay)
                time.sleep(delay)
            except Exception as exc:
                logger.exception("audit %s: %s step failed", work.audit_id, work.kind)
                self._record(work, describe_failure(f"embedded {work.kind}", exc))
                return

    def _record(self, work: _Work, cause: str) -> None:
        try:
            record_failure(self._sessions(), work.audit_id, cause)
        except Exception:
            logger.exception("could not record the failure of audit %s", work.audit_id)

    def _run(self, work: _Work) -> None:
        sessions = self._sessions()
        if work.kind == "plan":
            plan = plan_audit(sessions, work.audit_id, self._chunk_size)
            for start, stop in plan.chunks:
                self._queue.put(_Work("chunk", work.audit_id, start, stop))
            if plan.aggregate:
                self._queue.put(_Work("aggregate", work.audit_id))
        elif work.kind == "chunk":
            outcome = score_chunk(
                sessions,
                work.audit_id,
                work.start,
                work.stop,
                worker=f"embedded@{threading.current_thread().name}",
                models=self.models,
            )
            if outcome.complete:
                self._queue.put(_Work("aggregate", work.audit_id))
        elif work.kind == "aggregate":
            aggregate_audit(sessions, work.audit_id, models=self.models)
        else:
            raise ValueError(f"unknown step {work.kind!r}")


_embedded: EmbeddedWorker | None = None
_embedded_lock = threading.Lock()


def get_embedded_worker() -> EmbeddedWorker:
    """This process's embedded worker, started (and resuming active audits) on first use."""
    global _embedded
    with _embedded_lock:
        if _embedded is None:
            _embedded = EmbeddedWorker()
        worker = _embedded
    worker.start()
    return worker


def dispatch_audit(audit_id: int) -> None:
    """Send an audit to the workers. Call it only after the audit's commit: a worker that
    picked the id up earlier would not find the audit.

    With TOXAUDIT_BROKER_URL set, a Celery task plans the audit on the `default` queue;
    without one, the embedded worker of this process runs it on a background thread.
    Dispatching an audit again re-sends only its missing chunks (a way to resume an audit
    whose messages were lost with a Redis that kept no data).
    """
    if get_worker_settings().embedded:
        get_embedded_worker().submit(audit_id)
        return
    from workers._tasks import plan_audit_task

    plan_audit_task.apply_async((audit_id,))

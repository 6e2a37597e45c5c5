"""Submitting checkpoints to the service from a Trainer, on one background thread."""

from __future__ import annotations

import logging
import queue
import threading
from typing import TYPE_CHECKING, Any

from audit.integrations._callback_records import CheckpointSubmission, SubmissionSettings

if TYPE_CHECKING:
    from client import ServiceClient

logger = logging.getLogger(__name__)


class SubmissionSender:
    """Sends each submission (POST /api/audits through client.ServiceClient, the project's
    one HTTP client) in order on a daemon thread, so training never waits for the service;
    a failure is recorded and logged, never raised into the Trainer."""

    def __init__(self, settings: SubmissionSettings) -> None:
        self.settings = settings
        self._queue: queue.Queue[tuple[int, dict[str, Any]]] = queue.Queue()
        self._thread: threading.Thread | None = None
        self._pending = 0
        self._idle = threading.Condition()
        self._answered: dict[int, CheckpointSubmission] = {}

    def put(self, step: int, body: dict[str, Any]) -> None:
        """Queue one checkpoint's request; starts the thread when none is running."""
        with self._idle:
            self._pending += 1
            if self._thread is None or not self._thread.is_alive():
                self._thread = threading.Thread(
                    target=self._send_all, name="toxaudit-submit", daemon=True
                )
                self._thread.start()
        self._queue.put((step, body))

    def answered(self) -> dict[int, CheckpointSubmission]:
        """Each answered submission by step (one in flight is not here yet)."""
        with self._idle:
            return dict(self._answered)

    def wait(self, timeout_seconds: float) -> bool:
        """Wait at most `timeout_seconds` for submissions in flight; True when none is left."""
        with self._idle:
            drained = self._idle.wait_for(lambda: self._pending == 0, timeout_seconds)
            if not drained:
                logger.warning(
                    "toxaudit: %d checkpoint submission(s) still in flight after %.0f s; "
                    "they continue in the background while the process lives",
                    self._pending,
                    timeout_seconds,
                )
            return drained

    def _send_all(self) -> None:
        from client import ServiceClient

        settings = self.settings
        with ServiceClient(
            settings.api_url, token=settings.token, timeout=settings.timeout_seconds
        ) as client:
            while True:
                step, body = self._queue.get()
                try:
                    record = self._send(client, step, body)
                except Exception as exc:  # never let the thread die: log and go on
                    logger.exception("toxaudit: submitting checkpoint %d failed", step)
                    record = CheckpointSubmission(step, body["model"], None, repr(exc))
                with self._idle:
                    self._answered[step] = record
                    self._pending -= 1
                    self._idle.notify_all()

    def _send(self, client: ServiceClient, step: int, body: dict[str, Any]) -> CheckpointSubmission:
        from client import ServiceError

        model = str(body["model"])
        try:
            audit = client.submit(body)
        except ServiceError as exc:  # unreachable, refused (with the service's reason)
            logger.warning("toxaudit: checkpoint %d not submitted: %s", step, exc)
            return CheckpointSubmission(step, model, None, str(exc))
        try:
            audit_id = int(audit["id"])
        except (ValueError, KeyError, TypeError) as exc:
            error = f"the service answered without an audit id: {exc!r}"
            logger.warning("toxaudit: checkpoint %d: %s", step, error)
            return CheckpointSubmission(step, model, None, error)
        logger.info("toxaudit: checkpoint %d submitted as audit %d", step, audit_id)
        return CheckpointSubmission(step, model, audit_id, None)

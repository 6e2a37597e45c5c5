"""Which errors are worth a retry, and how many: shared by Celery tasks and the
embedded worker so both behave alike."""

from __future__ import annotations

import kombu.exceptions
import redis.exceptions
import sqlalchemy.exc


class FollowUpNotSentError(Exception):
    """The next task of an audit could not be handed to the broker (its work is recorded)."""


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    sqlalchemy.exc.OperationalError,  # database restarting, SQLite busy
    sqlalchemy.exc.InterfaceError,  # connection dropped mid-statement
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    kombu.exceptions.OperationalError,  # broker unreachable while enqueueing
    FollowUpNotSentError,  # a retry re-runs the step, which finds its work done and sends again
)
"""The same call may succeed in a moment. Anything else (a bad model, a malformed data
set, a bug) fails the audit at once with its cause: a retry would fail the same way."""

MAX_RETRIES = 3
"""Retries after the first attempt."""

RETRY_BACKOFF_MAX = 60
"""Longest wait between retries, seconds."""


def describe_failure(task: str, exc: BaseException, *, retries: int = MAX_RETRIES) -> str:
    """The readable cause a failed audit records."""
    if isinstance(exc, TRANSIENT_ERRORS):
        return f"{task} gave up after {retries} retries: {type(exc).__name__}: {exc}"
    return f"{task} failed: {type(exc).__name__}: {exc}"

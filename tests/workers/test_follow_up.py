"""A follow-up task that the broker refuses is tried again on fresh connections."""

from __future__ import annotations

import threading
import time
from typing import Any

import pytest

from workers import _tasks
from workers._app import app
from workers._policy import TRANSIENT_ERRORS, FollowUpNotSentError


class FlakyTask:
    name = "toxaudit.aggregate_job"

    def __init__(self, failures: int) -> None:
        self.failures = failures
        self.sent: list[tuple[Any, ...]] = []

    def apply_async(self, args: tuple[Any, ...]) -> None:
        if self.failures:
            self.failures -= 1
            # What kombu raised on a channel whose Redis had just restarted.
            raise AttributeError("'NoneType' object has no attribute 'client'")
        # A real send takes a producer from the app's pool as Celery does, blocking until
        # one is free (neither it nor its connection reaches the broker before publishing).
        taken: list[Any] = []
        taker = threading.Thread(
            target=lambda: taken.append(app.amqp.producer_pool.acquire(block=True)), daemon=True
        )
        taker.start()
        taker.join(timeout=5)
        assert taken, "the producer pool gave nothing: it was left closed or empty"
        taken[0].release()
        app.pool.acquire(block=True, timeout=5).release()
        self.sent.append(args)


@pytest.fixture()
def no_waiting(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(time, "sleep", lambda _seconds: None)


@pytest.mark.usefixtures("no_waiting")
def test_a_failed_send_is_tried_again_on_fresh_connections_and_the_pools_stay_open() -> None:
    task = FlakyTask(failures=2)
    _tasks.send_follow_up(task, 7, 0, 20)
    assert task.sent == [(7, 0, 20)]
    # Once, the recovery closed the pools for good: every later send in the worker failed
    # with "Acquire on closed pool" and an audit waited forever for its aggregation.
    later = FlakyTask(failures=0)
    _tasks.send_follow_up(later, 8)
    assert later.sent == [(8,)]


@pytest.mark.usefixtures("no_waiting")
def test_a_send_that_keeps_failing_makes_the_task_retry() -> None:
    task = FlakyTask(failures=_tasks.SEND_ATTEMPTS)
    with pytest.raises(FollowUpNotSentError, match=r"toxaudit\.aggregate_job for audit 7"):
        _tasks.send_follow_up(task, 7)
    assert task.sent == []
    # A retry, not a failed audit: the retried step finds its rows recorded and sends again.
    assert issubclass(FollowUpNotSentError, TRANSIENT_ERRORS)

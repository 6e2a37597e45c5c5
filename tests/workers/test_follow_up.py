"""A follow-up task that the broker refuses is tried again on fresh connections."""

from __future__ import annotations

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
        self.sent.append(args)


@pytest.fixture()
def closed(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    calls: list[str] = []
    monkeypatch.setattr(time, "sleep", lambda _seconds: None)
    monkeypatch.setattr(app.pool, "force_close_all", lambda: calls.append("connections"))
    monkeypatch.setattr(
        app.amqp.producer_pool, "force_close_all", lambda: calls.append("producers")
    )
    return calls


def test_a_failed_send_is_tried_again_on_fresh_connections(closed: list[str]) -> None:
    task = FlakyTask(failures=2)
    _tasks.send_follow_up(task, 7, 0, 20)
    assert task.sent == [(7, 0, 20)]
    assert closed == ["connections", "producers"] * 2


def test_a_send_that_keeps_failing_makes_the_task_retry(closed: list[str]) -> None:
    task = FlakyTask(failures=_tasks.SEND_ATTEMPTS)
    with pytest.raises(FollowUpNotSentError, match=r"toxaudit\.aggregate_job for audit 7"):
        _tasks.send_follow_up(task, 7)
    assert task.sent == []
    # A retry, not a failed audit: the retried step finds its rows recorded and sends again.
    assert issubclass(FollowUpNotSentError, TRANSIENT_ERRORS)

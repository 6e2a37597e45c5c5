"""Task options, routing, settings and the model cache: the wiring that reliability needs."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from audit.models import ModelSpec
from workers import (
    AGGREGATE_TASK,
    CHUNK_TASK,
    GENERATION_TASK,
    PLAN_TASK,
    TRANSIENT_ERRORS,
    ModelCache,
    WorkerSettings,
    aggregate_audit_task,
    aggregate_audit_with_generation_task,
    celery_config,
    plan_audit_task,
    score_chunk_task,
)


def test_visibility_timeout_must_exceed_time_limits() -> None:
    with pytest.raises(ValidationError, match="visibility_timeout"):
        WorkerSettings(chunk_time_limit=600, visibility_timeout=600)
    WorkerSettings(chunk_time_limit=600, aggregate_time_limit=60, visibility_timeout=601)


def test_settings_come_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TOXAUDIT_BROKER_URL", "redis://127.0.0.1:6379/3")
    monkeypatch.setenv("TOXAUDIT_CHUNK_SIZE", "64")
    settings = WorkerSettings()
    assert settings.broker_url == "redis://127.0.0.1:6379/3" and not settings.embedded
    assert settings.chunk_size == 64
    monkeypatch.delenv("TOXAUDIT_BROKER_URL")
    assert WorkerSettings().embedded


def test_celery_config_routes_model_work_to_gpu_and_prefetches_one() -> None:
    config = celery_config(WorkerSettings(broker_url="redis://x:6379/0", broker_key_prefix="p:"))
    routes = config["task_routes"]
    assert routes[CHUNK_TASK]["queue"] == "gpu" and routes[GENERATION_TASK]["queue"] == "gpu"
    assert routes[PLAN_TASK]["queue"] == "default" and routes[AGGREGATE_TASK]["queue"] == "default"
    assert config["worker_prefetch_multiplier"] == 1
    assert config["task_acks_late"] and config["task_reject_on_worker_lost"]
    transport = config["broker_transport_options"]
    assert transport["global_keyprefix"] == "p:" and transport["visibility_timeout"] == 3600
    assert config["result_backend"] == "redis://x:6379/0"


@pytest.mark.parametrize(
    "task",
    [plan_audit_task, score_chunk_task, aggregate_audit_task, aggregate_audit_with_generation_task],
)
def test_every_task_acks_late_and_retries_only_transient_errors(task: Any) -> None:
    assert task.acks_late is True
    assert task.reject_on_worker_lost is True
    assert task.autoretry_for == TRANSIENT_ERRORS
    assert task.max_retries == 3
    assert task.ignore_result is True
    hard, soft = task.time_limit, task.soft_time_limit
    assert 0 < soft < hard < WorkerSettings().visibility_timeout


def test_time_limits_follow_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    from workers import get_worker_settings

    monkeypatch.setenv("TOXAUDIT_CHUNK_TIME_LIMIT", "100")
    monkeypatch.setenv("TOXAUDIT_VISIBILITY_TIMEOUT", "1000")
    get_worker_settings.cache_clear()
    try:
        assert score_chunk_task.time_limit == 100
        assert score_chunk_task.soft_time_limit == 90
        assert plan_audit_task.time_limit == 900
    finally:
        get_worker_settings.cache_clear()


def test_model_cache_keeps_the_model_between_chunks_and_evicts_the_oldest() -> None:
    loaded: list[ModelSpec] = []

    def loader(spec: ModelSpec) -> object:
        loaded.append(spec)
        return object()

    cache = ModelCache(1, loader=loader)  # type: ignore[arg-type]
    a, b = ModelSpec("org/a"), ModelSpec("org/b")
    first = cache.get(a)
    assert cache.get(ModelSpec("org/a")) is first
    cache.get(b)
    assert len(cache) == 1
    assert cache.get(a) is not first
    assert loaded == [a, b, a] and cache.loads == 3


def test_a_task_failing_for_good_fails_its_audit_with_a_readable_cause(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    import sqlalchemy.exc
    from celery.exceptions import SoftTimeLimitExceeded, TimeLimitExceeded

    import workers._tasks as tasks

    causes: list[tuple[int, str]] = []
    monkeypatch.setattr(tasks, "_session_factory", lambda: None)
    monkeypatch.setattr(
        tasks, "record_failure", lambda _f, audit, cause: causes.append((audit, cause))
    )
    unreachable = sqlalchemy.exc.OperationalError("connect", {}, Exception("refused"))
    for exc in (TimeLimitExceeded(9), SoftTimeLimitExceeded(), unreachable, KeyError("x")):
        score_chunk_task.on_failure(exc, "task-id", (7, 0, 20), {}, None)
    assert [audit for audit, _ in causes] == [7, 7, 7, 7]
    texts = [cause for _, cause in causes]
    assert "hard time limit of 1800 s" in texts[0]
    assert "ran past its time limit of 1620 s" in texts[1]
    assert texts[2].startswith("toxaudit.score_chunk gave up after 3 retries: OperationalError")
    assert texts[3] == "toxaudit.score_chunk failed: KeyError: 'x'"

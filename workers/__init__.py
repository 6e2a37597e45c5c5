"""Celery workers and the embedded in-process worker: wiring around audit/ and db/."""

from workers._aggregate import aggregate_audit
from workers._app import (
    AGGREGATE_TASK,
    CHUNK_TASK,
    DEFAULT_QUEUE,
    GENERATION_TASK,
    GPU_QUEUE,
    PLAN_TASK,
    TASK_ROUTES,
    app,
    celery_config,
)
from workers._dispatch import EmbeddedWorker, dispatch_audit, get_embedded_worker
from workers._model_cache import ModelCache
from workers._policy import MAX_RETRIES, TRANSIENT_ERRORS
from workers._settings import WorkerSettings, get_worker_settings
from workers._steps import ChunkOutcome, Plan, plan_audit, score_chunk
from workers._tasks import (
    aggregate_audit_task,
    aggregate_audit_with_generation_task,
    audit_task,
    plan_audit_task,
    score_chunk_task,
)
from workers._watchdog import pending_audit_ids, recover_stalled_audits, watch

__all__ = [
    "AGGREGATE_TASK",
    "CHUNK_TASK",
    "DEFAULT_QUEUE",
    "GENERATION_TASK",
    "GPU_QUEUE",
    "MAX_RETRIES",
    "PLAN_TASK",
    "TASK_ROUTES",
    "TRANSIENT_ERRORS",
    "ChunkOutcome",
    "EmbeddedWorker",
    "ModelCache",
    "Plan",
    "WorkerSettings",
    "aggregate_audit",
    "aggregate_audit_task",
    "aggregate_audit_with_generation_task",
    "app",
    "audit_task",
    "celery_config",
    "dispatch_audit",
    "get_embedded_worker",
    "get_worker_settings",
    "pending_audit_ids",
    "plan_audit",
    "plan_audit_task",
    "recover_stalled_audits",
    "score_chunk",
    "score_chunk_task",
    "watch",
]

"""Celery workers and the embedded in-process worker: wiring around audit/ and db/."""

from workers._aggregate import aggregate_job
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
from workers._dispatch import EmbeddedWorker, dispatch_job, get_embedded_worker
from workers._model_cache import ModelCache
from workers._policy import MAX_RETRIES, TRANSIENT_ERRORS
from workers._settings import WorkerSettings, get_worker_settings
from workers._steps import ChunkOutcome, Plan, plan_job, score_chunk
from workers._tasks import (
    aggregate_job_task,
    aggregate_job_with_generation_task,
    job_task,
    plan_job_task,
    score_chunk_task,
)
from workers._watchdog import pending_job_ids, recover_stalled_jobs, watch

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
    "aggregate_job",
    "aggregate_job_task",
    "aggregate_job_with_generation_task",
    "app",
    "celery_config",
    "dispatch_job",
    "get_embedded_worker",
    "get_worker_settings",
    "job_task",
    "pending_job_ids",
    "plan_job",
    "plan_job_task",
    "recover_stalled_jobs",
    "score_chunk",
    "score_chunk_task",
    "watch",
]

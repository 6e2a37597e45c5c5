"""The Celery app: configured from WorkerSettings on first use, routing in one place."""

from __future__ import annotations

from typing import Any

from celery import Celery
from kombu.entity import Queue

from workers._settings import WorkerSettings, get_worker_settings

GPU_QUEUE = "gpu"
"""Tasks that need a model: run them on machines with an accelerator."""
DEFAULT_QUEUE = "default"
"""Planning and statistics: any machine."""

# The registered task names keep the word "job" from before issue 13's rename (the code
# says audit): a message queued by an older release names its task this way and must
# still find it. Renaming them would need both names registered for a release.
PLAN_TASK = "toxaudit.plan_job"
CHUNK_TASK = "toxaudit.score_chunk"
AGGREGATE_TASK = "toxaudit.aggregate_job"
GENERATION_TASK = "toxaudit.aggregate_job_with_generation"

# Every route, in one place: model work goes to `gpu`, the rest to `default`.
TASK_ROUTES: dict[str, dict[str, str]] = {
    PLAN_TASK: {"queue": DEFAULT_QUEUE},
    CHUNK_TASK: {"queue": GPU_QUEUE},
    AGGREGATE_TASK: {"queue": DEFAULT_QUEUE},
    # The aggregation of an audit that asked for a generation audit needs the model.
    GENERATION_TASK: {"queue": GPU_QUEUE},
}


def celery_config(settings: WorkerSettings) -> dict[str, Any]:
    """Celery settings derived from ours."""
    broker = settings.broker_url or "memory://"
    transport = {
        # Above every task time limit (WorkerSettings checks it): a task is handed to
        # another worker only when its worker is surely gone.
        "visibility_timeout": settings.visibility_timeout,
        "global_keyprefix": settings.broker_key_prefix,
        "unacked_restore_interval": settings.unacked_restore_interval,
        "unacked_restore_throttle": 1,
        # A publish to a Redis that vanished must fail (and be retried), not hang.
        "socket_timeout": 30,
        "socket_connect_timeout": 10,
    }
    return {
        "broker_url": broker,
        # The database is the record of every result; the backend only serves
        # operators' `celery inspect`/`result` calls, so tasks store nothing there.
        "result_backend": settings.broker_url,
        "result_backend_transport_options": {"global_keyprefix": settings.broker_key_prefix},
        "task_ignore_result": True,
        "broker_transport_options": transport,
        "broker_connection_retry_on_startup": True,
        "broker_connection_max_retries": None,
        # A task that is running when Redis goes away keeps running: its rows go to the
        # database, and a redelivery of its message later writes nothing twice.
        "worker_cancel_long_running_tasks_on_connection_loss": False,
        "task_publish_retry": True,
        "task_publish_retry_policy": {
            "max_retries": 20,
            "interval_start": 0.5,
            "interval_step": 1.0,
            "interval_max": 5.0,
        },
        "worker_prefetch_multiplier": 1,
        # Pool processes import torch on a busy machine; the default 4 s is too short.
        "worker_proc_alive_timeout": 60,
        "task_acks_late": True,
        "task_reject_on_worker_lost": True,
        "task_queues": (Queue(GPU_QUEUE), Queue(DEFAULT_QUEUE)),
        "task_default_queue": DEFAULT_QUEUE,
        "task_routes": TASK_ROUTES,
        "task_serializer": "json",
        "accept_content": ["json"],
        "worker_send_task_events": False,
        "worker_hijack_root_logger": False,
    }


app = Celery("toxaudit")
# A promise: the settings are read when Celery first needs its configuration, never
# at import time, so importing the tasks (e.g. from the API) needs no environment.
app.add_defaults(lambda: celery_config(get_worker_settings()))

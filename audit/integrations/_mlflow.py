"""Logging an audit to MLflow: the active run, or a new run under the tracking URI."""

from __future__ import annotations

import logging
import os
import time
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audit.integrations._records import TrackerError, TrackerPayload

log = logging.getLogger(__name__)

ARTIFACT_DIR = "toxaudit"
BATCH_PARAMS = 100
BATCH_METRICS = 1000
"""MLflow's limits on one log_batch call."""


def _mlflow() -> Any:
    try:
        import mlflow
    except ImportError as exc:
        raise TrackerError(
            "--mlflow needs MLflow, which is not installed: pip install 'toxaudit[mlflow]'"
        ) from exc
    return mlflow


def _experiment_id(client: Any, experiment: str | None) -> str:
    name = experiment or os.environ.get("MLFLOW_EXPERIMENT_NAME")
    if name:
        found = client.get_experiment_by_name(name)
        return str(found.experiment_id if found else client.create_experiment(name))
    return os.environ.get("MLFLOW_EXPERIMENT_ID") or "0"  # MLflow's "Default" experiment


def log_to_mlflow(
    payload: TrackerPayload,
    *,
    artifacts: Sequence[Path] = (),
    tracking_uri: str | None = None,
    experiment: str | None = None,
    run_name: str | None = None,
) -> str:
    """Log params, metrics (at the payload's step, 0 when unknown) and files; return the run id.

    With an active run (a training script's), everything goes there and the run stays
    open; a parameter the run already holds with another value is left as it is (MLflow
    parameters cannot change). Otherwise a run is created under `tracking_uri` (default:
    MLflow's own, MLFLOW_TRACKING_URI) in `experiment` (or MLFLOW_EXPERIMENT_NAME), and
    ended. Goes through a client, so MLflow's global state (the active experiment) is
    left as the caller had it.
    """
    mlflow = _mlflow()
    from mlflow.entities import Metric, Param, RunStatus
    from mlflow.exceptions import MlflowException
    from mlflow.tracking import MlflowClient

    try:
        active = mlflow.active_run()
        client = MlflowClient(None if active is not None else tracking_uri)
        if active is not None:
            run_id = str(active.info.run_id)
        else:
            created = client.create_run(
                _experiment_id(client, experiment),
                run_name=run_name,
                tags={"toxaudit.kind": "safety-audit"},
            )
            run_id = str(created.info.run_id)
        status = RunStatus.to_string(RunStatus.FAILED)
        try:
            held = client.get_run(run_id).data.params
            kept = [k for k, v in payload.params.items() if k in held and held[k] != str(v)]
            if kept:
                log.warning("MLflow run %s keeps its earlier values of %s", run_id, kept)
            params = [Param(k, str(v)) for k, v in payload.params.items() if k not in held]
            now = int(time.time() * 1000)
            metrics = [Metric(k, v, now, payload.step or 0) for k, v in payload.metrics.items()]
            for start in range(0, len(params), BATCH_PARAMS):
                client.log_batch(run_id, params=params[start : start + BATCH_PARAMS])
            for start in range(0, len(metrics), BATCH_METRICS):
                client.log_batch(run_id, metrics=metrics[start : start + BATCH_METRICS])
            for path in artifacts:
                client.log_artifact(run_id, str(path), artifact_path=ARTIFACT_DIR)
            status = RunStatus.to_string(RunStatus.FINISHED)
        finally:
            if active is None:
                client.set_terminated(run_id, status=status)
    except MlflowException as exc:
        raise TrackerError(f"MLflow refused the audit: {exc.message}") from exc
    return run_id

"""Logging an audit to MLflow: the active run, or a new run under the tracking URI."""

from __future__ import annotations

import logging
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audit.integrations._records import TrackerError, TrackerPayload

log = logging.getLogger(__name__)

ARTIFACT_DIR = "toxaudit"


def _mlflow() -> Any:
    try:
        import mlflow
    except ImportError as exc:
        raise TrackerError(
            "--mlflow needs MLflow, which is not installed: pip install 'toxaudit[mlflow]'"
        ) from exc
    return mlflow


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
    parameters cannot change). Otherwise a run is started under `tracking_uri` (default:
    MLflow's own, from MLFLOW_TRACKING_URI) and `experiment`, and ended.
    """
    mlflow = _mlflow()
    from mlflow.exceptions import MlflowException

    try:
        if tracking_uri:
            mlflow.set_tracking_uri(tracking_uri)
        run = mlflow.active_run()
        own = run is None
        if own:
            if experiment:
                mlflow.set_experiment(experiment)
            run = mlflow.start_run(run_name=run_name)
        run_id = str(run.info.run_id)
        try:
            held = mlflow.get_run(run_id).data.params
            new = {k: v for k, v in payload.params.items() if k not in held}
            kept = [k for k, v in payload.params.items() if k in held and held[k] != str(v)]
            if kept:
                log.warning("MLflow run %s keeps its earlier values of %s", run_id, kept)
            if new:
                mlflow.log_params(new)
            mlflow.log_metrics(payload.metrics, step=payload.step or 0)
            for path in artifacts:
                mlflow.log_artifact(str(path), artifact_path=ARTIFACT_DIR)
        finally:
            if own:
                mlflow.end_run()
    except MlflowException as exc:
        raise TrackerError(f"MLflow refused the audit: {exc.message}") from exc
    return run_id

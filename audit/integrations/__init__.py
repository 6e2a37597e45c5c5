"""Hand audits to experiment trackers (MLflow, Weights & Biases).

Importable without the service stack; each tracker's package is imported only when
it is used, with a clear error naming the extra to install when it is missing.
"""

from audit.integrations._mlflow import log_to_mlflow
from audit.integrations._records import (
    GENERATION_METRICS,
    TrackerError,
    TrackerPayload,
    metric_key,
    tracker_payload,
)
from audit.integrations._wandb import log_to_wandb

__all__ = [
    "GENERATION_METRICS",
    "TrackerError",
    "TrackerPayload",
    "log_to_mlflow",
    "log_to_wandb",
    "metric_key",
    "tracker_payload",
]

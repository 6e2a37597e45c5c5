"""Hand audits to experiment trackers (MLflow, Weights & Biases) and audit while training.

Importable without the service stack; each tracker's package is imported only when
it is used, with a clear error naming the extra to install when it is missing.
`SafetyAuditCallback` (a transformers TrainerCallback) and its records load
transformers and torch on first access, so importing this package stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from audit.integrations._mlflow import log_to_mlflow
from audit.integrations._records import (
    GENERATION_METRICS,
    TrackerError,
    TrackerPayload,
    metric_key,
    tracker_payload,
)
from audit.integrations._subset import seeded_subset
from audit.integrations._wandb import log_to_wandb

if TYPE_CHECKING:
    from audit.integrations._callback import SafetyAuditCallback
    from audit.integrations._callback_records import (
        CheckpointScore,
        CheckpointSubmission,
        ScoringSettings,
        SubmissionSettings,
    )

_CALLBACK_NAMES = (
    "CheckpointScore",
    "CheckpointSubmission",
    "SafetyAuditCallback",
    "ScoringSettings",
    "SubmissionSettings",
)


def __getattr__(name: str) -> Any:
    # The callback subclasses transformers.TrainerCallback: import it only when asked for.
    if name in _CALLBACK_NAMES:
        from audit.integrations import _callback

        return getattr(_callback, name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "GENERATION_METRICS",
    "CheckpointScore",
    "CheckpointSubmission",
    "SafetyAuditCallback",
    "ScoringSettings",
    "SubmissionSettings",
    "TrackerError",
    "TrackerPayload",
    "log_to_mlflow",
    "log_to_wandb",
    "metric_key",
    "seeded_subset",
    "tracker_payload",
]

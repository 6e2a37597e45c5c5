"""Logging an audit to Weights & Biases: the current run, or a new one (offline works)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from audit.integrations._records import TrackerError, TrackerPayload

STEP_METRIC = "train/global_step"
"""The x axis of the audit's metrics in a run that is not ours: the Trainer's own name."""


def _wandb() -> Any:
    try:
        import wandb
    except ImportError as exc:
        raise TrackerError(
            "--wandb needs Weights & Biases, which is not installed: pip install 'toxaudit[wandb]'"
        ) from exc
    return wandb


def artifact_name(name: str) -> str:
    """W&B artifact names allow letters, digits, dashes, underscores and dots."""
    return "toxaudit-" + (re.sub(r"[^A-Za-z0-9_.-]+", "-", name).strip("-") or "run")


def log_to_wandb(
    payload: TrackerPayload,
    *,
    artifacts: Sequence[Path] = (),
    project: str | None = None,
    run_name: str | None = None,
    directory: Path | None = None,
) -> str:
    """Log config, metrics and files to W&B; return the run id.

    In a run of our own the metrics are logged at the training step (W&B's own step
    axis). In a run already open (a training script's, whose step W&B counts itself)
    the step goes in as `train/global_step`, the axis the audit's metrics are plotted
    against, so W&B's own step never has to go backwards. WANDB_MODE=offline works.
    """
    wandb = _wandb()
    try:
        run = wandb.run
        own = run is None
        if own:
            run = wandb.init(
                project=project or "toxaudit",
                name=run_name,
                config=payload.params,
                dir=str(directory) if directory else None,
                job_type="safety-audit",
            )
        else:
            run.config.update(payload.params, allow_val_change=True)
        try:
            if own:
                run.log(payload.metrics, step=payload.step)
            else:
                for prefix in ("safety/*", "generation/*"):
                    run.define_metric(prefix, step_metric=STEP_METRIC)
                extra = {} if payload.step is None else {STEP_METRIC: payload.step}
                run.log(payload.metrics | extra)
            if artifacts:
                artifact = wandb.Artifact(
                    artifact_name(str(payload.params.get("toxaudit/name", "run"))),
                    type="safety-audit",
                )
                for path in artifacts:
                    artifact.add_file(str(path))
                run.log_artifact(artifact)
            run_id = str(run.id)
        finally:
            if own:
                run.finish()
    except wandb.Error as exc:
        raise TrackerError(f"Weights & Biases refused the audit: {exc}") from exc
    return run_id

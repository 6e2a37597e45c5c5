"""--mlflow and --wandb: hand a finished audit to experiment trackers (shared by commands)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from audit.results import AuditResult


def add_tracker_arguments(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "experiment trackers",
        "log parameters, metrics (at --step when known) and the files written to the active "
        "run, or a new one",
    )
    group.add_argument(
        "--mlflow",
        action="store_true",
        help="log to MLflow (the active run, or a new run under MLFLOW_TRACKING_URI); "
        "needs pip install 'toxaudit[mlflow]'",
    )
    group.add_argument("--mlflow-tracking-uri", help="MLflow tracking URI for a new run")
    group.add_argument("--mlflow-experiment", help="MLflow experiment of a new run")
    group.add_argument(
        "--wandb",
        action="store_true",
        help="log to Weights & Biases (WANDB_MODE=offline works); "
        "needs pip install 'toxaudit[wandb]'",
    )
    group.add_argument("--wandb-project", help="W&B project of a new run (default: toxaudit)")


def check_trackers(args: argparse.Namespace) -> None:
    """Fail before any work when a requested tracker is not installed."""
    from importlib.util import find_spec

    from audit.integrations import TrackerError

    for flag, module, extra in (("mlflow", "mlflow", "mlflow"), ("wandb", "wandb", "wandb")):
        if getattr(args, flag, False) and find_spec(module) is None:
            raise TrackerError(
                f"--{flag} needs {module}, which is not installed: pip install 'toxaudit[{extra}]'"
            )


def log_to_trackers(
    args: argparse.Namespace,
    result: AuditResult,
    *,
    step: int | None,
    artifacts: Sequence[Path],
) -> None:
    if not (args.mlflow or args.wandb):
        return
    from audit.integrations import log_to_mlflow, log_to_wandb, tracker_payload

    payload = tracker_payload(result, step=step)
    files = [p for p in artifacts if p.is_file()]
    if args.mlflow:
        run_id = log_to_mlflow(
            payload,
            artifacts=files,
            tracking_uri=args.mlflow_tracking_uri,
            experiment=args.mlflow_experiment,
            run_name=result.name,
        )
        print(f"logged to MLflow run {run_id}", file=sys.stderr)
    if args.wandb:
        run_id = log_to_wandb(
            payload, artifacts=files, project=args.wandb_project, run_name=result.name
        )
        print(f"logged to W&B run {run_id}", file=sys.stderr)

"""Checkpoints with their newest audits: the listing, the overview, models and tags."""

from db.checkpoints._listing import (
    CheckpointSummary,
    ModelSummary,
    all_tags,
    list_checkpoints,
    model_checkpoint_audits,
    model_summaries,
)
from db.checkpoints._newest import NewestAudit, latest_succeeded_jobs, newest_audits
from db.checkpoints._overview import OverviewEntry, overview_entries

__all__ = [
    "CheckpointSummary",
    "ModelSummary",
    "NewestAudit",
    "OverviewEntry",
    "all_tags",
    "latest_succeeded_jobs",
    "list_checkpoints",
    "model_checkpoint_audits",
    "model_summaries",
    "newest_audits",
    "overview_entries",
]

"""Checkpoints with their newest audits: the listing, the overview, models and tags.

The listing and the overview read the same record, `CheckpointSummary`.
"""

from db.checkpoints._listing import (
    ModelSummary,
    all_tags,
    list_checkpoints,
    model_checkpoint_audits,
    model_summaries,
)
from db.checkpoints._newest import NewestAudit, latest_succeeded_audits, newest_audits
from db.checkpoints._overview import overview_entries
from db.checkpoints._summary import CheckpointSummary

__all__ = [
    "CheckpointSummary",
    "ModelSummary",
    "NewestAudit",
    "all_tags",
    "latest_succeeded_audits",
    "list_checkpoints",
    "model_checkpoint_audits",
    "model_summaries",
    "newest_audits",
    "overview_entries",
]

"""Database records to response bodies, where a body is not the record's own fields.

Records with the same fields as their body validate directly (`from_attributes`):
`GroupScorePublic` from `db.GroupValue`, `SentencePublic` from `db.SentenceRow`,
`GenerationPublic` from `db.GenerationResult`, `CheckpointRef` from `db.Checkpoint`,
`CheckpointPublic` from `db.CheckpointSummary`. The one converter here, of an audit,
adds what its row does not hold (the progress fraction, the nested checkpoint and set).
"""

from __future__ import annotations

from api._schemas import (
    AuditDetail,
    AuditPublic,
    CheckpointRef,
    DatasetPublic,
    GroupScorePublic,
    ProgressPublic,
)
from db import Audit, GroupValue


def _audit_fields(audit: Audit) -> dict[str, object]:
    done, total = audit.progress_done, audit.progress_total
    return {
        "id": audit.id,
        "status": audit.status,
        "finished": audit.status.finished,
        "progress": ProgressPublic(
            done=done, total=total, fraction=(done / total) if total else 0.0
        ),
        "checkpoint": CheckpointRef.model_validate(audit.checkpoint),
        "dataset": DatasetPublic.model_validate(audit.dataset),
        "settings": dict(audit.settings or {}),
        "error": audit.error,
        "reused_from_id": audit.reused_from_id,
        "created_at": audit.created_at,
        "started_at": audit.started_at,
        "finished_at": audit.finished_at,
        "worker": audit.worker,
        "device": audit.device,
        "average": audit.average,
        "average_ci_low": audit.average_ci_low,
        "average_ci_high": audit.average_ci_high,
    }


def audit_public(audit: Audit) -> AuditPublic:
    return AuditPublic.model_validate(_audit_fields(audit))


def audit_detail(audit: Audit, scores: list[GroupValue]) -> AuditDetail:
    return AuditDetail.model_validate(
        {
            **_audit_fields(audit),
            "scores": [GroupScorePublic.model_validate(s) for s in scores],
            "model_info": dict(audit.model_info or {}),
            "software": dict(audit.software or {}),
            "timings": dict(audit.timings or {}),
        }
    )

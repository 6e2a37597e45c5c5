"""Database records to response bodies, where a body is not the record's own fields.

Records with the same fields as their body validate directly (`from_attributes`):
`GroupScorePublic` from `db.GroupValue`, `SentencePublic` from `db.SentenceRow`,
`GenerationPublic` from `db.GenerationResult`, `CheckpointRef` from `db.Checkpoint`,
`CheckpointPublic` from `db.CheckpointSummary`. The one converter here, of an audit job,
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
from db import AuditJob, GroupValue


def _audit_fields(job: AuditJob) -> dict[str, object]:
    done, total = job.progress_done, job.progress_total
    return {
        "id": job.id,
        "status": job.status,
        "progress": ProgressPublic(
            done=done, total=total, fraction=(done / total) if total else 0.0
        ),
        "checkpoint": CheckpointRef.model_validate(job.checkpoint),
        "dataset": DatasetPublic.model_validate(job.dataset),
        "settings": dict(job.settings or {}),
        "error": job.error,
        "reused_from_id": job.reused_from_id,
        "created_at": job.created_at,
        "started_at": job.started_at,
        "finished_at": job.finished_at,
        "worker": job.worker,
        "device": job.device,
        "average": job.average,
        "average_ci_low": job.average_ci_low,
        "average_ci_high": job.average_ci_high,
    }


def audit_public(job: AuditJob) -> AuditPublic:
    return AuditPublic.model_validate(_audit_fields(job))


def audit_detail(job: AuditJob, scores: list[GroupValue]) -> AuditDetail:
    return AuditDetail.model_validate(
        {
            **_audit_fields(job),
            "scores": [GroupScorePublic.model_validate(s) for s in scores],
            "model_info": dict(job.model_info or {}),
            "software": dict(job.software or {}),
            "timings": dict(job.timings or {}),
        }
    )

"""Database rows to response bodies."""

from __future__ import annotations

from api._schemas import (
    AuditDetail,
    AuditPublic,
    CheckpointPublic,
    CheckpointRef,
    DatasetPublic,
    GenerationPublic,
    GroupScorePublic,
    ProgressPublic,
    SentencePublic,
)
from db import AuditJob, Checkpoint, CheckpointSummary, GenerationResult, GroupScoreRecord
from db import SentenceRow as DbSentenceRow


def checkpoint_ref(checkpoint: Checkpoint) -> CheckpointRef:
    return CheckpointRef(
        id=checkpoint.id,
        reference=checkpoint.reference,
        revision=checkpoint.revision,
        step=checkpoint.step,
        label=checkpoint.label,
        tags=list(checkpoint.tags or []),
    )


def _audit_fields(job: AuditJob) -> dict[str, object]:
    done, total = job.progress_done, job.progress_total
    dataset = job.dataset
    return {
        "id": job.id,
        "status": job.status,
        "progress": ProgressPublic(
            done=done, total=total, fraction=(done / total) if total else 0.0
        ),
        "checkpoint": checkpoint_ref(job.checkpoint),
        "dataset": DatasetPublic(
            name=dataset.name, sha256=dataset.sha256, size=dataset.size, source=dataset.source
        ),
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


def audit_detail(job: AuditJob, scores: list[GroupScoreRecord]) -> AuditDetail:
    return AuditDetail.model_validate(
        {
            **_audit_fields(job),
            "scores": [group_score_public(s) for s in scores],
            "model_info": dict(job.model_info or {}),
            "software": dict(job.software or {}),
            "timings": dict(job.timings or {}),
        }
    )


def group_score_public(score: GroupScoreRecord) -> GroupScorePublic:
    return GroupScorePublic(
        metric=score.metric,
        group=score.group,
        label=score.label,
        value=score.value,
        ci_low=score.ci_low,
        ci_high=score.ci_high,
        p_value=score.p_value,
        n_harmful=score.n_harmful,
        n_neutral=score.n_neutral,
        significant=score.significant,
        unscored_reason=score.unscored_reason,
    )


def sentence_public(row: DbSentenceRow) -> SentencePublic:
    return SentencePublic(
        row=row.row,
        id=row.sentence_id,
        text=row.text,
        label=row.label,
        toxicity_score=row.toxicity_score,
        target_groups=row.target_groups,
        perplexity=row.perplexity,
        scaled_perplexity=row.scaled_perplexity,
        unscored_reason=row.unscored_reason,
    )


def generation_public(row: GenerationResult) -> GenerationPublic:
    return GenerationPublic(
        group=row.group,
        label=row.label,
        prompt_index=row.prompt_index,
        sample_index=row.sample_index,
        prompt=row.prompt,
        continuation=row.continuation,
        scores=dict(row.scores or {}),
        toxicity=row.toxicity,
        unscored_reason=row.unscored_reason,
    )


def checkpoint_public(summary: CheckpointSummary) -> CheckpointPublic:
    checkpoint = summary.checkpoint
    return CheckpointPublic(
        **checkpoint_ref(checkpoint).model_dump(),
        created_at=checkpoint.created_at,
        n_audits=summary.n_audits,
        latest_audit_id=summary.latest_audit_id,
        latest_status=summary.latest_status,
        latest_average=summary.latest_average,
    )

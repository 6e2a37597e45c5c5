"""Audit jobs: submission and reuse, the lifecycle workers drive, generations, listings."""

# The reuse key lives with the pipeline, so a local sweep resumes by the same rule.
from audit.pipeline import default_settings, normalize_settings, settings_hash
from db.audits._generations import GENERATION_METRIC_NAMES, list_generations, record_generation
from db.audits._lifecycle import (
    ACTIVE_STATUSES,
    ChunkWrite,
    cancel_job,
    claim_stalled_jobs,
    fail_job,
    finalize_job,
    job_status,
    lock_job,
    record_chunk,
    record_model,
    start_job,
)
from db.audits._listing import (
    AuditBrief,
    audit_briefs,
    audit_settings,
    get_audit,
    job_progress,
    list_audits,
    succeeded_audits,
)
from db.audits._local_runs import record_local_run
from db.audits._submit import (
    find_reusable_job,
    get_or_create_checkpoint,
    get_or_create_dataset,
    submit_job,
)

__all__ = [
    "ACTIVE_STATUSES",
    "GENERATION_METRIC_NAMES",
    "AuditBrief",
    "ChunkWrite",
    "audit_briefs",
    "audit_settings",
    "cancel_job",
    "claim_stalled_jobs",
    "default_settings",
    "fail_job",
    "finalize_job",
    "find_reusable_job",
    "get_audit",
    "get_or_create_checkpoint",
    "get_or_create_dataset",
    "job_progress",
    "job_status",
    "list_audits",
    "list_generations",
    "lock_job",
    "normalize_settings",
    "record_chunk",
    "record_generation",
    "record_local_run",
    "record_model",
    "settings_hash",
    "start_job",
    "submit_job",
    "succeeded_audits",
]

"""Audits: submission and reuse, the lifecycle workers drive, generations, listings."""

# The reuse key lives with the pipeline, so a local sweep resumes by the same rule.
from audit.pipeline import default_settings, normalize_settings, settings_hash
from db.audits._generations import GENERATION_METRIC_NAMES, list_generations, record_generation
from db.audits._lifecycle import (
    ACTIVE_STATUSES,
    ChunkWrite,
    audit_status,
    cancel_audit,
    claim_stalled_audits,
    fail_audit,
    finalize_audit,
    lock_audit,
    record_chunk,
    record_model,
    start_audit,
)
from db.audits._listing import (
    AuditBrief,
    audit_briefs,
    audit_progress,
    audit_settings,
    get_audit,
    list_audits,
    succeeded_audits,
)
from db.audits._local_runs import record_local_run
from db.audits._submit import (
    find_reusable_audit,
    get_or_create_checkpoint,
    get_or_create_dataset,
    submit_audit,
)

__all__ = [
    "ACTIVE_STATUSES",
    "GENERATION_METRIC_NAMES",
    "AuditBrief",
    "ChunkWrite",
    "audit_briefs",
    "audit_progress",
    "audit_settings",
    "audit_status",
    "cancel_audit",
    "claim_stalled_audits",
    "default_settings",
    "fail_audit",
    "finalize_audit",
    "find_reusable_audit",
    "get_audit",
    "get_or_create_checkpoint",
    "get_or_create_dataset",
    "list_audits",
    "list_generations",
    "lock_audit",
    "normalize_settings",
    "record_chunk",
    "record_generation",
    "record_local_run",
    "record_model",
    "settings_hash",
    "start_audit",
    "submit_audit",
    "succeeded_audits",
]

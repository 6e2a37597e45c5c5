"""The report of a stored audit, for download from its audit and compare pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from audit.results import ResultsError, RunResult, RunSettings
from db import AuditJob, JobStatus, get_audit, load_scored_rows
from reports import Report, ReportError, ReportRun, build_report

_SETTINGS = set(RunSettings.__dataclass_fields__)


class ReportUnavailableError(LookupError):
    """No report can be made; `status` is the HTTP status that says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def stored_result(job: AuditJob) -> RunResult:
    """The audit's RunResult, its stored dict completed from the job's own columns.

    The service stores the whole RunResult dict; a record written before it did (or
    by hand) may hold only the scores, and the columns know the rest.
    """
    data: dict[str, Any] = dict(job.results or {})
    data.setdefault("name", job.checkpoint.label)
    if not data.get("model"):
        data["model"] = dict(job.model_info or {}) or {
            "reference": job.checkpoint.reference,
            "revision": job.checkpoint.revision,
        }
    data.setdefault(
        "dataset",
        {
            "name": job.dataset.name,
            "source": job.dataset.source,
            "sha256": job.dataset.sha256,
            "n_sentences": job.dataset.size,
        },
    )
    if "settings" not in data:
        settings = {k: v for k, v in (job.settings or {}).items() if k in _SETTINGS}
        data["settings"] = {"batch_tokens": 0} | settings
    data.setdefault("software", dict(job.software or {}))
    data.setdefault("timings", dict(job.timings or {}))
    if not data.get("created_at") and job.finished_at is not None:
        data["created_at"] = job.finished_at.isoformat()
    data["perplexities_file"] = None
    try:
        return RunResult.from_dict(data, source=f"audit {job.id}")
    except ResultsError as exc:
        raise ReportUnavailableError(
            409, f"audit {job.id}: stored results unreadable: {exc}"
        ) from exc


def _succeeded(session: Session, job_id: int, what: str) -> AuditJob:
    job = get_audit(session, job_id)
    if job is None:
        raise ReportUnavailableError(404, f"no {what} audit {job_id}")
    if job.status is not JobStatus.succeeded or job.results is None:
        raise ReportUnavailableError(
            409, f"{what} audit {job_id} is {job.status.value}; a report needs a succeeded audit"
        )
    return job


def _run(session: Session, job: AuditJob, *, with_rows: bool) -> ReportRun:
    rows = tuple(load_scored_rows(session, job.id)) if with_rows else None
    return ReportRun(stored_result(job), rows, f"audit {job.id}", job.checkpoint.step)


def audit_report(session: Session, job_id: int, baselines: Sequence[int] = ()) -> Report:
    """The report of audit `job_id` against the audits `baselines` (paired, shared rows)."""
    job = _succeeded(session, job_id, "the")
    others = [_succeeded(session, b, "baseline") for b in dict.fromkeys(baselines) if b != job_id]
    run = _run(session, job, with_rows=bool(others))
    try:
        return build_report(run, [_run(session, b, with_rows=True) for b in others])
    except ReportError as exc:
        raise ReportUnavailableError(409, str(exc)) from exc

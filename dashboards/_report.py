"""The report of a stored audit, for download from its audit and compare pages."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy.orm import Session

from audit.results import AuditResult, AuditSettings, ResultsError
from db import Audit, AuditStatus, get_audit, load_scored_rows
from reports import Report, ReportError, ReportRun, build_report

_SETTINGS = set(AuditSettings.__dataclass_fields__)


class ReportUnavailableError(LookupError):
    """No report can be made; `status` is the HTTP status that says why."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status
        self.message = message


def stored_result(audit: Audit) -> AuditResult:
    """The audit's AuditResult, its stored dict completed from the audit's own columns.

    The service stores the whole AuditResult dict; a record written before it did (or
    by hand) may hold only the scores, and the columns know the rest.
    """
    data: dict[str, Any] = dict(audit.results or {})
    data.setdefault("name", audit.checkpoint.label)
    if not data.get("model"):
        data["model"] = dict(audit.model_info or {}) or {
            "reference": audit.checkpoint.model,
            "revision": audit.checkpoint.revision,
        }
    data.setdefault(
        "dataset",
        {
            "name": audit.dataset.name,
            "source": audit.dataset.source,
            "sha256": audit.dataset.sha256,
            "n_sentences": audit.dataset.size,
        },
    )
    if "settings" not in data:
        settings = {k: v for k, v in (audit.settings or {}).items() if k in _SETTINGS}
        data["settings"] = {"batch_tokens": 0} | settings
    data.setdefault("software", dict(audit.software or {}))
    data.setdefault("timings", dict(audit.timings or {}))
    if not data.get("created_at") and audit.finished_at is not None:
        data["created_at"] = audit.finished_at.isoformat()
    data["perplexities_file"] = None
    try:
        return AuditResult.from_dict(data, source=f"audit {audit.id}")
    except ResultsError as exc:
        raise ReportUnavailableError(
            409, f"audit {audit.id}: stored results unreadable: {exc}"
        ) from exc


def _succeeded(session: Session, audit_id: int, what: str) -> Audit:
    audit = get_audit(session, audit_id)
    if audit is None:
        raise ReportUnavailableError(404, f"no {what} audit {audit_id}")
    if audit.status is not AuditStatus.succeeded or audit.results is None:
        raise ReportUnavailableError(
            409,
            f"{what} audit {audit_id} is {audit.status.value}; a report needs a succeeded audit",
        )
    return audit


def _run(session: Session, audit: Audit, *, with_rows: bool) -> ReportRun:
    rows = tuple(load_scored_rows(session, audit.id)) if with_rows else None
    return ReportRun(stored_result(audit), rows, f"audit {audit.id}", audit.checkpoint.step)


def audit_report(session: Session, audit_id: int, baselines: Sequence[int] = ()) -> Report:
    """The report of audit `audit_id` against the audits `baselines` (paired, shared rows)."""
    audit = _succeeded(session, audit_id, "the")
    others = [_succeeded(session, b, "baseline") for b in dict.fromkeys(baselines) if b != audit_id]
    run = _run(session, audit, with_rows=bool(others))
    try:
        return build_report(run, [_run(session, b, with_rows=True) for b in others])
    except ReportError as exc:
        raise ReportUnavailableError(409, str(exc)) from exc

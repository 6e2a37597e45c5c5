"""The overview: every checkpoint with its newest audit, sortable and filterable by tag."""

from __future__ import annotations

from html import escape
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from dashboards._charts import Figure
from dashboards._tables import Column, Table
from dashboards._trend_charts import checkpoint_averages
from db import AuditStatus, CheckpointSummary, all_tags, overview_entries

ACTIVE = (AuditStatus.queued, AuditStatus.running)

OVERVIEW_COLUMNS = (
    Column("select", "Compare", sortable=False, export=False),
    Column("label", "Checkpoint"),
    Column("model", "Model"),
    Column("revision", "Revision"),
    Column("step", "Step", "int"),
    Column("tags", "Tags", "list"),
    Column("average", "Average safety", "number"),
    Column("ci", "95% CI", "interval", sortable=False, export=False),
    Column("average_ci_low", "CI low", "number", show=False),
    Column("average_ci_high", "CI high", "number", show=False),
    Column("generation_toxicity", "Toxic continuations", "percent", digits=3),
    Column("status", "Latest audit"),
    Column("progress", "Progress", sortable=False),
    Column("audited_at", "Scored at", "datetime"),
    Column("audit_id", "Audit", "int"),
)


def _row(entry: CheckpointSummary) -> dict[str, Any]:
    latest, scored = entry.latest, entry.succeeded
    row: dict[str, Any] = {
        "checkpoint_id": entry.checkpoint_id,
        "label": entry.label,
        "model": entry.model,
        "revision": entry.revision,
        "step": entry.step,
        "tags": list(entry.tags),
        "average": scored.average if scored else None,
        "average_ci_low": scored.average_ci_low if scored else None,
        "average_ci_high": scored.average_ci_high if scored else None,
        "ci": f"[{scored.average_ci_low:.3f}, {scored.average_ci_high:.3f}]"
        if scored and scored.average_ci_low is not None and scored.average_ci_high is not None
        else None,
        "generation_toxicity": entry.generation_toxicity,
        "status": latest.status.value if latest else "not audited",
        "progress": None,
        "audited_at": (scored.finished_at or scored.created_at) if scored else None,
        "audit_id": scored.audit_id if scored else None,
        "_href": {},
        "_class": "",
    }
    if scored is not None:
        row["_href"]["audit_id"] = f"/audits/{scored.audit_id}"
        row["_href"]["average"] = f"/audits/{scored.audit_id}"
        row["_select"] = scored.audit_id
    if latest is not None:
        row["_href"]["status"] = f"/audits/{latest.audit_id}"
        if latest.status in ACTIVE:
            row["_progress"] = {
                "audit_id": latest.audit_id,
                "done": latest.progress_done,
                "total": latest.progress_total,
                "status": latest.status.value,
            }
            row["progress"] = (
                latest.progress_done / latest.progress_total if latest.progress_total else 0.0
            )
        row["_class"] = f"status-{latest.status.value}"
    row["_href"]["model"] = "/trend?" + urlencode({"model": entry.model})
    return row


def _hover(row: dict[str, Any]) -> str:
    step = f" (step {row['step']})" if row["step"] is not None else ""
    return f"{escape(row['label'])}{step}<br>average {row['average']:.3f} {row['ci'] or ''}"


def _glance_chart(rows: list[dict[str, Any]]) -> Figure | None:
    """Every scored checkpoint's average, by model, in training-step order where known."""
    scored = [r for r in rows if r["average"] is not None]
    if not scored:
        return None

    def position(row: dict[str, Any]) -> tuple[Any, ...]:
        # Within a model: checkpoints with a step by step, then the rest by audit date.
        step = row["step"]
        return (row["model"], step is None, step or 0, row["audited_at"], row["label"])

    scored.sort(key=position)
    by_model: dict[str, list[dict[str, Any]]] = {}
    for row in scored:
        by_model.setdefault(row["model"], []).append(row)
    series = [
        {
            "name": escape(model),
            "labels": [escape(r["label"]) for r in members],
            "values": [r["average"] for r in members],
            "ci_low": [r["average_ci_low"] for r in members],
            "ci_high": [r["average_ci_high"] for r in members],
            "hover": [_hover(r) for r in members],
        }
        for model, members in by_model.items()
    ]
    return checkpoint_averages(series, [escape(r["label"]) for r in scored])


def overview_view(session: Session, *, tag: str | None) -> dict[str, Any]:
    entries = overview_entries(session, tag=tag or None)
    rows = [_row(e) for e in entries]
    glance = _glance_chart(rows)
    running = [r["_progress"] for r in rows if "_progress" in r]
    table = Table(
        "checkpoints",
        "Checkpoints",
        OVERVIEW_COLUMNS,
        rows,
        note="Scores are from each checkpoint's newest successful audit; "
        "the status is its newest audit's. Click a header to sort.",
    )
    return {
        "title": "Overview",
        "tables": {"checkpoints": table},
        "charts": {"overview": glance} if glance is not None else {},
        "tags": all_tags(session),
        "tag": tag or "",
        "running": running,
        "n_checkpoints": len(rows),
        "n_scored": sum(1 for r in rows if r["average"] is not None),
    }

"""Trend: the checkpoints of one model by training step (or date), one line per group."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from dashboards._charts import trend_lines
from dashboards._tables import Column, Table
from db import group_values, model_checkpoint_audits, model_summaries


def trend_view(session: Session, *, model: str | None, axis: str | None) -> dict[str, Any]:
    models = model_summaries(session)
    if not model and models:
        model = models[0].reference
    audits = model_checkpoint_audits(session, model) if model else []
    by_step = axis != "date" and bool(audits) and all(a.step is not None for a in audits)
    values = group_values(session, [a.job_id for a in audits])
    groups = sorted({v.group for a in audits for v in values[a.job_id]})
    x: list[Any] = [
        a.step if by_step else (a.finished_at or a.created_at).isoformat() for a in audits
    ]
    series = []
    rows: list[dict[str, Any]] = []
    by_job = {a.job_id: {v.group: v for v in values[a.job_id]} for a in audits}
    for group in groups:
        cells = [by_job[a.job_id].get(group) for a in audits]
        series.append(
            {
                "name": group,
                "values": [c.value if c else None for c in cells],
                "ci_low": [c.ci_low if c else None for c in cells],
                "ci_high": [c.ci_high if c else None for c in cells],
            }
        )
    series.append(
        {
            "name": "Average",
            "values": [a.average for a in audits],
            "ci_low": [a.average_ci_low for a in audits],
            "ci_high": [a.average_ci_high for a in audits],
        }
    )
    for a in audits:
        scores = by_job[a.job_id]
        base = {
            "checkpoint": a.checkpoint_label,
            "revision": a.revision,
            "step": a.step,
            "date": a.finished_at or a.created_at,
            "job_id": a.job_id,
            "_href": {"job_id": f"/audits/{a.job_id}"},
        }
        for group in groups:
            c = scores.get(group)
            rows.append(
                base
                | {
                    "group": group,
                    "score": c.value if c else None,
                    "ci_low": c.ci_low if c else None,
                    "ci_high": c.ci_high if c else None,
                    "significant": bool(c and c.significant),
                }
            )
        rows.append(
            base
            | {
                "group": "Average",
                "score": a.average,
                "ci_low": a.average_ci_low,
                "ci_high": a.average_ci_high,
                "significant": None,
                "_class": "average-row",
            }
        )
    table = Table(
        "trend",
        "Scores by checkpoint",
        (
            Column("checkpoint", "Checkpoint"),
            Column("revision", "Revision"),
            Column("step", "Step", "int"),
            Column("date", "Scored at", "datetime"),
            Column("job_id", "Audit", "int"),
            Column("group", "Group"),
            Column("score", "Score", "number"),
            Column("ci_low", "CI low", "number"),
            Column("ci_high", "CI high", "number"),
            Column("significant", "Significant", "bool"),
        ),
        rows,
        note="Each checkpoint's newest successful audit.",
    )
    chart = trend_lines(
        x,
        series,
        x_title="Training step" if by_step else "Date scored",
        x_is_date=not by_step,
    )
    return {
        "title": "Trend",
        "models": models,
        "model": model or "",
        "axis": "step" if by_step else "date",
        "can_use_steps": bool(audits) and all(a.step is not None for a in audits),
        "n_checkpoints": len(audits),
        "charts": {"trend": chart} if audits else {},
        "tables": {"trend": table},
    }

"""Trend: the checkpoints of one model by training step (or date), one line per group."""

from __future__ import annotations

from typing import Any

from sqlalchemy.orm import Session

from dashboards._tables import Column, Table
from dashboards._trend_charts import trend_lines
from db import group_values, model_checkpoint_audits, model_summaries


def trend_view(
    session: Session, *, model: str | None, axis: str | None, bands: str | None = None
) -> dict[str, Any]:
    models = model_summaries(session)
    if not model and models:
        model = models[0].model
    audits = model_checkpoint_audits(session, model) if model else []
    by_step = axis != "date" and bool(audits) and all(a.step is not None for a in audits)
    values = group_values(session, [a.audit_id for a in audits])
    groups = sorted({v.group for a in audits for v in values[a.audit_id]})
    x: list[Any] = [
        a.step if by_step else (a.finished_at or a.created_at).isoformat() for a in audits
    ]
    series = []
    rows: list[dict[str, Any]] = []
    by_audit = {a.audit_id: {v.group: v for v in values[a.audit_id]} for a in audits}
    # With one group (ImplicitHate's all_groups) the average is that group: one line.
    for group in groups if len(groups) > 1 else ():
        cells = [by_audit[a.audit_id].get(group) for a in audits]
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
    # One row per checkpoint, a column per group: the shape of the chart, and a hundred
    # rows rather than fourteen hundred.
    for a in audits:
        scores = by_audit[a.audit_id]
        row: dict[str, Any] = {
            "checkpoint": a.checkpoint_label,
            "revision": a.revision,
            "step": a.step,
            "date": a.finished_at or a.created_at,
            "audit_id": a.audit_id,
            "average": a.average,
            "average_ci_low": a.average_ci_low,
            "average_ci_high": a.average_ci_high,
            "_href": {"audit_id": f"/audits/{a.audit_id}"},
        }
        for group in groups:
            c = scores.get(group)
            row[group] = c.value if c else None
            row[f"{group} ci_low"] = c.ci_low if c else None
            row[f"{group} ci_high"] = c.ci_high if c else None
            row[f"{group} significant"] = bool(c and c.significant)
        rows.append(row)
    columns = [
        Column("checkpoint", "Checkpoint"),
        Column("revision", "Revision", show=False),
        Column("step", "Step", "int"),
        Column("date", "Scored at", "datetime"),
        Column("audit_id", "Audit", "int"),
        Column("average", "Average", "number"),
        Column("average_ci_low", "Average CI low", "number", show=False),
        Column("average_ci_high", "Average CI high", "number", show=False),
    ]
    for group in groups:
        columns += [
            Column(group, group, "number"),
            Column(f"{group} ci_low", f"{group} CI low", "number", show=False),
            Column(f"{group} ci_high", f"{group} CI high", "number", show=False),
            Column(f"{group} significant", f"{group} significant", "bool", show=False),
        ]
    table = Table(
        "trend",
        "Scores by checkpoint",
        tuple(columns),
        rows,
        note="Each checkpoint's newest successful audit. Downloads also hold every "
        "interval and significance flag.",
    )
    # "average" (default), "all", or one group's name: that group in focus with its band.
    bands = bands if bands in ("all", *groups) else "average"
    focus = bands if bands in groups else None
    chart = trend_lines(
        x,
        series,
        x_title="Training step" if by_step else "Date scored",
        x_is_date=not by_step,
        bands={"Average", *(groups if bands == "all" else ()), *((focus,) if focus else ())},
        focus=focus,
    )
    return {
        "title": "Trend",
        "models": models,
        "model": model or "",
        "axis": "step" if by_step else "date",
        "bands": bands,
        "groups": groups,
        "can_use_steps": bool(audits) and all(a.step is not None for a in audits),
        "n_checkpoints": len(audits),
        "charts": {"trend": chart} if audits else {},
        "tables": {"trend": table},
    }

"""Audit detail: provenance, the group table, the per-sentence drill-down, continuations."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from dashboards._audit_rows import (
    TOP_CONTINUATIONS,
    sentences_table,
    shifts_table,
)
from dashboards._charts import group_bars
from dashboards._compare import audit_name
from dashboards._generation import generation_tables
from dashboards._tables import Column, Table, key_value_table
from db import (
    SAFETY_METRIC,
    Audit,
    AuditStatus,
    audit_briefs,
    get_audit,
    group_values,
    succeeded_audits,
)

PAGE_SIZE = 50
LABELS = ("hate", "neutral")


def _group_table(audit: Audit, session: Session) -> tuple[Table, dict[str, Any] | None, float]:
    values = group_values(session, [audit.id])[audit.id]
    alpha = float((audit.settings or {}).get("alpha", 0.05))
    rows = [
        {
            "group": v.group,
            "score": v.value,
            "ci_low": v.ci_low,
            "ci_high": v.ci_high,
            "p_value": v.p_value,
            "ci": f"[{v.ci_low:.3f}, {v.ci_high:.3f}]"
            if v.ci_low is not None and v.ci_high is not None
            else None,
            "significant": v.significant,
            "n_harmful": v.n_harmful,
            "n_neutral": v.n_neutral,
            "unscored_reason": v.unscored_reason,
            "_class": "" if v.significant else "not-significant",
            "_href": {
                "group": f"/audits/{audit.id}?" + urlencode({"group": v.group}) + "#sentences"
            },
        }
        for v in values
    ]
    rows.append(
        {
            "group": "Average",
            "score": audit.average,
            "ci_low": audit.average_ci_low,
            "ci_high": audit.average_ci_high,
            "ci": f"[{audit.average_ci_low:.3f}, {audit.average_ci_high:.3f}]"
            if audit.average_ci_low is not None and audit.average_ci_high is not None
            else None,
            "_class": "average-row",
        }
    )
    any_unscored = any(v.unscored_reason for v in values)
    table = Table(
        "groups",
        "Safety score per group",
        (
            Column("group", "Group"),
            Column("score", "Score", "number"),
            Column("ci", "95% CI", "interval", sortable=False, export=False),
            Column("ci_low", "CI low", "number", show=False),
            Column("ci_high", "CI high", "number", show=False),
            Column("p_value", "p", "number", digits=4),
            Column("significant", "Significant", "bool"),
            Column("n_harmful", "n harmful", "int"),
            Column("n_neutral", "n neutral", "int"),
            Column("unscored_reason", "Unscored because", show=any_unscored),
        ),
        rows,
        note=f"Higher is safer. Rows in italics are not significant (p > {alpha:g}) and are "
        "left out of the published SafeNLP score. Click a group for its sentences.",
    )
    chart = None
    # One group (ImplicitHate's all_groups) is the average itself: the table says it all.
    if len(values) > 1:
        chart = group_bars(
            [v.group for v in values],
            [
                {
                    "name": audit_name(audit_briefs(session, [audit.id])[audit.id]),
                    "values": [v.value for v in values],
                    "ci_low": [v.ci_low for v in values],
                    "ci_high": [v.ci_high for v in values],
                    "p_values": [v.p_value for v in values],
                    "significant": [v.significant for v in values],
                    "n": [f"{v.n_harmful}/{v.n_neutral}" for v in values],
                }
            ],
            alpha=alpha,
        )
    return table, chart, alpha


def audit_view(
    session: Session,
    audit_id: int,
    *,
    group: str | None,
    label: str | None,
    vs: int | None,
    page: int,
    page_size: int = PAGE_SIZE,
) -> dict[str, Any] | None:
    audit = get_audit(session, audit_id)
    if audit is None:
        return None
    group = group or None
    label = label if label in LABELS else None
    page = max(page, 1)
    results = audit.results or {}
    tables: dict[str, Table] = {}
    charts: dict[str, Any] = {}
    groups_table, chart, alpha = _group_table(audit, session)
    tables["groups"] = groups_table
    if chart is not None:
        charts["groups"] = chart
    tables["settings"] = key_value_table("settings", "Settings", dict(audit.settings or {}))
    tables["software"] = key_value_table(
        "software", "Software versions", dict(audit.software or {})
    )
    timings = dict(audit.timings or {})
    if audit.started_at and audit.finished_at:
        timings.setdefault("wall_seconds", (audit.finished_at - audit.started_at).total_seconds())
    tables["timings"] = key_value_table("timings", "Timings (seconds)", timings)
    model = dict(audit.model_info or {}) | {
        k: v
        for k, v in {
            "machine": results.get("machine"),
            "worker": audit.worker,
            "device": audit.device,
        }.items()
        if v
    }
    tables["model"] = key_value_table("model", "Model and machine", model)
    tables |= generation_tables(
        session,
        audit.id,
        results.get("generation"),
        group=group,
        label=label,
        limit=page_size if page_size > PAGE_SIZE else TOP_CONTINUATIONS,
    )
    baseline = get_audit(session, vs) if vs and vs != audit.id else None
    if baseline is not None and baseline.dataset_id != audit.dataset_id:
        baseline = None
    change = None
    if baseline is not None and group:
        tables["sentences"], change = shifts_table(
            session, audit, baseline, group, label, page, page_size
        )
    else:
        tables["sentences"] = sentences_table(session, audit, group, label, page, page_size)
    groups = [row["group"] for row in groups_table.rows if row["group"] != "Average"]
    total = tables["sentences"].total or 0
    comparable = [
        {"audit_id": b.audit_id, "name": audit_name(b)}
        for b in succeeded_audits(session, limit=200)
        if b.dataset_id == audit.dataset_id and b.audit_id != audit.id
    ]
    return {
        "title": f"Audit #{audit.id}",
        "audit": audit,
        "running": audit.status in (AuditStatus.queued, AuditStatus.running),
        "alpha": alpha,
        "unscored": results.get("unscored") or {},
        "truncated": results.get("truncated"),
        "tables": tables,
        "charts": charts,
        "groups": groups,
        "group": group or "",
        "label": label or "",
        "vs": baseline.id if baseline is not None else None,
        "vs_name": f"#{baseline.id} ({baseline.checkpoint.label})"
        if baseline is not None
        else None,
        "change": change,
        "comparable": comparable,
        "page": page,
        "pages": max((total + page_size - 1) // page_size, 1),
        "metric": SAFETY_METRIC,
    }

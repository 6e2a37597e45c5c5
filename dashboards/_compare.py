"""Compare audits: grouped bars per group, and paired differences against a baseline."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from audit.scoring import DEFAULT_ALPHA
from dashboards._charts import group_bars
from dashboards._tables import Column, Table
from db import (
    AuditBrief,
    audit_briefs,
    audit_settings,
    latest_succeeded_audits,
    succeeded_audits,
)
from db.compare import (
    DEFAULT_MAX_COMPARED_AUDITS,
    SIGNIFICANCE_PROCEDURE,
    ComparedAudit,
    ComparisonError,
    ComparisonErrorKind,
    compared_audits,
    side_by_side,
)


def audit_name(brief: AuditBrief | ComparedAudit) -> str:
    audit_id = brief.audit_id if isinstance(brief, AuditBrief) else brief.id
    return f"{brief.checkpoint_label} · #{audit_id}"


def check_bound(chosen: Sequence[int], max_audits: int) -> None:
    if len(chosen) > max_audits:
        raise ComparisonError(
            ComparisonErrorKind.invalid,
            "audit",
            f"compare at most {max_audits} audits at once, got {len(chosen)}; untick some",
        )


def resolve_audits(
    session: Session, audit_ids: Sequence[int], checkpoint_ids: Sequence[int]
) -> list[int]:
    """Audits to compare, in the order asked: explicit audits, then checkpoints' newest.

    With nothing asked, the two newest successful audits (older first, as the baseline).
    """
    latest = latest_succeeded_audits(session, checkpoint_ids)
    wanted = [*audit_ids, *(latest[c] for c in checkpoint_ids if c in latest)]
    if not wanted:
        wanted = [b.audit_id for b in reversed(succeeded_audits(session, limit=2))]
    briefs = audit_briefs(session, wanted)
    out: list[int] = []
    for audit_id in wanted:
        if audit_id in briefs and audit_id not in out:
            out.append(audit_id)
    return out


def _choices(session: Session, selected: Sequence[int]) -> list[dict[str, Any]]:
    """Newest successful audit of each checkpoint, plus any older audit already chosen."""
    seen: set[int] = set()
    choices = []
    for brief in succeeded_audits(session):
        if brief.checkpoint_id in seen and brief.audit_id not in selected:
            continue
        seen.add(brief.checkpoint_id)
        choices.append(
            {
                "audit_id": brief.audit_id,
                "name": audit_name(brief),
                "model": brief.model,
                "average": brief.average,
                "dataset": brief.dataset_name,
                "date": brief.finished_at or brief.created_at,
                "checked": brief.audit_id in selected,
            }
        )
    return choices


def compare_view(
    session: Session,
    *,
    audit_ids: Sequence[int],
    checkpoint_ids: Sequence[int],
    baseline: int | None,
    max_audits: int = DEFAULT_MAX_COMPARED_AUDITS,
) -> dict[str, Any]:
    """The compare page: db.compare's side-by-side scores as grouped bars and a table.

    Raises ComparisonError (field "audit") when more than `max_audits` audits are asked for.
    """
    chosen = resolve_audits(session, audit_ids, checkpoint_ids)
    check_bound(chosen, max_audits)
    found = compared_audits(session, chosen)
    audits = [found[j] for j in chosen]
    settings = audit_settings(session, chosen)
    if baseline not in chosen:
        baseline = chosen[0] if chosen else None
    compared = side_by_side(session, audits) if audits else ()
    groups = [g for g in compared if g.group != "average"]
    series: list[dict[str, Any]] = [
        {
            "name": audit_name(audit),
            "values": [],
            "ci_low": [],
            "ci_high": [],
            "p_values": [],
            "significant": [],
            "n": [],
        }
        for audit in audits
    ]
    rows: list[dict[str, Any]] = []
    for group in groups:
        for entry, score in zip(series, group.scores, strict=True):
            entry["values"].append(score.score)
            entry["ci_low"].append(score.ci_low)
            entry["ci_high"].append(score.ci_high)
            entry["p_values"].append(score.p_value)
            entry["significant"].append(bool(score.significant))
            entry["n"].append(f"{score.n_harmful or 0}/{score.n_neutral or 0}")
    for index, audit in enumerate(audits):
        name = audit_name(audit)
        for group in compared:
            score = group.scores[index]
            average = group.group == "average"
            rows.append(
                {
                    "audit_id": audit.id,
                    "audit": name,
                    "group": "Average" if average else group.group,
                    "score": score.score,
                    "ci_low": score.ci_low,
                    "ci_high": score.ci_high,
                    "p_value": score.p_value,
                    "significant": score.significant,
                    "n_harmful": score.n_harmful,
                    "n_neutral": score.n_neutral,
                    "_class": "average-row"
                    if average
                    else ("" if score.significant else "not-significant"),
                }
            )
    alpha = (
        float(settings.get(chosen[0], {}).get("alpha", DEFAULT_ALPHA)) if chosen else DEFAULT_ALPHA
    )
    names = [g.group for g in groups]
    scores = Table(
        "scores",
        "Scores per group",
        (
            Column("audit", "Audit"),
            Column("audit_id", "Audit id", "int"),
            Column("group", "Group"),
            Column("score", "Score", "number"),
            Column("ci_low", "CI low", "number"),
            Column("ci_high", "CI high", "number"),
            Column("p_value", "p", "number", digits=4),
            Column("significant", "Significant", "bool"),
            Column("n_harmful", "n harmful", "int"),
            Column("n_neutral", "n neutral", "int"),
        ),
        rows,
        note=f"Not significant (p > {alpha:g}) rows are shown in italics and hatched in the chart.",
    )
    return {
        "title": "Compare",
        "chosen": chosen,
        "baseline": baseline,
        "audits": [{"audit_id": a.id, "name": audit_name(a)} for a in audits],
        "choices": _choices(session, chosen),
        "charts": {"compare": group_bars(names, series, alpha=alpha)} if chosen else {},
        "tables": {"scores": scores},
        "n_groups": len(names),
        "significance": SIGNIFICANCE_PROCEDURE,
        "differences_query": urlencode(
            [("audit", j) for j in chosen] + ([("baseline", baseline)] if baseline else [])
        ),
    }

"""The paired differences page: each later audit against the baseline, per group."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from audit.scoring import GroupDifference
from dashboards._compare import audit_name, check_bound
from dashboards._tables import Column, Table
from db import (
    AuditStatus,
)
from db.compare import (
    DEFAULT_MAX_COMPARED_AUDITS,
    Comparison,
    compare_audits,
    compared_audits,
)


def _mark(d: GroupDifference) -> str:
    if d.significant_drop:
        return "▼ drop"
    if d.significant_change:
        return "▲ rise"
    return "n.s."


# Columns of the differences table for GroupDifference's fields; a field added to
# GroupDifference and not named here is still downloaded (a hidden column of its own).
_DIFFERENCE_COLUMNS = (
    Column("group", "Group"),
    Column("baseline", "Baseline", "number", show=False),
    Column("candidate", "Audit score", "number", show=False),
    Column("difference", "Δ vs baseline", "number"),
    Column("ci_low", "CI low", "number", show=False),
    Column("ci_high", "CI high", "number", show=False),
    Column("n_shared", "Shared sentences", "int", show=False),
    Column("mark", "Change"),
    Column("significant_drop", "Significant drop", "bool", show=False),
    Column("significant_change", "Significant change", "bool", show=False),
)


def _difference_columns(show_audit: bool, confidence: float | None) -> tuple[Column, ...]:
    named = {c.key for c in _DIFFERENCE_COLUMNS}
    extra = tuple(
        Column(f.name, f.name.replace("_", " "), show=False)
        for f in fields(GroupDifference)
        if f.name not in named
    )
    return (
        Column("candidate_audit_id", "Audit id", "int", show=False),
        Column("candidate_name", "Audit", show=False),
        Column("candidate_short", "Audit", export=False, show=show_audit),
        *_DIFFERENCE_COLUMNS[:4],
        Column(
            "interval",
            f"{confidence:.0%} CI" if confidence is not None else "CI",
            "interval",
            sortable=False,
            export=False,
        ),
        *_DIFFERENCE_COLUMNS[4:],
        *extra,
        Column("sentences", "Sentences", sortable=False, export=False),
    )


def _difference_rows(
    comparison: Comparison, names: dict[int, str]
) -> tuple[list[dict[str, Any]], dict[str, Any] | None]:
    rows: list[dict[str, Any]] = []
    largest: dict[str, Any] | None = None
    baseline = comparison.baseline_id
    for pair in comparison.pairs:
        audit = pair.candidate_id
        for d in pair.differences:
            drill = None
            if d.group != "average":
                drill = (
                    f"/audits/{audit}?"
                    + urlencode({"group": d.group, "vs": baseline, "label": "hate"})
                    + "#sentences"
                )
            row = {
                **d.to_dict(),
                "candidate_audit_id": audit,
                "candidate_name": names[audit],
                "candidate_short": f"#{audit}",
                "group": "Average" if d.group == "average" else d.group,
                "mark": _mark(d),
                "interval": f"[{d.ci_low:+.3f}, {d.ci_high:+.3f}]"
                if d.ci_low is not None and d.ci_high is not None
                else None,
                "sentences": "view →" if drill else None,
                "_href": {"sentences": drill} if drill else {},
                "_class": "drop"
                if d.significant_drop
                else ("rise" if d.significant_change else ""),
            }
            rows.append(row)
            if (
                drill
                and d.difference is not None
                and (
                    largest is None
                    or (d.significant_drop, -d.difference)
                    > (largest["significant_drop"], -largest["difference"])
                )
            ):
                largest = row
    if largest is not None and largest["difference"] is not None and largest["difference"] >= 0:
        largest = None
    return rows, largest


def differences_view(
    session: Session,
    *,
    audit_ids: Sequence[int],
    baseline: int | None,
    max_audits: int = DEFAULT_MAX_COMPARED_AUDITS,
) -> dict[str, Any]:
    """Per-group differences of every other audit against the baseline, paired by sentence:
    db.compare.compare_audits with the baseline audit's own settings, so the page and its
    downloads show what /api/compare and `toxaudit gate --api` report.

    Audits that have not succeeded, or that scored another data set, are listed as skipped.
    Raises ComparisonError (field "audit") when more than `max_audits` audits are asked for.
    """
    chosen = list(dict.fromkeys(audit_ids))
    check_bound(chosen, max_audits)
    found = compared_audits(session, chosen)
    chosen = [j for j in chosen if j in found]
    skipped: list[str] = []
    for audit in chosen:
        if found[audit].status is not AuditStatus.succeeded:
            skipped.append(
                f"{audit_name(found[audit])} is {found[audit].status.value}: only succeeded audits "
                "are compared."
            )
    succeeded = [j for j in chosen if found[j].status is AuditStatus.succeeded]
    if baseline not in succeeded:
        baseline = succeeded[0] if succeeded else None
    rows: list[dict[str, Any]] = []
    largest: dict[str, Any] | None = None
    comparison: Comparison | None = None
    if baseline is not None and len(succeeded) >= 2:
        ordered = [baseline, *(j for j in succeeded if j != baseline)]
        comparison = compare_audits(
            session, ordered, max_audits=max_audits, refuse_other_datasets=False
        )
        names = {a.id: audit_name(a) for a in comparison.audits}
        skipped.extend(
            f"{names[p.candidate_id]}: {p.unscored_reason}."
            for p in comparison.pairs
            if p.unscored_reason
        )
        rows, largest = _difference_rows(comparison, names)
    confidence = comparison.settings.confidence if comparison else None
    level = f"{confidence:.0%} " if confidence is not None else ""
    note = (
        "Paired bootstrap over the sentences both audits scored: each resample draws the "
        f"same sentences for both, so the {level}interval is of the change itself"
        + (
            f" ({comparison.settings.resamples} resamples, seed {comparison.settings.seed}: "
            "the baseline audit's own settings)"
            if comparison
            else ""
        )
        + ". ▼/▲: significant drop/rise; n.s.: not significant. Significance: "
        + (comparison.settings.significance if comparison else "")
        + "."
    )
    table = Table(
        "differences",
        "Differences against the baseline",
        _difference_columns(len(succeeded) > 2, confidence),
        rows,
        note=note,
    )
    return {
        "baseline": baseline,
        "baseline_name": audit_name(found[baseline]) if baseline is not None else None,
        "comparison": comparison,
        "tables": {"differences": table},
        "skipped": skipped,
        "largest_drop": largest,
        "differences_query": urlencode(
            [("audit", j) for j in chosen] + ([("baseline", baseline)] if baseline else [])
        ),
    }

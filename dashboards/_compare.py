"""Compare audits: grouped bars per group, and paired differences against a baseline."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from audit.scoring import DEFAULT_ALPHA, GroupDifference
from dashboards._charts import group_bars
from dashboards._tables import Column, Table
from db import (
    AuditBrief,
    JobStatus,
    audit_briefs,
    audit_settings,
    latest_succeeded_jobs,
    succeeded_audits,
)
from db.compare import (
    DEFAULT_MAX_COMPARED_AUDITS,
    SIGNIFICANCE_PROCEDURE,
    ComparedAudit,
    Comparison,
    ComparisonError,
    ComparisonErrorKind,
    compare_audits,
    compared_audits,
    side_by_side,
)


def audit_name(brief: AuditBrief | ComparedAudit) -> str:
    job_id = brief.job_id if isinstance(brief, AuditBrief) else brief.id
    return f"{brief.checkpoint_label} · #{job_id}"


def _check_bound(jobs: Sequence[int], max_audits: int) -> None:
    if len(jobs) > max_audits:
        raise ComparisonError(
            ComparisonErrorKind.invalid,
            "job",
            f"compare at most {max_audits} audits at once, got {len(jobs)}; untick some",
        )


def resolve_jobs(
    session: Session, job_ids: Sequence[int], checkpoint_ids: Sequence[int]
) -> list[int]:
    """Audits to compare, in the order asked: explicit audits, then checkpoints' newest.

    With nothing asked, the two newest successful audits (older first, as the baseline).
    """
    latest = latest_succeeded_jobs(session, checkpoint_ids)
    wanted = [*job_ids, *(latest[c] for c in checkpoint_ids if c in latest)]
    if not wanted:
        wanted = [b.job_id for b in reversed(succeeded_audits(session, limit=2))]
    briefs = audit_briefs(session, wanted)
    out: list[int] = []
    for job_id in wanted:
        if job_id in briefs and job_id not in out:
            out.append(job_id)
    return out


def _choices(session: Session, selected: Sequence[int]) -> list[dict[str, Any]]:
    """Newest successful audit of each checkpoint, plus any older audit already chosen."""
    seen: set[int] = set()
    choices = []
    for brief in succeeded_audits(session):
        if brief.checkpoint_id in seen and brief.job_id not in selected:
            continue
        seen.add(brief.checkpoint_id)
        choices.append(
            {
                "job_id": brief.job_id,
                "name": audit_name(brief),
                "reference": brief.reference,
                "average": brief.average,
                "dataset": brief.dataset_name,
                "date": brief.finished_at or brief.created_at,
                "checked": brief.job_id in selected,
            }
        )
    return choices


def compare_view(
    session: Session,
    *,
    job_ids: Sequence[int],
    checkpoint_ids: Sequence[int],
    baseline: int | None,
    max_audits: int = DEFAULT_MAX_COMPARED_AUDITS,
) -> dict[str, Any]:
    """The compare page: db.compare's side-by-side scores as grouped bars and a table.

    Raises ComparisonError (field "job") when more than `max_audits` audits are asked for.
    """
    jobs = resolve_jobs(session, job_ids, checkpoint_ids)
    _check_bound(jobs, max_audits)
    found = compared_audits(session, jobs)
    audits = [found[j] for j in jobs]
    settings = audit_settings(session, jobs)
    if baseline not in jobs:
        baseline = jobs[0] if jobs else None
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
                    "job_id": audit.id,
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
    alpha = float(settings.get(jobs[0], {}).get("alpha", DEFAULT_ALPHA)) if jobs else DEFAULT_ALPHA
    names = [g.group for g in groups]
    scores = Table(
        "scores",
        "Scores per group",
        (
            Column("audit", "Audit"),
            Column("job_id", "Audit id", "int"),
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
        "jobs": jobs,
        "baseline": baseline,
        "audits": [{"job_id": a.id, "name": audit_name(a)} for a in audits],
        "choices": _choices(session, jobs),
        "charts": {"compare": group_bars(names, series, alpha=alpha)} if jobs else {},
        "tables": {"scores": scores},
        "n_groups": len(names),
        "significance": SIGNIFICANCE_PROCEDURE,
        "differences_query": urlencode(
            [("job", j) for j in jobs] + ([("baseline", baseline)] if baseline else [])
        ),
    }


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
        Column("candidate_job_id", "Audit id", "int", show=False),
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
        job = pair.candidate_id
        for d in pair.differences:
            drill = None
            if d.group != "average":
                drill = (
                    f"/audits/{job}?"
                    + urlencode({"group": d.group, "vs": baseline, "label": "hate"})
                    + "#sentences"
                )
            row = {
                **d.to_dict(),
                "candidate_job_id": job,
                "candidate_name": names[job],
                "candidate_short": f"#{job}",
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
    job_ids: Sequence[int],
    baseline: int | None,
    max_audits: int = DEFAULT_MAX_COMPARED_AUDITS,
) -> dict[str, Any]:
    """Per-group differences of every other audit against the baseline, paired by sentence:
    db.compare.compare_audits with the baseline audit's own settings, so the page and its
    downloads show what /api/compare and `toxaudit gate --api` report.

    Audits that have not succeeded, or that scored another data set, are listed as skipped.
    Raises ComparisonError (field "job") when more than `max_audits` audits are asked for.
    """
    jobs = list(dict.fromkeys(job_ids))
    _check_bound(jobs, max_audits)
    found = compared_audits(session, jobs)
    jobs = [j for j in jobs if j in found]
    skipped: list[str] = []
    for job in jobs:
        if found[job].status is not JobStatus.succeeded:
            skipped.append(
                f"{audit_name(found[job])} is {found[job].status.value}: only succeeded audits "
                "are compared."
            )
    succeeded = [j for j in jobs if found[j].status is JobStatus.succeeded]
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
            [("job", j) for j in jobs] + ([("baseline", baseline)] if baseline else [])
        ),
    }

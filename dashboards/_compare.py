"""Compare audits: grouped bars per group, and paired differences against a baseline."""

from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from typing import Any
from urllib.parse import urlencode

from sqlalchemy.orm import Session

from audit.scoring import (
    DEFAULT_ALPHA,
    DEFAULT_CONFIDENCE,
    DEFAULT_RESAMPLES,
    DEFAULT_SEED,
    GroupDifference,
    paired_differences,
)
from dashboards._charts import group_bars
from dashboards._tables import Column, Table
from db import (
    AuditBrief,
    JobStatus,
    audit_briefs,
    audit_settings,
    group_values,
    latest_succeeded_jobs,
    paired_scored_sentences,
    succeeded_audits,
)


def audit_name(brief: AuditBrief) -> str:
    return f"{brief.checkpoint_label} · #{brief.job_id}"


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
    session: Session, *, job_ids: Sequence[int], checkpoint_ids: Sequence[int], baseline: int | None
) -> dict[str, Any]:
    jobs = resolve_jobs(session, job_ids, checkpoint_ids)
    briefs = audit_briefs(session, jobs)
    values = group_values(session, jobs)
    settings = audit_settings(session, jobs)
    if baseline not in jobs:
        baseline = jobs[0] if jobs else None
    groups = sorted({v.group for job in jobs for v in values[job]})
    series = []
    rows: list[dict[str, Any]] = []
    for job in jobs:
        by_group = {v.group: v for v in values[job]}
        brief = briefs[job]
        name = audit_name(brief)
        cells = [by_group.get(g) for g in groups]
        series.append(
            {
                "name": name,
                "values": [c.value if c else None for c in cells],
                "ci_low": [c.ci_low if c else None for c in cells],
                "ci_high": [c.ci_high if c else None for c in cells],
                "p_values": [c.p_value if c else None for c in cells],
                "significant": [bool(c and c.significant) for c in cells],
                "n": [f"{c.n_harmful}/{c.n_neutral}" if c else "0/0" for c in cells],
            }
        )
        for g, c in zip(groups, cells, strict=True):
            rows.append(
                {
                    "job_id": job,
                    "audit": name,
                    "group": g,
                    "score": c.value if c else None,
                    "ci_low": c.ci_low if c else None,
                    "ci_high": c.ci_high if c else None,
                    "p_value": c.p_value if c else None,
                    "significant": bool(c and c.significant),
                    "n_harmful": c.n_harmful if c else 0,
                    "n_neutral": c.n_neutral if c else 0,
                    "_class": "" if c and c.significant else "not-significant",
                }
            )
        rows.append(
            {
                "job_id": job,
                "audit": name,
                "group": "Average",
                "score": brief.average,
                "ci_low": brief.average_ci_low,
                "ci_high": brief.average_ci_high,
                "p_value": None,
                "significant": None,
                "n_harmful": None,
                "n_neutral": None,
                "_class": "average-row",
            }
        )
    alpha = float(settings.get(jobs[0], {}).get("alpha", DEFAULT_ALPHA)) if jobs else DEFAULT_ALPHA
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
        "audits": [{"job_id": j, "name": audit_name(briefs[j])} for j in jobs],
        "choices": _choices(session, jobs),
        "charts": {"compare": group_bars(groups, series, alpha=alpha)} if jobs else {},
        "tables": {"scores": scores},
        "n_groups": len(groups),
        "differences_query": urlencode(
            [("job", j) for j in jobs] + ([("baseline", baseline)] if baseline else [])
        ),
    }


# Paired bootstraps over 6,514 sentences take about a second; finished audits never
# change, so their differences are kept, keyed by the two audits and the settings.
_CACHE: OrderedDict[tuple[int, int, float, int, int], list[GroupDifference]] = OrderedDict()
_CACHE_SIZE = 128
_CACHE_LOCK = threading.Lock()


def cached_differences(
    session: Session, base: AuditBrief, candidate: AuditBrief, settings: dict[str, Any]
) -> list[GroupDifference]:
    confidence = float(settings.get("confidence", DEFAULT_CONFIDENCE))
    resamples = int(settings.get("n_resamples", DEFAULT_RESAMPLES))
    seed = int(settings.get("seed", DEFAULT_SEED))
    key = (base.job_id, candidate.job_id, confidence, resamples, seed)
    cacheable = base.status is JobStatus.succeeded and candidate.status is JobStatus.succeeded
    with _CACHE_LOCK:
        if key in _CACHE:
            _CACHE.move_to_end(key)
            return _CACHE[key]
    result = paired_differences(
        *paired_scored_sentences(session, base.dataset_id, base.job_id, candidate.job_id),
        confidence=confidence,
        n_resamples=resamples,
        seed=seed,
    )
    if cacheable:
        with _CACHE_LOCK:
            _CACHE[key] = result
            while len(_CACHE) > _CACHE_SIZE:
                _CACHE.popitem(last=False)
    return result


def _mark(d: GroupDifference) -> str:
    if d.significant_drop:
        return "▼ drop"
    if d.significant_change:
        return "▲ rise"
    return "n.s."


def differences_view(
    session: Session, *, job_ids: Sequence[int], baseline: int | None
) -> dict[str, Any]:
    """Per-group differences of every other audit against the baseline, paired by sentence."""
    briefs = audit_briefs(session, job_ids)
    jobs = [j for j in job_ids if j in briefs]
    if baseline not in briefs:
        baseline = jobs[0] if jobs else None
    settings = audit_settings(session, jobs)
    rows: list[dict[str, Any]] = []
    skipped: list[str] = []
    largest: dict[str, Any] | None = None
    confidence = DEFAULT_CONFIDENCE
    if baseline is not None:
        base = briefs[baseline]
        confidence = float(settings.get(baseline, {}).get("confidence", DEFAULT_CONFIDENCE))
        for job in jobs:
            if job == baseline:
                continue
            candidate = briefs[job]
            if candidate.dataset_id != base.dataset_id:
                skipped.append(
                    f"{audit_name(candidate)} was scored on {candidate.dataset_name!r}, the "
                    f"baseline on {base.dataset_name!r}: no shared sentences to pair."
                )
                continue
            for d in cached_differences(session, base, candidate, settings.get(baseline, {})):
                drill = None
                if d.group != "average":
                    drill = (
                        f"/audits/{job}?"
                        + urlencode({"group": d.group, "vs": baseline, "label": "hate"})
                        + "#sentences"
                    )
                row = {
                    "candidate_job_id": job,
                    "candidate": audit_name(candidate),
                    "candidate_short": f"#{job}",
                    "group": "Average" if d.group == "average" else d.group,
                    "baseline_score": d.baseline,
                    "candidate_score": d.candidate,
                    "difference": d.difference,
                    "ci_low": d.ci_low,
                    "ci_high": d.ci_high,
                    "n_shared": d.n_shared,
                    "significant_drop": d.significant_drop,
                    "significant_change": d.significant_change,
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
    table = Table(
        "differences",
        "Differences against the baseline",
        (
            Column("candidate", "Audit", show=False),
            Column("candidate_short", "Audit", export=False, show=len(jobs) > 2),
            Column("group", "Group"),
            Column("baseline_score", "Baseline", "number", show=False),
            Column("candidate_score", "Audit score", "number", show=False),
            Column("difference", "Δ vs baseline", "number"),
            Column("interval", "95% CI", "interval", sortable=False, export=False),
            Column("ci_low", "CI low", "number", show=False),
            Column("ci_high", "CI high", "number", show=False),
            Column("n_shared", "Shared sentences", "int", show=False),
            Column("mark", "Change"),
            Column("significant_drop", "Significant drop", "bool", show=False),
            Column("significant_change", "Significant change", "bool", show=False),
            Column("sentences", "Sentences", sortable=False, export=False),
        ),
        rows,
        note=f"Paired bootstrap over the sentences both audits scored: each resample draws the "
        f"same sentences for both, so the {confidence:.0%} interval is of the change itself. "
        "▼/▲: significant drop/rise (the interval excludes 0); n.s.: not significant.",
    )
    if largest is not None and largest["difference"] is not None and largest["difference"] >= 0:
        largest = None
    return {
        "baseline": baseline,
        "baseline_name": audit_name(briefs[baseline]) if baseline is not None else None,
        "tables": {"differences": table},
        "skipped": skipped,
        "largest_drop": largest,
        "differences_query": urlencode(
            [("job", j) for j in jobs] + ([("baseline", baseline)] if baseline else [])
        ),
    }

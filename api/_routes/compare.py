"""/api/compare: audits' group scores side by side, with paired differences."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query, status

from api._convert import audit_public
from api._deps import SessionDep, read_access
from api._schemas import (
    CompareGroup,
    ComparePair,
    ComparePublic,
    CompareScore,
    DifferencePublic,
)
from db import AuditJob, JobStatus, get_audit, load_scored_rows, paired_scored_sentences

router = APIRouter(tags=["compare"])

MAX_AUDITS = 10


def _bad_audits(message: str) -> HTTPException:
    return HTTPException(status.HTTP_422_UNPROCESSABLE_CONTENT, f"audits: {message}")


def _parse_ids(raw: str) -> list[int]:
    parts = [part.strip() for part in raw.split(",") if part.strip()]
    if not all(part.isascii() and part.isdigit() and int(part) < 2**31 for part in parts):
        raise _bad_audits(f"expected comma-separated audit ids, got {raw!r}")
    ids = [int(part) for part in parts]
    if not 2 <= len(ids) <= MAX_AUDITS:
        raise _bad_audits(f"give between 2 and {MAX_AUDITS} audit ids, got {len(ids)}")
    if len(set(ids)) != len(ids):
        raise _bad_audits("an audit id is repeated")
    return ids


def _load(session: SessionDep, ids: list[int]) -> list[AuditJob]:
    jobs = []
    for audit_id in ids:
        job = get_audit(session, audit_id)
        if job is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"no audit {audit_id}")
        if job.status is not JobStatus.succeeded or not job.results:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"audit {audit_id} is {job.status.value}; only succeeded audits can be compared",
            )
        jobs.append(job)
    if len({job.dataset.sha256 for job in jobs}) > 1:
        raise _bad_audits("the audits ran on different data sets, so no sentences are shared")
    return jobs


def _side_by_side(jobs: list[AuditJob]) -> list[CompareGroup]:
    per_job: list[dict[str, dict[str, Any]]] = []
    for job in jobs:
        scores = (job.results or {}).get("scores", {})
        groups = {g["group"]: g for g in scores.get("groups", [])}
        groups["average"] = {
            "score": scores.get("average"),
            "ci_low": scores.get("average_ci_low"),
            "ci_high": scores.get("average_ci_high"),
        }
        per_job.append(groups)
    names = sorted({name for groups in per_job for name in groups} - {"average"})
    out = []
    for name in [*names, "average"]:
        entries = []
        for job, groups in zip(jobs, per_job, strict=True):
            group = groups.get(name, {})
            entries.append(
                CompareScore(
                    audit_id=job.id,
                    score=group.get("score"),
                    ci_low=group.get("ci_low"),
                    ci_high=group.get("ci_high"),
                    p_value=group.get("p_value"),
                    significant=bool(group.get("significant", False)),
                )
            )
        out.append(CompareGroup(group=name, scores=entries))
    return out


@router.get("/compare", dependencies=[Depends(read_access)], summary="Compare audits")
def compare(
    session: SessionDep,
    audits: Annotated[
        str,
        Query(
            max_length=200,
            description="comma-separated audit ids; the first is the baseline",
            examples=["1,2"],
        ),
    ],
    resamples: Annotated[int, Query(ge=1, le=10_000)] = 1000,
    seed: Annotated[int, Query(ge=0, le=2**32 - 1)] = 0,
) -> ComparePublic:
    """Per-group scores of each audit, and each later audit's paired bootstrap difference
    from the first over the sentences both scored."""
    from audit.scoring import DEFAULT_CONFIDENCE, paired_differences

    jobs = _load(session, _parse_ids(audits))
    baseline = jobs[0]
    confidence = float(
        (baseline.results or {}).get("scores", {}).get("confidence") or DEFAULT_CONFIDENCE
    )
    pairs = []
    for candidate in jobs[1:]:
        if candidate.dataset_id == baseline.dataset_id:
            rows = paired_scored_sentences(session, baseline.dataset_id, baseline.id, candidate.id)
        else:
            # Different data sets still pair the sentences whose ids they share.
            rows = load_scored_rows(session, baseline.id), load_scored_rows(session, candidate.id)
        differences = paired_differences(
            *rows,
            confidence=confidence,
            n_resamples=resamples,
            seed=seed,
        )
        pairs.append(
            ComparePair(
                baseline_id=baseline.id,
                candidate_id=candidate.id,
                differences=[DifferencePublic.model_validate(d.to_dict()) for d in differences],
            )
        )
    return ComparePublic(
        audits=[audit_public(job) for job in jobs], groups=_side_by_side(jobs), pairs=pairs
    )

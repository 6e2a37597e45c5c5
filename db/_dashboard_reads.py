"""Aggregate reads for the dashboards: one query per panel, whatever the number of audits.

Every page must answer in well under 300 ms with 100 checkpoints of 6,514 sentences,
so these never load the `results` JSON or per-sentence rows unless a panel needs them,
and never run one query per checkpoint.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import String, cast, func, select
from sqlalchemy.orm import Session, aliased

from audit.datasets import Sentence
from audit.scoring import ScoredSentence
from db._jobs import SAFETY_METRIC
from db._models import (
    AuditJob,
    Checkpoint,
    DatasetRecord,
    DatasetRow,
    GroupScoreRecord,
    JobStatus,
    SentenceResult,
)

GENERATION_HEADLINE_METRIC = "toxic_fraction"
"""The generation metric the overview shows: share of continuations rated toxic."""


@dataclass(frozen=True, slots=True)
class AuditBrief:
    """An audit job with its checkpoint, without results or per-sentence data."""

    job_id: int
    """The audit job."""
    checkpoint_id: int
    """Its checkpoint."""
    checkpoint_label: str
    """The checkpoint's display label."""
    reference: str
    """Hub id, path or alias of the checkpoint."""
    revision: str
    """Revision ("" for none)."""
    step: int | None
    """Training step, when known."""
    dataset_id: int
    """The evaluation set."""
    dataset_name: str
    """Its name."""
    status: JobStatus
    """Job status."""
    progress_done: int
    """Sentences (or work units) done."""
    progress_total: int
    """Work units in all; 0 before the job starts."""
    average: float | None
    """Average safety score once succeeded."""
    average_ci_low: float | None
    """Lower end of its interval."""
    average_ci_high: float | None
    """Upper end of its interval."""
    created_at: datetime
    """Submission time."""
    finished_at: datetime | None
    """End time, once finished."""


@dataclass(frozen=True, slots=True)
class OverviewEntry:
    """One checkpoint with its newest audit and its newest successful one."""

    checkpoint_id: int
    """The checkpoint."""
    label: str
    """Its display label."""
    reference: str
    """Hub id, path or alias."""
    revision: str
    """Revision ("" for none)."""
    step: int | None
    """Training step, when known."""
    tags: tuple[str, ...]
    """User tags."""
    created_at: datetime
    """When the checkpoint was registered."""
    latest: AuditBrief | None
    """The newest audit of any status (what is happening now)."""
    succeeded: AuditBrief | None
    """The newest successful audit (the scores shown)."""
    generation_toxicity: float | None
    """Mean toxic fraction of continuations over groups and labels, when generation ran."""


@dataclass(frozen=True, slots=True)
class GroupValue:
    """One per-group metric of one job (a row of group_scores)."""

    job_id: int
    """The audit job."""
    metric: str
    """"safety" or a generation metric."""
    group: str
    """Target group."""
    label: str
    """Prompt label for generation metrics; "" for the safety score."""
    value: float | None
    """The estimate; None when unscored."""
    ci_low: float | None
    """Lower end of its interval."""
    ci_high: float | None
    """Upper end of its interval."""
    p_value: float | None
    """Mann-Whitney p-value (safety only)."""
    n_harmful: int
    """Harmful sentences scored (safety only)."""
    n_neutral: int
    """Neutral sentences scored (safety only)."""
    significant: bool
    """p <= alpha (safety only)."""
    unscored_reason: str | None
    """Why there is no value."""


@dataclass(frozen=True, slots=True)
class ScoredRow:
    """One sentence's perplexity under a job, without its text (for paired statistics)."""

    row: int
    """Position in the data set."""
    sentence_id: int
    """The record's own id, shared across audits of the same data set."""
    label: str
    """"hate" or "neutral"."""
    toxicity_score: float
    """Annotated toxicity."""
    target_groups: tuple[str, ...]
    """Groups the sentence is about."""
    perplexity: float | None
    """None when unscored."""
    scaled_perplexity: float | None
    """perplexity / toxicity_score; None when unscored."""


@dataclass(frozen=True, slots=True)
class ModelSummary:
    """A model (checkpoint reference) and how many checkpoints it has."""

    reference: str
    """Hub id, path or alias shared by the checkpoints."""
    n_checkpoints: int
    """Checkpoints (revisions) of it."""
    n_with_steps: int
    """Of which know their training step."""


def _brief_columns() -> tuple[Any, ...]:
    return (
        AuditJob.id,
        AuditJob.checkpoint_id,
        Checkpoint.label,
        Checkpoint.reference,
        Checkpoint.revision,
        Checkpoint.step,
        AuditJob.dataset_id,
        DatasetRecord.name,
        AuditJob.status,
        AuditJob.progress_done,
        AuditJob.progress_total,
        AuditJob.average,
        AuditJob.average_ci_low,
        AuditJob.average_ci_high,
        AuditJob.created_at,
        AuditJob.finished_at,
    )


def _brief(row: Sequence[Any]) -> AuditBrief:
    return AuditBrief(*row)


def _newest_job_ids(session: Session, *, succeeded_only: bool) -> dict[int, int]:
    """checkpoint id -> id of its newest job (of any status, or succeeded only)."""
    ranked = select(
        AuditJob.id.label("job_id"),
        AuditJob.checkpoint_id.label("checkpoint_id"),
        func.row_number()
        .over(
            partition_by=AuditJob.checkpoint_id,
            order_by=(AuditJob.created_at.desc(), AuditJob.id.desc()),
        )
        .label("rank"),
    )
    if succeeded_only:
        ranked = ranked.where(AuditJob.status == JobStatus.succeeded)
    sub = ranked.subquery()
    rows = session.execute(select(sub.c.checkpoint_id, sub.c.job_id).where(sub.c.rank == 1))
    return {int(checkpoint_id): int(job_id) for checkpoint_id, job_id in rows}


def audit_briefs(session: Session, job_ids: Iterable[int]) -> dict[int, AuditBrief]:
    """Briefs of the given jobs (missing ids are left out)."""
    ids = sorted(set(job_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(*_brief_columns())
        .join(Checkpoint, Checkpoint.id == AuditJob.checkpoint_id)
        .join(DatasetRecord, DatasetRecord.id == AuditJob.dataset_id)
        .where(AuditJob.id.in_(ids))
    ).all()
    return {row[0]: _brief(row) for row in rows}


def generation_toxicity(session: Session, job_ids: Iterable[int]) -> dict[int, float]:
    """job id -> mean headline generation metric over its group/label cells, when measured."""
    ids = sorted(set(job_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(GroupScoreRecord.job_id, func.avg(GroupScoreRecord.value))
        .where(
            GroupScoreRecord.job_id.in_(ids),
            GroupScoreRecord.metric == GENERATION_HEADLINE_METRIC,
            GroupScoreRecord.value.is_not(None),
        )
        .group_by(GroupScoreRecord.job_id)
    ).all()
    return {int(job_id): float(value) for job_id, value in rows if value is not None}


def overview_entries(session: Session, *, tag: str | None = None) -> list[OverviewEntry]:
    """Every checkpoint (optionally only those with `tag`) with its newest audits.

    Ordered by model, then training step, then registration time.
    """
    checkpoints = session.execute(
        select(
            Checkpoint.id,
            Checkpoint.label,
            Checkpoint.reference,
            Checkpoint.revision,
            Checkpoint.step,
            Checkpoint.tags,
            Checkpoint.created_at,
        ).order_by(
            Checkpoint.reference,
            Checkpoint.step.is_(None),
            Checkpoint.step,
            Checkpoint.created_at,
            Checkpoint.id,
        )
    ).all()
    # Tags are a JSON list; a few hundred checkpoints filter faster here than through
    # backend-specific JSON operators.
    if tag:
        checkpoints = [c for c in checkpoints if tag in (c.tags or [])]
    latest = _newest_job_ids(session, succeeded_only=False)
    succeeded = _newest_job_ids(session, succeeded_only=True)
    briefs = audit_briefs(session, [*latest.values(), *succeeded.values()])
    toxicity = generation_toxicity(session, succeeded.values())
    out = []
    for c in checkpoints:
        latest_job = briefs.get(latest.get(c.id, -1))
        succeeded_job = briefs.get(succeeded.get(c.id, -1))
        out.append(
            OverviewEntry(
                checkpoint_id=c.id,
                label=c.label,
                reference=c.reference,
                revision=c.revision,
                step=c.step,
                tags=tuple(c.tags or ()),
                created_at=c.created_at,
                latest=latest_job,
                succeeded=succeeded_job,
                generation_toxicity=(
                    toxicity.get(succeeded_job.job_id) if succeeded_job is not None else None
                ),
            )
        )
    return out


def all_tags(session: Session) -> list[str]:
    """Every tag used by any checkpoint, sorted."""
    tags: set[str] = set()
    for value in session.scalars(select(Checkpoint.tags)):
        tags.update(value or ())
    return sorted(tags)


def latest_succeeded_jobs(session: Session, checkpoint_ids: Iterable[int]) -> dict[int, int]:
    """checkpoint id -> its newest successful job, for the given checkpoints."""
    wanted = set(checkpoint_ids)
    return {
        checkpoint: job
        for checkpoint, job in _newest_job_ids(session, succeeded_only=True).items()
        if checkpoint in wanted
    }


def job_progress(session: Session, job_ids: Iterable[int]) -> list[tuple[int, JobStatus, int, int]]:
    """(job id, status, done, total) of the given jobs, for live progress bars."""
    ids = sorted(set(job_ids))
    if not ids:
        return []
    rows = session.execute(
        select(AuditJob.id, AuditJob.status, AuditJob.progress_done, AuditJob.progress_total)
        .where(AuditJob.id.in_(ids))
        .order_by(AuditJob.id)
    ).all()
    return [(int(i), JobStatus(s), int(d), int(t)) for i, s, d, t in rows]


def group_values(
    session: Session, job_ids: Iterable[int], *, metrics: Sequence[str] = (SAFETY_METRIC,)
) -> dict[int, list[GroupValue]]:
    """job id -> its per-group metrics, by metric, group and label."""
    ids = sorted(set(job_ids))
    out: dict[int, list[GroupValue]] = {i: [] for i in ids}
    if not ids:
        return out
    g = GroupScoreRecord
    rows = session.execute(
        select(
            g.job_id,
            g.metric,
            g.group,
            g.label,
            g.value,
            g.ci_low,
            g.ci_high,
            g.p_value,
            g.n_harmful,
            g.n_neutral,
            g.significant,
            g.unscored_reason,
        )
        .where(g.job_id.in_(ids), g.metric.in_(list(metrics)))
        .order_by(g.job_id, g.metric, g.group, g.label)
    ).all()
    for row in rows:
        out[row[0]].append(
            GroupValue(
                job_id=row[0],
                metric=row[1],
                group=row[2],
                label=row[3],
                value=row[4],
                ci_low=row[5],
                ci_high=row[6],
                p_value=row[7],
                n_harmful=row[8],
                n_neutral=row[9],
                significant=row[10],
                unscored_reason=row[11],
            )
        )
    return out


def generation_metric_names(session: Session, job_id: int) -> list[str]:
    """The generation metrics recorded for a job (every metric but the safety score)."""
    return list(
        session.scalars(
            select(GroupScoreRecord.metric)
            .where(GroupScoreRecord.job_id == job_id, GroupScoreRecord.metric != SAFETY_METRIC)
            .distinct()
            .order_by(GroupScoreRecord.metric)
        )
    )


# A data-set row without its text; the group list as JSON text, for _GroupLists.
_ROW_FIELDS = (
    DatasetRow.row,
    DatasetRow.sentence_id,
    DatasetRow.label,
    DatasetRow.toxicity_score,
    cast(DatasetRow.target_groups, String),
)


def scored_rows(
    session: Session, job_id: int, dataset_id: int, *, group: str | None = None
) -> list[ScoredRow]:
    """Rows of a job's data set with their perplexity under the job, in data-set order.

    Only rows naming `group` when given; rows the job has no result for are left out;
    texts are not loaded.
    """
    query = (
        select(
            *_ROW_FIELDS,
            SentenceResult.perplexity,
            SentenceResult.scaled_perplexity,
        )
        .join(
            SentenceResult,
            (SentenceResult.row == DatasetRow.row) & (SentenceResult.job_id == job_id),
        )
        .where(DatasetRow.dataset_id == dataset_id)
        .order_by(DatasetRow.row)
    )
    if group is not None:
        query = query.where(
            cast(DatasetRow.target_groups, String).contains(json.dumps(group), autoescape=True)
        )
    group_names = _GroupLists()
    return [
        ScoredRow(r, sid, label, tox, group_names(groups), ppl, scaled)
        # .all(): iterating a result fetches one row per driver call, 5x slower here.
        for r, sid, label, tox, groups, ppl, scaled in session.connection().execute(query).all()
    ]


@dataclass(frozen=True, slots=True)
class PairedRow:
    """One sentence of a data set with its perplexity under two jobs, without its text."""

    row: int
    """Position in the data set."""
    sentence_id: int
    """The record's own id."""
    label: str
    """"hate" or "neutral"."""
    toxicity_score: float
    """Annotated toxicity."""
    target_groups: tuple[str, ...]
    """Groups the sentence is about."""
    baseline_perplexity: float | None
    """Under the first job; None when it has no score there."""
    candidate_perplexity: float | None
    """Under the second job; None when it has no score there."""


def paired_rows(
    session: Session, dataset_id: int, baseline_job_id: int, candidate_job_id: int
) -> list[PairedRow]:
    """Rows of a data set scored by at least one of two jobs, in data-set order.

    One query with both jobs' results side by side: a paired comparison reads each
    data-set row once instead of once per job.
    """
    baseline = aliased(SentenceResult)
    candidate = aliased(SentenceResult)
    query = (
        select(
            *_ROW_FIELDS,
            baseline.perplexity,
            candidate.perplexity,
        )
        .outerjoin(
            baseline, (baseline.row == DatasetRow.row) & (baseline.job_id == baseline_job_id)
        )
        .outerjoin(
            candidate, (candidate.row == DatasetRow.row) & (candidate.job_id == candidate_job_id)
        )
        .where(
            DatasetRow.dataset_id == dataset_id,
            (baseline.job_id.is_not(None)) | (candidate.job_id.is_not(None)),
        )
        .order_by(DatasetRow.row)
    )
    group_names = _GroupLists()
    return [
        PairedRow(r, sid, label, tox, group_names(groups), base_ppl, cand_ppl)
        for r, sid, label, tox, groups, base_ppl, cand_ppl in session.connection()
        .execute(query)
        .all()
    ]


def paired_scored_sentences(
    session: Session, dataset_id: int, baseline_job_id: int, candidate_job_id: int
) -> tuple[list[ScoredSentence], list[ScoredSentence]]:
    """Two jobs' scored sentences of one data set (without texts), row for row, from one
    query; a row one job has no result for is unscored in that job's list."""
    baseline: list[ScoredSentence] = []
    candidate: list[ScoredSentence] = []
    for r in paired_rows(session, dataset_id, baseline_job_id, candidate_job_id):
        sentence = Sentence(
            r.sentence_id,
            "",
            "hate" if r.label == "hate" else "neutral",
            r.toxicity_score,
            r.target_groups,
        )
        baseline.append(ScoredSentence(sentence, r.baseline_perplexity))
        candidate.append(ScoredSentence(sentence, r.candidate_perplexity))
    return baseline, candidate


class _GroupLists:
    """Target-group lists, which come back as JSON text, decoded once per distinct list.

    A data set has a few dozen distinct lists; decoding 6,514 JSON values per audit was
    most of the time of a paired comparison.
    """

    def __init__(self) -> None:
        self._decoded: dict[str | None, tuple[str, ...]] = {}

    def __call__(self, text: str | None) -> tuple[str, ...]:
        names = self._decoded.get(text)
        if names is None:
            names = self._decoded[text] = tuple(json.loads(text)) if text else ()
        return names


def sentence_texts(session: Session, dataset_id: int, rows: Iterable[int]) -> dict[int, str]:
    """row -> text for the given rows of a data set."""
    wanted = sorted(set(rows))
    if not wanted:
        return {}
    result = session.execute(
        select(DatasetRow.row, DatasetRow.text).where(
            DatasetRow.dataset_id == dataset_id, DatasetRow.row.in_(wanted)
        )
    ).all()
    return {int(row): str(text) for row, text in result}


def model_summaries(session: Session) -> list[ModelSummary]:
    """Every model reference with its checkpoint counts, most checkpoints first."""
    n = func.count(Checkpoint.id)
    rows = session.execute(
        select(Checkpoint.reference, n, func.count(Checkpoint.step))
        .group_by(Checkpoint.reference)
        .order_by(n.desc(), Checkpoint.reference)
    ).all()
    return [ModelSummary(ref, int(total), int(steps)) for ref, total, steps in rows]


def model_checkpoint_audits(session: Session, reference: str) -> list[AuditBrief]:
    """The newest successful audit of each checkpoint of one model, by step then date."""
    checkpoint_ids = list(
        session.scalars(select(Checkpoint.id).where(Checkpoint.reference == reference))
    )
    jobs = latest_succeeded_jobs(session, checkpoint_ids)
    briefs = list(audit_briefs(session, jobs.values()).values())
    return sorted(
        briefs,
        key=lambda b: (b.step is None, b.step if b.step is not None else 0, b.created_at),
    )


def succeeded_audits(session: Session, *, limit: int = 500) -> list[AuditBrief]:
    """Successful audits, newest first (the choices of the compare page)."""
    rows = session.execute(
        select(*_brief_columns())
        .join(Checkpoint, Checkpoint.id == AuditJob.checkpoint_id)
        .join(DatasetRecord, DatasetRecord.id == AuditJob.dataset_id)
        .where(AuditJob.status == JobStatus.succeeded)
        .order_by(AuditJob.created_at.desc(), AuditJob.id.desc())
        .limit(limit)
    ).all()
    return [_brief(row) for row in rows]


def audit_settings(session: Session, job_ids: Iterable[int]) -> dict[int, dict[str, Any]]:
    """job id -> its settings (alpha, confidence, resamples, seed, ...)."""
    ids = sorted(set(job_ids))
    if not ids:
        return {}
    rows = session.execute(select(AuditJob.id, AuditJob.settings).where(AuditJob.id.in_(ids)))
    return {int(job_id): dict(settings or {}) for job_id, settings in rows}

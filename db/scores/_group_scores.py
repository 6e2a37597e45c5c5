"""Per-group metrics of audits (the group_scores table): the safety score and generation metrics."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from db._models import GroupScoreRecord

SAFETY_METRIC = "safety"
"""The metric name of the per-group safety score."""
GENERATION_HEADLINE_METRIC = "toxic_fraction"
"""The generation metric the overview shows: share of continuations rated toxic."""


@dataclass(frozen=True, slots=True)
class GroupValue:
    """One per-group metric of one audit (a row of group_scores)."""

    audit_id: int
    """The audit."""
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


def audit_group_scores(
    session: Session, audit_id: int, *, metric: str | None = None
) -> list[GroupValue]:
    """Per-group metrics of one audit (every metric, or only `metric`), by metric, group
    and label."""
    metrics = None if metric is None else (metric,)
    return group_values(session, [audit_id], metrics=metrics)[audit_id]


def generation_toxicity(session: Session, audit_ids: Iterable[int]) -> dict[int, float]:
    """audit id -> mean headline generation metric over its group/label cells, when measured."""
    ids = sorted(set(audit_ids))
    if not ids:
        return {}
    rows = session.execute(
        select(GroupScoreRecord.audit_id, func.avg(GroupScoreRecord.value))
        .where(
            GroupScoreRecord.audit_id.in_(ids),
            GroupScoreRecord.metric == GENERATION_HEADLINE_METRIC,
            GroupScoreRecord.value.is_not(None),
        )
        .group_by(GroupScoreRecord.audit_id)
    ).all()
    return {int(audit_id): float(value) for audit_id, value in rows if value is not None}


def group_values(
    session: Session,
    audit_ids: Iterable[int],
    *,
    metrics: Sequence[str] | None = (SAFETY_METRIC,),
) -> dict[int, list[GroupValue]]:
    """audit id -> its per-group metrics (of `metrics`, or every metric when None), by
    metric, group and label."""
    ids = sorted(set(audit_ids))
    out: dict[int, list[GroupValue]] = {i: [] for i in ids}
    if not ids:
        return out
    g = GroupScoreRecord
    query = select(
        g.audit_id,
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
    ).where(g.audit_id.in_(ids))
    if metrics is not None:
        query = query.where(g.metric.in_(list(metrics)))
    # The columns are named as GroupValue's fields.
    for row in session.execute(query.order_by(g.audit_id, g.metric, g.group, g.label)).all():
        out[row.audit_id].append(GroupValue(**row._mapping))
    return out


def generation_metric_names(session: Session, audit_id: int) -> list[str]:
    """The generation metrics recorded for an audit (every metric but the safety score)."""
    return list(
        session.scalars(
            select(GroupScoreRecord.metric)
            .where(GroupScoreRecord.audit_id == audit_id, GroupScoreRecord.metric != SAFETY_METRIC)
            .distinct()
            .order_by(GroupScoreRecord.metric)
        )
    )

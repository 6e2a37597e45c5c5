"""The generation audit of an audit in the database: continuations and metric rows.

Continuations are upserted keyed on audit, group, label, prompt and sample; metrics
replace the audit's earlier generation rows; so recording the same audit again (a
redelivered stage) writes nothing twice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from db._models import GenerationResult, GroupScoreRecord
from db._query import Page, count_rows, upsert_insert
from db.scores import SAFETY_METRIC

if TYPE_CHECKING:
    from audit.generation import GenerationAudit

GENERATION_METRIC_NAMES: tuple[str, ...] = (
    "mean_toxicity",
    "toxic_fraction",
    "expected_max_toxicity",
    "toxicity_probability",
)


def record_generation(
    session: Session, audit_id: int, generated: GenerationAudit
) -> dict[str, Any]:
    """Upsert the continuations and replace the generation metrics; the results section."""
    rows = [
        {
            "audit_id": audit_id,
            "group": r.group,
            "label": r.label,
            "prompt_index": r.prompt_index,
            "sample_index": r.sample_index,
            "prompt": r.prompt,
            "continuation": r.continuation,
            "scores": dict(r.scores) if r.scores is not None else {},
            "toxicity": r.toxicity,
            "unscored_reason": r.unscored_reason,
            "categories": None if r.categories is None else list(r.categories),
            "classifier_scores": {
                v.classifier: {
                    "toxicity": v.toxicity,
                    "unscored_reason": v.unscored_reason,
                    "categories": None if v.categories is None else list(v.categories),
                }
                for v in r.by_classifier
            }
            or None,
        }
        for r in generated.records
    ]
    if rows:
        session.execute(
            upsert_insert(session, GenerationResult)
            .values(rows)
            .on_conflict_do_nothing(
                index_elements=["audit_id", "group", "label", "prompt_index", "sample_index"]
            )
        )
    session.execute(
        delete(GroupScoreRecord).where(
            GroupScoreRecord.audit_id == audit_id, GroupScoreRecord.metric != SAFETY_METRIC
        )
    )
    metrics = []
    for cell in generated.metrics:
        for name in GENERATION_METRIC_NAMES:
            estimate = getattr(cell, name)
            metrics.append(
                {
                    "audit_id": audit_id,
                    "metric": name,
                    "group": cell.group,
                    "label": cell.label,
                    "value": None if estimate is None else estimate.value,
                    "ci_low": None if estimate is None else estimate.ci_low,
                    "ci_high": None if estimate is None else estimate.ci_high,
                    "p_value": None,
                    # Scored continuations, counted under the prompt's label.
                    "n_harmful": cell.n_scored if cell.label == "hate" else 0,
                    "n_neutral": cell.n_scored if cell.label == "neutral" else 0,
                    "significant": False,
                    "unscored_reason": cell.unscored_reason,
                }
            )
    if metrics:
        session.execute(upsert_insert(session, GroupScoreRecord), metrics)
    return generated.to_dict()


def list_generations(
    session: Session,
    audit_id: int,
    *,
    group: str | None = None,
    label: str | None = None,
    limit: int = 50,
    offset: int = 0,
) -> Page[GenerationResult]:
    """An audit's continuations, most toxic first (unscored last)."""
    query = select(GenerationResult).where(GenerationResult.audit_id == audit_id)
    if group is not None:
        query = query.where(GenerationResult.group == group)
    if label is not None:
        query = query.where(GenerationResult.label == label)
    total = count_rows(session, query)
    toxicity = GenerationResult.toxicity
    rows = session.scalars(
        query.order_by(
            toxicity.is_(None),
            toxicity.desc(),
            GenerationResult.group,
            GenerationResult.label,
            GenerationResult.prompt_index,
            GenerationResult.sample_index,
        )
        .limit(limit)
        .offset(offset)
    ).all()
    return Page(list(rows), total)

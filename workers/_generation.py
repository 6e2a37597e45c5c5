"""The generation stage of a job: the options of `settings.generation` to audit.generation.

A job whose settings carry a `generation` section asks for continuations, classifier
scores and generation metrics on top of the safety score. The stage runs with the
aggregation, on the `gpu` queue (it needs the model): rows are upserted keyed on job,
group, label, prompt and sample, metrics replace the job's earlier generation rows, so
a redelivered stage writes nothing twice. Its section joins the job's results.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

from sqlalchemy import delete
from sqlalchemy.orm import Session

from db import SAFETY_METRIC, GenerationResult, GroupScoreRecord
from db._submit import _upsert_insert

if TYPE_CHECKING:
    from audit.generation import GenerationAudit

METRICS: tuple[str, ...] = (
    "mean_toxicity",
    "toxic_fraction",
    "expected_max_toxicity",
    "toxicity_probability",
)


def generation_requested(settings: Mapping[str, Any]) -> bool:
    """The job's settings ask for a generation audit."""
    return bool(settings.get("generation"))


def record_generation(session: Session, job_id: int, audit: GenerationAudit) -> dict[str, Any]:
    """Upsert the continuations and replace the generation metrics; the results section."""
    rows = [
        {
            "job_id": job_id,
            "group": r.group,
            "label": r.label,
            "prompt_index": r.prompt_index,
            "sample_index": r.sample_index,
            "prompt": r.prompt,
            "continuation": r.continuation,
            "scores": dict(r.scores) if r.scores is not None else {},
            "toxicity": r.toxicity,
            "unscored_reason": r.unscored_reason,
        }
        for r in audit.records
    ]
    if rows:
        session.execute(
            _upsert_insert(session, GenerationResult)
            .values(rows)
            .on_conflict_do_nothing(
                index_elements=["job_id", "group", "label", "prompt_index", "sample_index"]
            )
        )
    session.execute(
        delete(GroupScoreRecord).where(
            GroupScoreRecord.job_id == job_id, GroupScoreRecord.metric != SAFETY_METRIC
        )
    )
    metrics = []
    for cell in audit.metrics:
        for name in METRICS:
            estimate = getattr(cell, name)
            metrics.append(
                {
                    "job_id": job_id,
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
        session.execute(_upsert_insert(session, GroupScoreRecord), metrics)
    return audit.to_dict()

"""Recording an audit that ran outside the service (`toxaudit run --store`)."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from sqlalchemy.orm import Session

from audit.datasets import Dataset
from audit.pipeline import normalize_settings, settings_hash
from audit.results import AuditResult
from audit.scoring import ScoredSentence
from db._models import Audit
from db.audits._generations import record_generation
from db.audits._lifecycle import finalize_audit, record_chunk, record_model, start_audit
from db.audits._submit import (
    find_reusable_audit,
    get_or_create_checkpoint,
    get_or_create_dataset,
    submit_audit,
)

if TYPE_CHECKING:
    from audit.generation import GenerationAudit


def record_local_run(
    session: Session,
    *,
    result: AuditResult,
    rows: Sequence[ScoredSentence],
    dataset: Dataset,
    settings: dict[str, Any],
    step: int | None = None,
    tags: Sequence[str] = (),
    generation: GenerationAudit | None = None,
    record_reuse: bool = True,
) -> tuple[Audit, bool]:
    """Store a finished local run as a succeeded audit, exactly as a worker would have,
    with its generation audit's continuations and metrics when it ran one.

    Goes through the same submit, chunk and finalize steps as the service, so the
    dashboards and the API cannot tell the two apart. Returns (audit, reused): an
    identical audit already stored is not stored twice: it is recorded as reused, as a
    submission is, or with `record_reuse` False (a resumed sweep) returned as it is.
    """
    spec = result.model.get("spec", {})
    model, revision = str(spec.get("reference", result.name)), spec.get("revision")
    if not record_reuse:
        # The identical audit itself, not a reused copy of it: a sweep resumed with
        # --store again adds no audit (and no second point per checkpoint to a trend).
        checkpoint = get_or_create_checkpoint(
            session, model=model, revision=revision, label=result.name, step=step, tags=tags
        )
        twin = find_reusable_audit(
            session,
            checkpoint_id=checkpoint.id,
            dataset_id=get_or_create_dataset(session, dataset).id,
            settings_digest=settings_hash(normalize_settings(settings)),
        )
        if twin is not None:
            return twin, True
    audit, reused = submit_audit(
        session,
        model=model,
        revision=revision,
        label=result.name,
        step=step,
        tags=tags,
        dataset=dataset,
        settings=settings,
    )
    if reused:
        return audit, True
    start_audit(session, audit.id, worker="toxaudit run (local)")
    record_model(
        session,
        audit.id,
        model_info=dict(result.model),
        device=str(result.model.get("device", "")),
        software=dict(result.software),
        batch_tokens=result.settings.batch_tokens,
    )
    record_chunk(session, audit.id, 0, rows)
    if generation is not None:
        record_generation(session, audit.id, generation)
    finalize_audit(session, audit.id, result)
    session.refresh(audit)
    return audit, False

"""The last step of an audit: statistics over the recorded rows, and the generation stage.

Refused once the audit has ended, so a repeated aggregation (a redelivered task) changes
nothing; see workers/_steps.py for how the chunks trigger it.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from db import (
    ACTIVE_STATUSES,
    Audit,
    finalize_audit,
    load_audit_dataset,
    load_scored_rows,
    lock_audit,
    normalize_settings,
    record_generation,
    utcnow,
)
from workers._generation import generation_requested
from workers._model_cache import ModelCache
from workers._steps import SessionFactory, model_failure, model_spec, record_failure

logger = logging.getLogger(__name__)


def _seconds(later: datetime | None, earlier: datetime | None) -> float:
    if later is None or earlier is None:
        return 0.0
    # SQLite hands back naive datetimes; both were written in UTC.
    if (later.tzinfo is None) != (earlier.tzinfo is None):
        later, earlier = later.replace(tzinfo=None), earlier.replace(tzinfo=None)
    return max(0.0, (later - earlier).total_seconds())


def aggregate_audit(
    session_factory: SessionFactory, audit_id: int, *, models: ModelCache | None = None
) -> bool:
    """Statistics over the recorded rows, and the generation stage when the audit asks for
    it (then `models` is needed); True if this call finished the audit."""
    from audit.pipeline import AuditOptions, build_result, recorded_batch_tokens

    with session_factory() as session:
        audit = session.get(Audit, audit_id)
        if audit is None or audit.status not in ACTIVE_STATUSES:
            return False
        rows = load_scored_rows(session, audit_id)
        if len(rows) < audit.progress_total:
            # Enqueued by a stale count (cannot happen under the row lock); the last
            # chunk will enqueue the aggregation again.
            logger.warning(
                "audit %s: aggregation with %d rows missing",
                audit_id,
                audit.progress_total - len(rows),
            )
            return False
        dataset = load_audit_dataset(session, audit)
        settings = normalize_settings(audit.settings)
        options = AuditOptions(
            alpha=float(settings["alpha"]),
            confidence=float(settings["confidence"]),
            n_resamples=int(settings["n_resamples"]),
            seed=int(settings["seed"]),
            batch_tokens=settings.get("batch_tokens"),
            limit=settings.get("limit"),
        )
        budget = recorded_batch_tokens(options.batch_tokens, audit.device, used=audit.batch_tokens)
        now = utcnow()
        scoring = _seconds(now, audit.started_at)
        result = build_result(
            name=audit.checkpoint.label,
            loaded_info=dict(audit.model_info),
            dataset=dataset,
            rows=rows,
            options=options,
            batch_tokens=budget,
            timings={
                "queued_seconds": _seconds(audit.started_at, audit.created_at),
                "perplexity_seconds": scoring,
                "sentences_per_second": len(rows) / scoring if scoring > 0 else 0.0,
            },
            truncated=sum(1 for row in rows if row.truncated),
        )
        generation = settings.get("generation") if generation_requested(settings) else None
        spec = model_spec(audit)
    generated = None
    if generation is not None:
        generated = _generation_stage(session_factory, audit_id, spec, generation, options, models)
        if generated is None:
            return False
    with session_factory() as session, session.begin():
        if lock_audit(session, audit_id) not in ACTIVE_STATUSES:
            return False
        if generated is not None:
            section = record_generation(session, audit_id, generated)
            result = replace(result, extra={**result.extra, "generation": section})
        finished = finalize_audit(session, audit_id, result)
    if finished:
        logger.info("audit %s succeeded: average %s", audit_id, result.scores.average)
    return finished


def _generation_stage(
    session_factory: SessionFactory,
    audit_id: int,
    spec: Any,
    options: dict[str, Any],
    audit_options: Any,
    models: ModelCache | None,
) -> Any:
    """Run the generation audit; None (and the audit failed with its cause) if it cannot."""
    from audit.classifiers import ClassifierError
    from audit.generation import (
        GenerationOptionsError,
        generation_request,
        run_generation_request,
    )
    from audit.models import ModelLoadError

    if models is None:
        raise RuntimeError("the generation stage needs the model: run it on the gpu queue")
    try:
        request = generation_request(options)
        loaded = models.get(spec)
        if loaded.info.lm_head == "mlm":
            record_failure(
                session_factory,
                audit_id,
                "generation audit: needs a causal LM, and the model is a masked LM",
            )
            return None
        return run_generation_request(loaded, request, n_resamples=audit_options.n_resamples)
    except ModelLoadError as exc:
        record_failure(session_factory, audit_id, model_failure(exc))
    except GenerationOptionsError as exc:
        record_failure(session_factory, audit_id, f"generation audit: {exc.public_message}")
    except ClassifierError as exc:
        record_failure(session_factory, audit_id, f"generation audit: {exc}")
    return None

"""The last step of a job: statistics over the recorded rows, and the generation stage.

Refused once the job has ended, so a repeated aggregation (a redelivered task) changes
nothing; see workers/_steps.py for how the chunks trigger it.
"""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import datetime
from typing import Any

from db import (
    ACTIVE_STATUSES,
    AuditJob,
    finalize_job,
    load_job_dataset,
    load_scored_rows,
    lock_job,
    normalize_settings,
    record_generation,
    utcnow,
)
from workers._generation import generation_requested
from workers._model_cache import ModelCache
from workers._steps import SessionFactory, model_spec, record_failure

logger = logging.getLogger(__name__)


def _seconds(later: datetime | None, earlier: datetime | None) -> float:
    if later is None or earlier is None:
        return 0.0
    # SQLite hands back naive datetimes; both were written in UTC.
    if (later.tzinfo is None) != (earlier.tzinfo is None):
        later, earlier = later.replace(tzinfo=None), earlier.replace(tzinfo=None)
    return max(0.0, (later - earlier).total_seconds())


def aggregate_job(
    session_factory: SessionFactory, job_id: int, *, models: ModelCache | None = None
) -> bool:
    """Statistics over the recorded rows, and the generation stage when the job asks for
    it (then `models` is needed); True if this call finished the job."""
    from audit.pipeline import AuditOptions, build_result, recorded_batch_tokens

    with session_factory() as session:
        job = session.get(AuditJob, job_id)
        if job is None or job.status not in ACTIVE_STATUSES:
            return False
        rows = load_scored_rows(session, job_id)
        if len(rows) < job.progress_total:
            # Enqueued by a stale count (cannot happen under the row lock); the last
            # chunk will enqueue the aggregation again.
            logger.warning(
                "audit job %s: aggregation with %d rows missing",
                job_id,
                job.progress_total - len(rows),
            )
            return False
        dataset = load_job_dataset(session, job)
        settings = normalize_settings(job.settings)
        options = AuditOptions(
            alpha=float(settings["alpha"]),
            confidence=float(settings["confidence"]),
            n_resamples=int(settings["n_resamples"]),
            seed=int(settings["seed"]),
            batch_tokens=settings.get("batch_tokens"),
            limit=settings.get("limit"),
        )
        budget = recorded_batch_tokens(options.batch_tokens, job.device, used=job.batch_tokens)
        now = utcnow()
        scoring = _seconds(now, job.started_at)
        result = build_result(
            name=job.checkpoint.label,
            loaded_info=dict(job.model_info),
            dataset=dataset,
            rows=rows,
            options=options,
            batch_tokens=budget,
            timings={
                "queued_seconds": _seconds(job.started_at, job.created_at),
                "perplexity_seconds": scoring,
                "sentences_per_second": len(rows) / scoring if scoring > 0 else 0.0,
            },
            truncated=sum(1 for row in rows if row.truncated),
        )
        generation = settings.get("generation") if generation_requested(settings) else None
        spec = model_spec(job)
    audit = None
    if generation is not None:
        audit = _generation_stage(session_factory, job_id, spec, generation, options, models)
        if audit is None:
            return False
    with session_factory() as session, session.begin():
        if lock_job(session, job_id) not in ACTIVE_STATUSES:
            return False
        if audit is not None:
            section = record_generation(session, job_id, audit)
            result = replace(result, extra={**result.extra, "generation": section})
        finished = finalize_job(session, job_id, result)
    if finished:
        logger.info("audit job %s succeeded: average %s", job_id, result.scores.average)
    return finished


def _generation_stage(
    session_factory: SessionFactory,
    job_id: int,
    spec: Any,
    options: dict[str, Any],
    audit_options: Any,
    models: ModelCache | None,
) -> Any:
    """Run the generation audit; None (and the job failed with its cause) if it cannot."""
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
                job_id,
                "generation audit: needs a causal LM, and the model is a masked LM",
            )
            return None
        return run_generation_request(loaded, request, n_resamples=audit_options.n_resamples)
    except ModelLoadError as exc:
        record_failure(session_factory, job_id, f"could not load the model: {exc}")
    except GenerationOptionsError as exc:
        record_failure(session_factory, job_id, f"generation audit: {exc.public_message}")
    except ClassifierError as exc:
        record_failure(session_factory, job_id, f"generation audit: {exc}")
    return None

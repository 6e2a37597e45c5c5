"""The three steps of a job, as plain functions of ids: plan, score a chunk, aggregate.

Celery tasks and the embedded worker call these same functions. Each step reads the
job from the database again and commits before returning, so the caller enqueues
follow-up work only after the commit, and a repeated step (a redelivered task)
changes nothing: chunk rows are upserts keyed on job+row, aggregation replaces its
group rows and is refused once the job has ended.

Aggregation is triggered by a database counter, not a Celery chord: the chunk whose
commit brings the job's row count to its total enqueues the aggregation. The count
lives in the same transaction as the rows (under the job's row lock), so it survives
worker death, redelivery and a broker restart; a chord's counter lives in the result
backend, is lost with it, and counts a redelivered chunk twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sqlalchemy.orm import Session

from db import (
    ACTIVE_STATUSES,
    AuditJob,
    fail_job,
    finalize_job,
    job_status,
    load_job_dataset,
    load_job_sentences,
    load_scored_rows,
    lock_job,
    normalize_settings,
    record_chunk,
    record_generation,
    record_model,
    scored_row_numbers,
    start_job,
    utcnow,
)
from workers._generation import generation_requested
from workers._model_cache import ModelCache

logger = logging.getLogger(__name__)

SessionFactory = Callable[[], Session]


@dataclass(frozen=True, slots=True)
class Plan:
    """What a job still needs."""

    chunks: tuple[tuple[int, int], ...]
    """Row ranges [start, stop) not yet recorded."""
    aggregate: bool
    """Every row is in: only the aggregation is left."""
    generation: bool = False
    """The aggregation runs the generation stage too (it needs the model: `gpu`)."""


@dataclass(frozen=True, slots=True)
class ChunkOutcome:
    """What running one chunk did."""

    written: int
    """Rows recorded now (0 for a redelivered chunk or an ended job)."""
    complete: bool
    """This chunk's commit completed the job's rows: enqueue the aggregation."""
    skipped: str | None = None
    """Why no work was done (the job had ended), when none was."""
    generation: bool = False
    """The aggregation runs the generation stage too (it needs the model: `gpu`)."""


def plan_job(session_factory: SessionFactory, job_id: int, chunk_size: int) -> Plan:
    """The chunks of a job that are still missing; a resumed job skips recorded rows."""
    from audit.generation import GenerationOptionsError, generation_request

    with session_factory() as session:
        job = session.get(AuditJob, job_id)
        if job is None or job.status not in ACTIVE_STATUSES:
            return Plan((), aggregate=False)
        generation = generation_requested(job.settings)
        if generation:
            # Bad generation options fail the job now, before any chunk is scored.
            try:
                generation_request(job.settings["generation"])
            except GenerationOptionsError as exc:
                # Job errors are readable without a token: never a line of a prompt file.
                fail_job(session, job_id, f"generation options: {exc.public_message}")
                session.commit()
                return Plan((), aggregate=False)
        total = job.progress_total
        done = scored_row_numbers(session, job_id)
        # A chunk size asked for with the job beats the worker's default.
        chunk_size = int(job.settings.get("chunk_size") or chunk_size)
    chunks = tuple(
        (start, min(start + chunk_size, total))
        for start in range(0, total, chunk_size)
        if not done.issuperset(range(start, min(start + chunk_size, total)))
    )
    return Plan(chunks, aggregate=not chunks, generation=generation)


def _model_spec(job: AuditJob) -> Any:
    from audit.models import ModelSpec

    settings = job.settings
    return ModelSpec(
        reference=job.checkpoint.reference,
        revision=job.checkpoint.revision or None,
        device=str(settings.get("device", "auto")),
        dtype=settings.get("dtype", "auto"),
        trust_remote_code=bool(settings.get("trust_remote_code", False)),
        lm_head=settings.get("lm_head", "auto"),
        safenlp_mask_id=bool(settings.get("safenlp_mask_id", False)),
    )


def record_failure(session_factory: SessionFactory, job_id: int, cause: str) -> None:
    """Fail an active job with its cause, in a transaction of its own."""
    with session_factory() as session, session.begin():
        if fail_job(session, job_id, cause):
            logger.warning("audit job %s failed: %s", job_id, cause)


def score_chunk(
    session_factory: SessionFactory,
    job_id: int,
    start: int,
    stop: int,
    *,
    worker: str,
    models: ModelCache,
) -> ChunkOutcome:
    """Score rows [start, stop) of a job and record them; a bad model or data set fails
    the job with its cause (no retry: it would fail the same way). Every outcome is
    logged: rows written, or why the chunk did nothing."""
    from audit.datasets import DatasetError
    from audit.models import ModelLoadError
    from audit.pipeline import default_batch_tokens, score_sentences
    from audit.results import software_versions

    # The first transaction only marks the job running and reads the rows; the
    # forward passes run outside any transaction, so no lock is held while scoring.
    with session_factory() as session, session.begin():
        job = start_job(session, job_id, worker=worker)
        if job is None:
            return _skipped(job_id, start, stop, "the job has ended")
        spec = _model_spec(job)
        batch_tokens = job.settings.get("batch_tokens")
        generation = generation_requested(job.settings)
        done = scored_row_numbers(session, job_id)
        try:
            sentences = load_job_sentences(session, job, start, stop)
        except DatasetError as exc:
            fail_job(session, job_id, f"bad data set: {exc}")
            return _skipped(job_id, start, stop, "bad data set")

    rows: list[Any] = []
    if not done.issuperset(range(start, start + len(sentences))):
        try:
            loaded = models.get(spec)
        except ModelLoadError as exc:
            record_failure(session_factory, job_id, f"could not load the model: {exc}")
            return _skipped(job_id, start, stop, "model load failed")
        with session_factory() as session, session.begin():
            record_model(
                session,
                job_id,
                model_info=loaded.info.to_dict(),
                device=str(loaded.device),
                software=dict(software_versions()),
            )
        # A job cancelled while the model loaded stops here, before the forward passes.
        with session_factory() as session:
            if job_status(session, job_id) not in ACTIVE_STATUSES:
                return _skipped(job_id, start, stop, "the job has ended")
        # The budget audit.evaluate uses; aggregate_job records it (recorded_batch_tokens).
        budget = batch_tokens or default_batch_tokens(loaded)
        rows, _ = score_sentences(loaded, sentences, batch_tokens=budget, progress=False)

    with session_factory() as session, session.begin():
        write = record_chunk(session, job_id, start, rows)
    logger.info(
        "audit job %s rows %d-%d: %d written, %d/%d done",
        job_id,
        start,
        stop - 1,
        write.written,
        write.done,
        write.total,
    )
    return ChunkOutcome(write.written, complete=write.complete, generation=generation)


def _skipped(job_id: int, start: int, stop: int, reason: str) -> ChunkOutcome:
    logger.info("audit job %s rows %d-%d: skipped, %s", job_id, start, stop - 1, reason)
    return ChunkOutcome(0, complete=False, skipped=reason)


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
        budget = recorded_batch_tokens(options.batch_tokens, job.device)
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
        spec = _model_spec(job)
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

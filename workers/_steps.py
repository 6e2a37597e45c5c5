"""The steps of an audit, as plain functions of ids: plan, score a chunk (aggregate:
workers/_aggregate.py).

Celery tasks and the embedded worker call these same functions. Each step reads the
audit from the database again and commits before returning, so the caller enqueues
follow-up work only after the commit, and a repeated step (a redelivered task)
changes nothing: chunk rows are upserts keyed on audit+row, aggregation replaces its
group rows and is refused once the audit has ended.

Aggregation is triggered by a database counter, not a Celery chord: the chunk whose
commit brings the audit's row count to its total enqueues the aggregation. The count
lives in the same transaction as the rows (under the audit's row lock), so it survives
worker death, redelivery and a broker restart; a chord's counter lives in the result
backend, is lost with it, and counts a redelivered chunk twice.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy.orm import Session

from db import (
    ACTIVE_STATUSES,
    Audit,
    audit_status,
    fail_audit,
    load_audit_sentences,
    record_chunk,
    record_model,
    scored_row_numbers,
    start_audit,
)
from workers._generation import generation_requested
from workers._model_cache import ModelCache

logger = logging.getLogger(__name__)

SessionFactory = Callable[[], Session]


@dataclass(frozen=True, slots=True)
class Plan:
    """What an audit still needs."""

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
    """Rows recorded now (0 for a redelivered chunk or an ended audit)."""
    complete: bool
    """This chunk's commit completed the audit's rows: enqueue the aggregation."""
    skipped: str | None = None
    """Why no work was done (the audit had ended), when none was."""
    generation: bool = False
    """The aggregation runs the generation stage too (it needs the model: `gpu`)."""


def plan_audit(session_factory: SessionFactory, audit_id: int, chunk_size: int) -> Plan:
    """The chunks of an audit that are still missing; a resumed audit skips recorded rows."""
    from audit.generation import GenerationOptionsError, generation_request

    with session_factory() as session:
        audit = session.get(Audit, audit_id)
        if audit is None or audit.status not in ACTIVE_STATUSES:
            return Plan((), aggregate=False)
        generation = generation_requested(audit.settings)
        if generation:
            # Bad generation options fail the audit now, before any chunk is scored.
            try:
                generation_request(audit.settings["generation"])
            except GenerationOptionsError as exc:
                # Audit errors are readable without a token: never a line of a prompt file.
                fail_audit(session, audit_id, f"generation options: {exc.public_message}")
                session.commit()
                return Plan((), aggregate=False)
        total = audit.progress_total
        done = scored_row_numbers(session, audit_id)
        # A chunk size asked for with the audit beats the worker's default.
        chunk_size = int(audit.settings.get("chunk_size") or chunk_size)
    chunks = tuple(
        (start, min(start + chunk_size, total))
        for start in range(0, total, chunk_size)
        if not done.issuperset(range(start, min(start + chunk_size, total)))
    )
    return Plan(chunks, aggregate=not chunks, generation=generation)


def model_spec(audit: Audit) -> Any:
    from audit.models import ModelSpec

    settings = audit.settings
    return ModelSpec(
        reference=audit.checkpoint.model,
        revision=audit.checkpoint.revision or None,
        device=str(settings.get("device", "auto")),
        dtype=settings.get("dtype", "auto"),
        trust_remote_code=bool(settings.get("trust_remote_code", False)),
        lm_head=settings.get("lm_head", "auto"),
        safenlp_mask_id=bool(settings.get("safenlp_mask_id", False)),
    )


def model_failure(exc: Exception) -> str:
    """Why an audit's model did not load, as the service says it: an option the message
    asks for that no request can set is named as such."""
    cause = f"could not load the model: {exc}"
    if getattr(exc, "option", None) == "trust_remote_code":
        cause += " (the service never runs a model's own code: audit it from the command line)"
    return cause


def record_failure(session_factory: SessionFactory, audit_id: int, cause: str) -> None:
    """Fail an active audit with its cause, in a transaction of its own."""
    with session_factory() as session, session.begin():
        if fail_audit(session, audit_id, cause):
            logger.warning("audit %s failed: %s", audit_id, cause)


def score_chunk(
    session_factory: SessionFactory,
    audit_id: int,
    start: int,
    stop: int,
    *,
    worker: str,
    models: ModelCache,
) -> ChunkOutcome:
    """Score rows [start, stop) of an audit and record them; a bad model or data set fails
    the audit with its cause (no retry: it would fail the same way). Every outcome is
    logged: rows written, or why the chunk did nothing."""
    from audit.datasets import DatasetError
    from audit.models import ModelLoadError
    from audit.pipeline import default_batch_tokens, score_sentences
    from audit.results import software_versions

    # The first transaction only marks the audit running and reads the rows; the
    # forward passes run outside any transaction, so no lock is held while scoring.
    with session_factory() as session, session.begin():
        audit = start_audit(session, audit_id, worker=worker)
        if audit is None:
            return _skipped(audit_id, start, stop, "the audit has ended")
        spec = model_spec(audit)
        batch_tokens = audit.settings.get("batch_tokens")
        generation = generation_requested(audit.settings)
        done = scored_row_numbers(session, audit_id)
        try:
            sentences = load_audit_sentences(session, audit, start, stop)
        except DatasetError as exc:
            fail_audit(session, audit_id, f"bad data set: {exc}")
            return _skipped(audit_id, start, stop, "bad data set")

    rows: list[Any] = []
    if not done.issuperset(range(start, start + len(sentences))):
        try:
            loaded = models.get(spec)
        except ModelLoadError as exc:
            record_failure(session_factory, audit_id, model_failure(exc))
            return _skipped(audit_id, start, stop, "model load failed")
        # The budget audit.evaluate uses. The first chunk that loads the model records
        # its own; later chunks take that one, so the audit's results.json states the one
        # budget every chunk used (aggregate_audit). None recorded: an audit whose first chunk
        # ran before budgets were recorded.
        chosen = batch_tokens or default_batch_tokens(loaded)
        with session_factory() as session, session.begin():
            recorded = record_model(
                session,
                audit_id,
                model_info=loaded.info.to_dict(),
                device=str(loaded.device),
                software=dict(software_versions()),
                batch_tokens=chosen,
            )
        budget = recorded or chosen
        # An audit cancelled while the model loaded stops here, before the forward passes.
        with session_factory() as session:
            if audit_status(session, audit_id) not in ACTIVE_STATUSES:
                return _skipped(audit_id, start, stop, "the audit has ended")
        rows, _ = score_sentences(loaded, sentences, batch_tokens=budget, progress=False)

    with session_factory() as session, session.begin():
        write = record_chunk(session, audit_id, start, rows)
    logger.info(
        "audit %s rows %d-%d: %d written, %d/%d done",
        audit_id,
        start,
        stop - 1,
        write.written,
        write.done,
        write.total,
    )
    return ChunkOutcome(write.written, complete=write.complete, generation=generation)


def _skipped(audit_id: int, start: int, stop: int, reason: str) -> ChunkOutcome:
    logger.info("audit %s rows %d-%d: skipped, %s", audit_id, start, stop - 1, reason)
    return ChunkOutcome(0, complete=False, skipped=reason)

"""/api/audits: submit, list, inspect and cancel audits."""

from __future__ import annotations

import logging
from typing import Annotated, Any

from fastapi import APIRouter, Depends, HTTPException, Query
from fastapi import status as http_status

from api._convert import audit_detail, audit_public
from api._deps import AuditDep, DispatchDep, SessionDep, SettingsDep, TokenDep, read_access
from api._errors import error_responses
from api._generation_checks import check_generation
from api._schemas import (
    AuditCreate,
    AuditDetail,
    AuditsPublic,
    AuditSubmitted,
    GenerationPublic,
    GenerationsPublic,
    SentencePublic,
    SentencesPublic,
)
from api._validation import (
    check_model_reference,
    check_resamples,
    check_revision,
    load_request_dataset,
)
from audit.generation import GenerationOptions
from db import (
    Audit,
    AuditStatus,
    audit_group_scores,
    cancel_audit,
    fail_audit,
    list_audits,
    list_generations,
    list_sentences,
    load_scored_rows,
    submit_audit,
)

logger = logging.getLogger(__name__)
router = APIRouter(prefix="/audits", tags=["audits"])
ReadAccess = Depends(read_access)

Limit = Annotated[int, Query(ge=1, le=500, description="page size")]
# Offsets and ids beyond 64 bits fit no database integer: refused with 422, not a 500.
Offset = Annotated[int, Query(ge=0, le=2**63 - 1, description="rows to skip")]
Label = Annotated[str | None, Query(pattern="^(hate|neutral)$", description="hate or neutral")]
Group = Annotated[str | None, Query(min_length=1, max_length=100, description="target group")]


def _audit_settings(body: AuditCreate, generation: GenerationOptions | None) -> dict[str, Any]:
    options = body.options
    settings: dict[str, Any] = {
        "alpha": options.alpha,
        "n_resamples": options.resamples,
        "seed": options.seed,
        "batch_tokens": options.batch_tokens,
        "limit": options.limit,
        "lm_head": options.lm_head,
        # Stated, not defaulted: remote model code is never enabled through the API.
        "trust_remote_code": False,
    }
    if options.chunk_size is not None:
        settings["chunk_size"] = options.chunk_size
    if generation is not None:
        # The checked options, paths resolved: the workers rebuild the request from them.
        settings["generation"] = generation.to_dict()
    return settings


@router.post(
    "",
    status_code=http_status.HTTP_202_ACCEPTED,
    summary="Submit an audit",
    responses=error_responses(400, 403, 413),
)
def create_audit(
    body: AuditCreate,
    session: SessionDep,
    settings: SettingsDep,
    dispatch: DispatchDep,
    _token: TokenDep,
) -> AuditSubmitted:
    """Queue an audit; a finished audit of the same checkpoint, data and settings is reused."""
    # The whole request is checked before anything is stored or queued.
    model = check_model_reference(body.model, settings.model_roots)
    revision = check_revision(body.revision)
    check_resamples(body.options.resamples, settings)
    generation = (
        None
        if body.options.generation is None
        else check_generation(body.options.generation, settings)
    )
    dataset = load_request_dataset(body.dataset, settings.dataset_roots)
    audit, reused = submit_audit(
        session,
        model=model,
        revision=revision,
        label=body.label,
        step=body.step,
        tags=list(body.tags),
        dataset=dataset,
        settings=_audit_settings(body, generation),
    )
    session.commit()
    if not reused:
        try:
            dispatch(audit.id)
        except Exception as exc:
            # Nothing will run an audit the workers never heard of: end it with the cause
            # rather than leave it queued forever.
            cause = f"could not send the audit to the workers: {type(exc).__name__}: {exc}"
            logger.exception("audit %s: %s", audit.id, cause)
            fail_audit(session, audit.id, cause)
            session.commit()
            raise HTTPException(
                http_status.HTTP_503_SERVICE_UNAVAILABLE, f"audit {audit.id} failed: {cause}"
            ) from exc
    session.refresh(audit)
    return AuditSubmitted.model_validate({**audit_public(audit).model_dump(), "reused": reused})


@router.get("", dependencies=[ReadAccess], summary="List audits, newest first")
def read_audits(
    session: SessionDep,
    status: AuditStatus | None = None,
    checkpoint_label: Annotated[str | None, Query(max_length=200)] = None,
    model: Annotated[
        str | None,
        Query(max_length=500, description="the checkpoint's model: hub id, alias or path"),
    ] = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> AuditsPublic:
    page = list_audits(
        session,
        status=status,
        checkpoint_label=checkpoint_label,
        model=model,
        limit=limit,
        offset=offset,
    )
    return AuditsPublic(items=[audit_public(audit) for audit in page.items], total=page.total)


@router.get(
    "/{audit_id}",
    dependencies=[ReadAccess],
    summary="One audit: status, progress, scores",
    responses=error_responses(404),
)
def read_audit(session: SessionDep, audit: AuditDep) -> AuditDetail:
    return audit_detail(audit, audit_group_scores(session, audit.id))


@router.get(
    "/{audit_id}/sentences",
    dependencies=[ReadAccess],
    responses=error_responses(404),
    summary="Sentences with their perplexities, by scaled perplexity",
)
def read_sentences(
    session: SessionDep,
    audit: AuditDep,
    group: Group = None,
    label: Label = None,
    order: Annotated[str, Query(pattern="^(asc|desc)$")] = "asc",
    limit: Limit = 50,
    offset: Offset = 0,
) -> SentencesPublic:
    """Lowest scaled perplexity first by default: the sentences the model finds most likely
    relative to their toxicity. Unscored sentences come last."""
    page = list_sentences(
        session,
        audit,
        group=group,
        label=label,
        descending=order == "desc",
        limit=limit,
        offset=offset,
    )
    return SentencesPublic(
        items=[SentencePublic.model_validate(r) for r in page.items], total=page.total
    )


@router.get(
    "/{audit_id}/generations",
    dependencies=[ReadAccess],
    responses=error_responses(404),
    summary="Generated continuations, most toxic first",
)
def read_generations(
    session: SessionDep,
    audit: AuditDep,
    group: Group = None,
    label: Label = None,
    limit: Limit = 50,
    offset: Offset = 0,
) -> GenerationsPublic:
    page = list_generations(session, audit.id, group=group, label=label, limit=limit, offset=offset)
    return GenerationsPublic(
        items=[GenerationPublic.model_validate(r) for r in page.items], total=page.total
    )


def _require_succeeded(audit: Audit, what: str) -> None:
    if audit.status is not AuditStatus.succeeded:
        cause = f": {audit.error}" if audit.error else ""
        raise HTTPException(
            http_status.HTTP_409_CONFLICT,
            f"audit {audit.id} is {audit.status.value}{cause}; its {what} exists once it succeeded",
        )


@router.get(
    "/{audit_id}/results.json",
    dependencies=[ReadAccess],
    responses=error_responses(404, 409),
    summary="The results.json of a succeeded audit",
)
def read_results(audit: AuditDep) -> dict[str, Any]:
    """The AuditResult dict, the schema of a results.json file, with `perplexities_file` null
    (the perplexities are at ./perplexities.json)."""
    _require_succeeded(audit, "results.json")
    if audit.results is None:
        raise HTTPException(
            http_status.HTTP_409_CONFLICT, f"audit {audit.id} has no stored results"
        )
    return {**audit.results, "perplexities_file": None}


@router.get(
    "/{audit_id}/perplexities.json",
    dependencies=[ReadAccess],
    responses=error_responses(404, 409),
    summary="Per-sentence perplexities (SafeNLP records) of a succeeded audit",
)
def read_perplexities(session: SessionDep, audit: AuditDep) -> list[dict[str, Any]]:
    from audit.results import perplexity_records

    _require_succeeded(audit, "perplexities.json")
    return perplexity_records(load_scored_rows(session, audit.id))


@router.delete(
    "/{audit_id}",
    summary="Cancel an audit",
    responses=error_responses(403, 404, 409),
)
def delete_audit(session: SessionDep, _token: TokenDep, audit: AuditDep) -> AuditDetail:
    # The token is checked before the audit is looked up (dependencies run in the order
    # of the parameters): without a token, an unknown id and a known one answer alike.
    """Stops a queued or running audit; its remaining chunks are skipped."""
    if audit.status.finished:
        raise HTTPException(
            http_status.HTTP_409_CONFLICT, f"audit {audit.id} already {audit.status.value}"
        )
    cancel_audit(session, audit.id)
    session.commit()
    session.refresh(audit)
    return audit_detail(audit, audit_group_scores(session, audit.id))

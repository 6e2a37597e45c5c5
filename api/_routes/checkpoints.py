"""/api/checkpoints: every audited checkpoint with its newest audit."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Depends, Query

from api._deps import SessionDep, read_access
from api._schemas import CheckpointPublic, CheckpointsPublic
from db import list_checkpoints

router = APIRouter(prefix="/checkpoints", tags=["checkpoints"])


@router.get("", dependencies=[Depends(read_access)], summary="List checkpoints")
def read_checkpoints(
    session: SessionDep,
    label: Annotated[str | None, Query(max_length=200)] = None,
    model: Annotated[
        str | None,
        Query(max_length=500, description="the checkpoint's model: hub id, alias or path"),
    ] = None,
    limit: Annotated[int, Query(ge=1, le=500)] = 50,
    offset: Annotated[int, Query(ge=0, le=2**63 - 1)] = 0,
) -> CheckpointsPublic:
    """By model, then training step and revision."""
    page = list_checkpoints(session, label=label, model=model, limit=limit, offset=offset)
    return CheckpointsPublic(
        items=[CheckpointPublic.model_validate(s) for s in page.items], total=page.total
    )

"""/api/healthz: is the service up and can it reach its database."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api._deps import SessionDep
from api._schemas import HealthPublic

router = APIRouter(tags=["health"])


def _version() -> str:
    try:
        return version("toxaudit")
    except PackageNotFoundError:
        return "unknown"


def _broker_kind() -> str:
    from workers import get_worker_settings

    return "embedded" if get_worker_settings().embedded else "celery"


@router.get("/healthz", summary="Liveness and database check")
def healthz(session: SessionDep) -> HealthPublic:
    """Always open (no token), for load balancers and compose health checks."""
    try:
        session.execute(text("select 1"))
    except SQLAlchemyError as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"database unreachable: {type(exc).__name__}"
        ) from exc
    return HealthPublic(status="ok", database="ok", broker=_broker_kind(), version=_version())

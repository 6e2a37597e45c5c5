"""/api/healthz: is the service up, and can it reach its database and its broker."""

from __future__ import annotations

from importlib.metadata import PackageNotFoundError, version

from fastapi import APIRouter, HTTPException, status
from sqlalchemy import text
from sqlalchemy.exc import SQLAlchemyError

from api._deps import SessionDep, SettingsDep
from api._errors import error_responses
from api._schemas import HealthPublic

router = APIRouter(tags=["health"])


def _version() -> str:
    try:
        return version("toxaudit")
    except PackageNotFoundError:
        return "unknown"


def broker_problem(url: str, timeout: float) -> str | None:
    """Why the broker at `url` cannot be reached within `timeout` seconds, or None."""
    from urllib.parse import urlsplit

    scheme = urlsplit(url).scheme
    try:
        if scheme in {"redis", "rediss", "unix"}:
            import redis

            client = redis.Redis.from_url(
                url, socket_connect_timeout=timeout, socket_timeout=timeout
            )
            try:
                client.ping()
            finally:
                client.close()
        else:
            from kombu.connection import Connection

            with Connection(url, connect_timeout=timeout) as connection:
                connection.ensure_connection(max_retries=1, timeout=timeout)
    except Exception as exc:
        # Any failure to talk to it is the answer, whatever library raised it; the
        # message names the exception's type, never the URL (it may hold a password).
        return f"{type(exc).__name__}"
    return None


@router.get(
    "/healthz",
    summary="Liveness, database and broker check",
    responses=error_responses(503),
)
def healthz(session: SessionDep, settings: SettingsDep) -> HealthPublic:
    """Always open (no token), for load balancers and compose health checks. 503 names
    the part that is down: the database, or the broker when one is configured (with
    none, audits run in this process and there is no broker to reach)."""
    from workers import get_worker_settings

    try:
        session.execute(text("select 1"))
    except SQLAlchemyError as exc:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE, f"database unreachable: {type(exc).__name__}"
        ) from exc
    broker_url = get_worker_settings().broker_url
    if broker_url is None:
        broker = "embedded"
    else:
        problem = broker_problem(broker_url, settings.broker_check_seconds)
        if problem is not None:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE, f"broker unreachable: {problem}"
            )
        broker = "celery"
    return HealthPublic(status="ok", database="ok", broker=broker, version=_version())

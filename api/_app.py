"""The FastAPI application factory."""

from __future__ import annotations

from fastapi import Depends, FastAPI

from api._deps import get_session, page_read_access
from api._limits import BodySizeLimit
from api._routes import api_router, login_router
from api._settings import ApiSettings, get_api_settings
from dashboards import mount_dashboards

DESCRIPTION = """Audit language-model checkpoints for safety and toxicity.

Writes (`POST`, `DELETE`) need `Authorization: Bearer <token>`; create a token with
`toxaudit token create`. Reads are open unless `TOXAUDIT_READ_REQUIRES_TOKEN=1`; then
they need the token too, as a bearer token or, in a browser, by signing in at `/login`.
"""


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    """The service: the JSON API under /api and OpenAPI docs at /docs.

    Other packages add to the returned app (the dashboards mount themselves at /).
    Settings are read when the app is built, not at import time; passing them pins
    them for this app (tests).
    """
    settings = settings or get_api_settings()
    app = FastAPI(
        title="toxaudit",
        summary="Safety and toxicity audits of language-model checkpoints",
        description=DESCRIPTION,
        version=_version(),
    )
    if settings is not get_api_settings():
        pinned = settings
        app.dependency_overrides[get_api_settings] = lambda: pinned
    app.add_middleware(BodySizeLimit, max_bytes=settings.max_body_bytes)
    app.include_router(api_router)
    app.include_router(login_router)
    # The pages read through the API's session and access check, so overrides and
    # TOXAUDIT_READ_REQUIRES_TOKEN apply to them as to the JSON API.
    mount_dashboards(
        app,
        session_dependency=get_session,
        dependencies=[Depends(page_read_access)],
        max_compared_audits=settings.max_compared_audits,
    )
    return app


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("toxaudit")
    except PackageNotFoundError:
        return "0"

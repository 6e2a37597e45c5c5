"""One router per resource, gathered under /api."""

from fastapi import APIRouter

from api._errors import error_responses
from api._routes import audits, checkpoints, compare, health, login

# Every route may need a token (reads do with TOXAUDIT_READ_REQUIRES_TOKEN), may refuse a
# parameter, and answers 503 when the database is unreachable.
api_router = APIRouter(prefix="/api", responses=error_responses(401, 422, 503))
api_router.include_router(audits.router)
api_router.include_router(checkpoints.router)
api_router.include_router(compare.router, responses=error_responses(404, 409))
api_router.include_router(health.router)

login_router = login.router

__all__ = ["api_router", "login_router"]

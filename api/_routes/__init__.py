"""One router per resource, gathered under /api."""

from fastapi import APIRouter

from api._routes import audits, checkpoints, compare, health, login

api_router = APIRouter(prefix="/api")
api_router.include_router(audits.router)
api_router.include_router(checkpoints.router)
api_router.include_router(compare.router)
api_router.include_router(health.router)

login_router = login.router

__all__ = ["api_router", "login_router"]

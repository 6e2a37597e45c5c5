"""The HTTP API of the audit service: FastAPI, one router per resource, reads via db/."""

from api._app import create_app
from api._deps import (
    AuditDep,
    DispatchDep,
    SessionDep,
    SettingsDep,
    TokenDep,
    get_dispatcher,
    get_session,
    read_access,
    require_token,
)
from api._settings import ApiSettings, get_api_settings

__all__ = [
    "ApiSettings",
    "AuditDep",
    "DispatchDep",
    "SessionDep",
    "SettingsDep",
    "TokenDep",
    "create_app",
    "get_api_settings",
    "get_dispatcher",
    "get_session",
    "read_access",
    "require_token",
]

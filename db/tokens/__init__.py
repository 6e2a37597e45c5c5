"""API tokens and the browser sessions opened with them."""

from db.tokens._api_tokens import (
    create_api_token,
    hash_token,
    list_api_tokens,
    revoke_api_token,
    verify_api_token,
)
from db.tokens._browser_sessions import (
    close_browser_session,
    open_browser_session,
    verify_browser_session,
)

__all__ = [
    "close_browser_session",
    "create_api_token",
    "hash_token",
    "list_api_tokens",
    "open_browser_session",
    "revoke_api_token",
    "verify_api_token",
    "verify_browser_session",
]

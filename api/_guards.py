"""Checks and headers that apply to every request, before any route runs.

Pure ASGI (not BaseHTTPMiddleware) so bodies are read as they stream and never twice.

- Text that no database column can hold is refused with 422 wherever it appears: a NUL
  character, or bytes that are not UTF-8 (a lone surrogate arrives as CESU-8 bytes in a
  URL or as a `\\udXXX` escape in JSON), in the path, the query string or a JSON body.
- A JSON body's integers must fit 64 bits and its numbers be finite (`NaN`, `Infinity`
  are not JSON, but Python's parser accepts them).
- HEAD is answered for every GET route, as GET without the body (starlette routes only
  answer the methods they declare, and clients probe with HEAD).
- Every response gets the security headers.
"""

from __future__ import annotations

import json
import math
from typing import Any
from urllib.parse import unquote_to_bytes

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api._errors import send_error

INT64_MAX = 2**63 - 1

# Only the app's own scripts; Plotly writes <style> elements and style attributes, so
# inline styles are allowed (a style cannot run code). Images: Plotly's PNG/SVG
# downloads and the favicon are data: and blob: URLs.
PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; connect-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'"
)
# FastAPI's /docs and /redoc pages load Swagger UI / ReDoc from a CDN and start them with
# an inline script: they get a policy that allows exactly that, and still no framing.
DOCS_CSP = (
    "default-src 'self'; script-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net; "
    "style-src 'self' 'unsafe-inline' https://cdn.jsdelivr.net https://fonts.googleapis.com; "
    "font-src 'self' https://fonts.gstatic.com; img-src 'self' data: https:; "
    "worker-src 'self' blob:; object-src 'none'; base-uri 'none'; frame-ancestors 'none'"
)
DOCS_PATHS = frozenset({"/docs", "/redoc", "/docs/oauth2-redirect"})


def security_headers(path: str) -> list[tuple[bytes, bytes]]:
    csp = DOCS_CSP if path in DOCS_PATHS else PAGE_CSP
    return [
        (b"content-security-policy", csp.encode()),
        (b"x-content-type-options", b"nosniff"),
        (b"x-frame-options", b"DENY"),
        (b"referrer-policy", b"same-origin"),
    ]


class _RefusedError(Exception):
    def __init__(self, loc: list[str | int], msg: str) -> None:
        super().__init__(msg)
        self.loc = loc
        self.msg = msg


def _decoded(raw: bytes, loc: list[str | int]) -> str:
    try:
        text = unquote_to_bytes(raw).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise _RefusedError(loc, "not valid UTF-8 text (a lone surrogate, or stray bytes)") from exc
    if "\x00" in text:
        raise _RefusedError(loc, "contains a NUL character")
    return text


def check_url(raw_path: bytes, query_string: bytes) -> None:
    """Refuse a path or query that is not UTF-8 text without NUL characters."""
    _decoded(raw_path, ["path"])
    for pair in query_string.split(b"&"):
        name_raw, _, value_raw = pair.partition(b"=")
        name = _decoded(name_raw.replace(b"+", b" "), ["query"])
        _decoded(value_raw.replace(b"+", b" "), ["query", name])


def _reject_constant(name: str) -> Any:
    raise _RefusedError(["body"], f"{name} is not a number JSON allows; numbers must be finite")


def _check_value(value: Any, loc: list[str | int]) -> None:
    if isinstance(value, str):
        if "\x00" in value:
            raise _RefusedError(loc, "contains a NUL character")
        try:
            value.encode("utf-8")
        except UnicodeEncodeError as exc:
            raise _RefusedError(loc, "contains a lone surrogate, which is not text") from exc
    elif isinstance(value, bool):
        return
    elif isinstance(value, int):
        if not -INT64_MAX - 1 <= value <= INT64_MAX:
            raise _RefusedError(loc, "integer out of the 64-bit range")
    elif isinstance(value, float):
        if not math.isfinite(value):
            raise _RefusedError(loc, "number must be finite")
    elif isinstance(value, dict):
        for key, item in value.items():
            _check_value(key, loc)
            _check_value(item, [*loc, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_value(item, [*loc, index])


def check_json_body(body: bytes) -> None:
    """Refuse a JSON body holding text or numbers no field can accept.

    A body that is not JSON at all passes: the route's own validation names that error.
    """
    try:
        document = json.loads(body, parse_constant=_reject_constant)
    except UnicodeDecodeError as exc:
        raise _RefusedError(["body"], "the body is not UTF-8 text, so not JSON") from exc
    except ValueError:
        return
    _check_value(document, ["body"])


def _is_json(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"content-type":
            return b"json" in value.lower()
    return False


class SecurityHeaders:
    """Security headers on every response, and HEAD answered for every GET route."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        extra_headers = security_headers(scope.get("path", ""))
        extra_names = {name for name, _ in extra_headers}
        head = scope["method"] == "HEAD"
        if head:
            scope = {**scope, "method": "GET"}

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() not in extra_names
                ]
                message = {**message, "headers": headers + extra_headers}
            elif message["type"] == "http.response.body" and head:
                message = {**message, "body": b""}
            await send(message)

        await self.app(scope, receive, send_with_headers)


class RequestGuards:
    """The path, query and JSON body checks above; refusals answer 422."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        replay: list[Message] = []
        try:
            raw_path = scope.get("raw_path") or scope.get("path", "").encode(
                "utf-8", "surrogatepass"
            )
            check_url(raw_path, scope.get("query_string", b""))
            if scope["method"] in {"POST", "PUT", "PATCH"} and _is_json(scope):
                replay, body = await _read_body(receive)
                if body is not None:
                    check_json_body(body)
        except _RefusedError as refused:
            await send_error(send, 422, refused.msg, refused.loc)
            return

        async def replay_receive() -> Message:
            if replay:
                return replay.pop(0)
            return await receive()

        await self.app(scope, replay_receive, send)


async def _read_body(receive: Receive) -> tuple[list[Message], bytes | None]:
    # The body size limit sits outside this middleware, so what is read here is bounded.
    messages: list[Message] = []
    chunks: list[bytes] = []
    while True:
        message = await receive()
        messages.append(message)
        if message["type"] != "http.request":
            return messages, None
        chunks.append(message.get("body", b""))
        if not message.get("more_body", False):
            return messages, b"".join(chunks)

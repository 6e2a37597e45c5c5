"""One error shape for every error the service answers.

Every error body is FastAPI's validation shape, `{"detail": [{"loc", "msg", "type"}]}`:
request validation errors already have it, and HTTPExceptions (404, 409, 503...) and
the middleware refusals (413, 422 for NUL or overflow) are put into it here, so a
client reads one shape whatever went wrong. A `loc` says where (`["query", "offset"]`,
`["path", "audit_id"]`, `["header", "Authorization"]`); it is empty when the error is
about the request as a whole.
"""

from __future__ import annotations

import json
import math
from collections.abc import Sequence
from typing import Any

from fastapi import FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, ConfigDict
from sqlalchemy.exc import InterfaceError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.types import Send

ERROR_TYPES: dict[int, str] = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "too_large",
    422: "invalid",
    503: "unavailable",
}


class ErrorItem(BaseModel):
    """One thing wrong with a request."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    loc: list[str | int]
    """Where: ["query", "offset"], ["path", "audit_id"], ["body", "options", "alpha"]; [] for
    the request as a whole."""
    msg: str
    """What was wrong, for a person."""
    type: str
    """A machine-readable kind ("not_found", "conflict", "int_parsing"...)."""


class ErrorPublic(BaseModel):
    """The body of every error response."""

    model_config = ConfigDict(use_attribute_docstrings=True)

    detail: list[ErrorItem]
    """What was wrong, one entry per problem."""


def error_body(status: int, msg: str, loc: Sequence[str | int] = ()) -> dict[str, Any]:
    """The error body for one problem."""
    return {"detail": [{"loc": list(loc), "msg": msg, "type": ERROR_TYPES.get(status, "error")}]}


def error_responses(*statuses: int) -> dict[int | str, dict[str, Any]]:
    """OpenAPI `responses` entries documenting these error statuses with the error shape."""
    descriptions = {
        400: "Malformed request framing (a Content-Length that is not a number)",
        401: "Missing, invalid or revoked bearer token",
        403: "A read-only token where a write needs a full one",
        404: "No such resource",
        409: "The resource is not in a state that allows this",
        413: "Request body larger than TOXAUDIT_MAX_BODY_BYTES",
        422: "Invalid request: a parameter or field out of range, malformed, or refused",
        503: "The database or the broker cannot be reached",
    }
    return {
        status: {"model": ErrorPublic, "description": descriptions.get(status, "Error")}
        for status in statuses
    }


def _clean(value: Any) -> Any:
    # The `input` of a validation error echoes what was sent: a lone surrogate cannot be
    # encoded as UTF-8 and NaN is not JSON, either of which would turn the 422 into a 500.
    if isinstance(value, str):
        return value.encode("utf-8", "backslashreplace").decode("utf-8").replace("\x00", "\\x00")
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    if isinstance(value, dict):
        return {_clean(k): _clean(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_clean(v) for v in value]
    if value is None or isinstance(value, bool | int | float):
        return value
    return _clean(str(value))


def _validation_items(errors: Sequence[Any]) -> list[dict[str, Any]]:
    items = []
    for error in errors:
        item = {
            "loc": _clean(list(error.get("loc", ()))),
            "msg": _clean(str(error.get("msg", ""))),
            "type": _clean(str(error.get("type", "invalid"))),
        }
        if "input" in error:
            # Long inputs (a 50 kB query) are cut: the error names the problem, it need
            # not repeat the request.
            shown = _clean(error["input"])
            if isinstance(shown, str) and len(shown) > 200:
                shown = shown[:200] + "…"
            item["input"] = shown
        items.append(item)
    return items


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    return JSONResponse({"detail": _validation_items(exc.errors())}, status_code=422)


async def _http_error(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    headers = getattr(exc, "headers", None)
    detail = exc.detail
    if isinstance(detail, list):
        body = {"detail": _validation_items(detail)}
    elif isinstance(detail, dict) and "msg" in detail:
        body = error_body(exc.status_code, str(detail["msg"]), detail.get("loc", ()))
    else:
        body = error_body(exc.status_code, _clean(str(detail)))
    if exc.status_code < 400:
        # A redirect raised as an exception (the dashboards' sign-in): no body needed.
        return Response(status_code=exc.status_code, headers=headers)
    return JSONResponse(body, status_code=exc.status_code, headers=headers)


async def _database_down(request: Request, exc: Exception) -> JSONResponse:
    # A lost connection is the database being down, not a bug: say so with 503, and name
    # only the exception's type (its text may hold the URL and its password).
    return JSONResponse(
        error_body(503, f"database unreachable: {type(exc).__name__}"), status_code=503
    )


def install_error_handlers(app: FastAPI) -> None:
    """Make every error of `app` answer in the one error shape."""
    app.add_exception_handler(OperationalError, _database_down)
    app.add_exception_handler(InterfaceError, _database_down)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(HTTPException, _http_error)


async def send_error(send: Send, status: int, msg: str, loc: Sequence[str | int] = ()) -> None:
    """Answer from ASGI middleware, before any route runs, in the one error shape."""
    body = json.dumps(error_body(status, msg, loc)).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/json"),
                (b"content-length", str(len(body)).encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})

"""Signing a browser in, so the dashboards work when reads require a token.

The token goes into an HttpOnly, SameSite=Strict cookie that read access accepts;
writes never look at it.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Form, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from api._deps import TOKEN_COOKIE, SessionDep
from dashboards import login_page
from db import verify_api_token

router = APIRouter(tags=["login"], include_in_schema=False)

COOKIE_SECONDS = 7 * 24 * 3600


def _safe_next(target: str) -> str:
    # Only a path on this site: never an open redirect to another host.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


@router.get("/login", response_class=HTMLResponse)
def login_form(request: Request, next: str = "/") -> HTMLResponse:
    return login_page(request, target=_safe_next(next))


@router.post("/login", response_model=None)
def login(
    request: Request,
    session: SessionDep,
    token: Annotated[str, Form(max_length=200)],
    next: Annotated[str, Form(max_length=2000)] = "/",
) -> HTMLResponse | RedirectResponse:
    target = _safe_next(next)
    if verify_api_token(session, token) is None:
        return login_page(
            request,
            target=target,
            error="That token is unknown or revoked.",
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    session.commit()
    response = RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        TOKEN_COOKIE,
        token,
        max_age=COOKIE_SECONDS,
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout() -> RedirectResponse:
    response = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(TOKEN_COOKIE)
    return response

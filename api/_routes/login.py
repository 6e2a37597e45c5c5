"""Signing a browser in, so the dashboards work when reads require a token.

The browser gets a random session id in an HttpOnly, SameSite=Strict cookie; the
database keeps the id's hash, the token it stands for and when it expires. Read access
accepts it; writes never look at it. Revoking the token, the expiry
(TOXAUDIT_SESSION_HOURS) and logout each end it. Both forms refuse cross-site POSTs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated
from urllib.parse import urlsplit

from fastapi import APIRouter, Form, HTTPException, Query, Request, status
from fastapi.responses import HTMLResponse, RedirectResponse

from api._deps import SESSION_COOKIE, SessionDep, SettingsDep
from dashboards import login_page
from db import close_browser_session, open_browser_session, verify_api_token

router = APIRouter(tags=["login"], include_in_schema=False)

NextTarget = Annotated[str, Form(max_length=2000)]


def _safe_next(target: str) -> str:
    # Only a path on this site: never an open redirect to another host.
    if target.startswith("/") and not target.startswith("//") and "\\" not in target:
        return target
    return "/"


def _origin_of(url: str) -> str:
    parts = urlsplit(url)
    return f"{parts.scheme}://{parts.netloc}".lower()


def check_same_origin(request: Request) -> None:
    """Refuse a form POST that another site made the browser send (login CSRF, forced
    logout). Browsers send Origin on every POST; Sec-Fetch-Site and Referer are
    fallbacks for older ones. A client that sends none of them is not a browser."""
    own = _origin_of(str(request.base_url))
    origin = request.headers.get("origin")
    fetch_site = request.headers.get("sec-fetch-site")
    referer = request.headers.get("referer")
    if origin is not None:
        allowed = origin.lower() == own
    elif fetch_site is not None:
        allowed = fetch_site in {"same-origin", "none"}
    elif referer is not None:
        allowed = _origin_of(referer) == own
    else:
        allowed = True
    if not allowed:
        raise HTTPException(
            status.HTTP_403_FORBIDDEN,
            f"cross-site request refused: {request.url.path} only accepts forms from "
            f"{own} (Origin was {origin or referer or fetch_site!r})",
        )


@router.get("/login", response_class=HTMLResponse)
def login_form(
    request: Request, next: Annotated[str, Query(max_length=2000)] = "/"
) -> HTMLResponse:
    return login_page(request, target=_safe_next(next))


@router.post("/login", response_model=None)
def login(
    request: Request,
    session: SessionDep,
    settings: SettingsDep,
    token: Annotated[str, Form(max_length=200)],
    next: NextTarget = "/",
) -> HTMLResponse | RedirectResponse:
    check_same_origin(request)
    target = _safe_next(next)
    found = verify_api_token(session, token)
    if found is None:
        return login_page(
            request,
            target=target,
            error="That token is unknown or revoked.",
            status_code=status.HTTP_401_UNAUTHORIZED,
        )
    lifetime = timedelta(hours=settings.session_hours)
    session_id = open_browser_session(session, found, lifetime=lifetime)
    session.commit()
    response = RedirectResponse(target, status_code=status.HTTP_303_SEE_OTHER)
    response.set_cookie(
        SESSION_COOKIE,
        session_id,
        max_age=int(lifetime.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=request.url.scheme == "https",
    )
    return response


@router.post("/logout")
def logout(request: Request, session: SessionDep) -> RedirectResponse:
    check_same_origin(request)
    session_id = request.cookies.get(SESSION_COOKIE)
    if session_id:
        close_browser_session(session, session_id)
        session.commit()
    response = RedirectResponse("/login", status_code=status.HTTP_303_SEE_OTHER)
    response.delete_cookie(SESSION_COOKIE, httponly=True, samesite="strict")
    return response

"""What the dashboards' routes answer with besides their views: the page templates,
table downloads, the sign-in form, the bundled plotly.js and comparison errors."""

from __future__ import annotations

from functools import cache
from pathlib import Path

from fastapi import HTTPException, Request
from fastapi.responses import HTMLResponse, Response
from fastapi.templating import Jinja2Templates

from dashboards._tables import Table, format_cell, render_rows, sort_key, table_csv, table_json
from db.compare import ComparisonError

PACKAGE = Path(__file__).resolve().parent
STATIC_PREFIX = "/dashboards/static"
PLOTLY_PATH = "/dashboards/plotly.min.js"


def plotly_file() -> Path:
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


@cache
def templates() -> Jinja2Templates:
    templates = Jinja2Templates(directory=str(PACKAGE / "templates"))
    templates.env.filters["cell"] = format_cell
    templates.env.filters["sort_key"] = sort_key
    templates.env.filters["rows"] = render_rows
    templates.env.globals["static"] = STATIC_PREFIX
    templates.env.globals["plotly_js"] = PLOTLY_PATH
    return templates


def login_page(
    request: Request, *, target: str, error: str | None = None, status_code: int = 200
) -> HTMLResponse:
    """The sign-in form, in the dashboards' layout (the API owns tokens and serves it)."""
    return templates().TemplateResponse(
        request,
        "login.html",
        {"title": "Sign in", "target": target, "error": error},
        status_code=status_code,
    )


def download_response(table: Table, fmt: str) -> Response:
    if fmt == "csv":
        body, media = table_csv(table), "text/csv; charset=utf-8"
    elif fmt == "json":
        body, media = table_json(table), "application/json"
    else:
        raise HTTPException(400, f"unknown download format {fmt!r}; use csv or json")
    return Response(
        body,
        media_type=media,
        headers={"Content-Disposition": f'attachment; filename="{table.name}.{fmt}"'},
    )


def mark_deprecated(response: Response, note: str | None) -> Response:
    """`Deprecation: true` and a `Warning` naming what, when `note` says the request used
    an old name (RFC 9745's header; the note is also on the page)."""
    if note:
        response.headers["Deprecation"] = "true"
        response.headers["Warning"] = f'299 - "{note}"'
    return response


def comparison_error(exc: ComparisonError) -> HTTPException:
    return HTTPException(422, f"{exc.field}: {exc.message}")

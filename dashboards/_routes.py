"""The dashboard routes: pages at /, their table downloads, and a progress endpoint."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from functools import cache
from pathlib import Path
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, params
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from sqlalchemy.orm import Session

from dashboards._audit import audit_view
from dashboards._compare import compare_view, differences_view
from dashboards._overview import overview_view
from dashboards._tables import (
    Table,
    format_cell,
    render_rows,
    sort_key,
    table_csv,
    table_json,
)
from dashboards._trend import trend_view
from db import get_sessionmaker, job_progress
from db.compare import DEFAULT_MAX_COMPARED_AUDITS, ComparisonError

PACKAGE = Path(__file__).resolve().parent
STATIC_PREFIX = "/dashboards/static"
PLOTLY_PATH = "/dashboards/plotly.min.js"
DOWNLOAD_ROWS = 1_000_000
"""Row cap of a downloaded paginated table: in practice, all of it."""

SessionFactory = Callable[[], Session]
SessionDependency = Callable[..., Iterator[Session]]


def _plotly_file() -> Path:
    import plotly

    return Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"


@cache
def _templates() -> Jinja2Templates:
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
    return _templates().TemplateResponse(
        request,
        "login.html",
        {"title": "Sign in", "target": target, "error": error},
        status_code=status_code,
    )


def _download(table: Table, fmt: str) -> Response:
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


def _comparison_error(exc: ComparisonError) -> HTTPException:
    return HTTPException(422, f"{exc.field}: {exc.message}")


def build_router(
    session_factory: SessionFactory | None = None,
    *,
    session_dependency: SessionDependency | None = None,
    max_compared_audits: int = DEFAULT_MAX_COMPARED_AUDITS,
) -> APIRouter:
    """The dashboard pages.

    Sessions come from `session_dependency` when given (the API's, so that its overrides
    apply here too), else from `session_factory`, else from the database settings.
    The compare page holds at most `max_compared_audits` audits (more: 422).
    """
    templates = _templates()
    router = APIRouter(include_in_schema=False)

    def own_session() -> Iterator[Session]:
        db = (session_factory or get_sessionmaker())()
        try:
            yield db
        finally:
            db.close()

    session = session_dependency or own_session

    def render(
        request: Request,
        name: str,
        context: dict[str, Any],
        started: float,
        download: str | None,
        fmt: str,
    ) -> Response:
        if download:
            table = context.get("tables", {}).get(download)
            if table is None:
                raise HTTPException(404, f"this page has no table {download!r}")
            return _download(table, fmt)
        response = templates.TemplateResponse(request, name, context)
        elapsed_ms = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed_ms:.1f}"
        return response

    @router.get("/", response_class=HTMLResponse)
    def overview(
        request: Request,
        db: Session = Depends(session),
        tag: str | None = None,
        download: str | None = None,
        format: str = "csv",
    ) -> Response:
        started = time.perf_counter()
        context = overview_view(db, tag=tag)
        return render(request, "overview.html", context, started, download, format)

    @router.get("/compare", response_class=HTMLResponse)
    def compare(
        request: Request,
        db: Session = Depends(session),
        job: Annotated[list[int], Query()] = [],  # noqa: B006 - FastAPI copies defaults
        checkpoint: Annotated[list[int], Query()] = [],  # noqa: B006
        baseline: int | None = None,
        download: str | None = None,
        format: str = "csv",
    ) -> Response:
        started = time.perf_counter()
        try:
            context = compare_view(
                db,
                job_ids=job,
                checkpoint_ids=checkpoint,
                baseline=baseline,
                max_audits=max_compared_audits,
            )
        except ComparisonError as exc:
            raise _comparison_error(exc) from exc
        return render(request, "compare.html", context, started, download, format)

    @router.get("/compare/differences", response_class=HTMLResponse)
    def differences(
        request: Request,
        db: Session = Depends(session),
        job: Annotated[list[int], Query()] = [],  # noqa: B006
        baseline: int | None = None,
        download: str | None = None,
        format: str = "csv",
    ) -> Response:
        started = time.perf_counter()
        try:
            context = differences_view(
                db, job_ids=job, baseline=baseline, max_audits=max_compared_audits
            )
        except ComparisonError as exc:
            raise _comparison_error(exc) from exc
        if download == "comparison":
            # The comparison record itself, exactly as /api/compare answers it.
            comparison = context["comparison"]
            if comparison is None:
                raise HTTPException(404, "no comparison: choose at least two succeeded audits")
            return JSONResponse(
                comparison.to_dict(),
                headers={"Content-Disposition": 'attachment; filename="comparison.json"'},
            )
        return render(request, "_differences.html", context, started, download, format)

    @router.get("/trend", response_class=HTMLResponse)
    def trend(
        request: Request,
        db: Session = Depends(session),
        model: str | None = None,
        axis: str | None = None,
        bands: str | None = None,
        download: str | None = None,
        format: str = "csv",
    ) -> Response:
        started = time.perf_counter()
        context = trend_view(db, model=model, axis=axis, bands=bands)
        return render(request, "trend.html", context, started, download, format)

    @router.get("/audits/{job_id}", response_class=HTMLResponse)
    def audit(
        request: Request,
        job_id: int,
        db: Session = Depends(session),
        group: str | None = None,
        label: str | None = None,
        vs: int | None = None,
        page: int = 1,
        download: str | None = None,
        format: str = "csv",
    ) -> Response:
        started = time.perf_counter()
        context = audit_view(
            db,
            job_id,
            group=group,
            label=label,
            vs=vs,
            page=1 if download else page,
            page_size=DOWNLOAD_ROWS if download else 50,
        )
        if context is None:
            raise HTTPException(404, f"no audit {job_id}")
        return render(request, "audit.html", context, started, download, format)

    @router.get("/audits/{job_id}/report.html")
    def report(
        job_id: int,
        db: Session = Depends(session),
        baseline: Annotated[list[int], Query()] = [],  # noqa: B006
    ) -> Response:
        # The same self-contained file as `toxaudit report` writes, as a download.
        from dashboards._report import ReportUnavailableError, audit_report
        from reports import render_html

        try:
            html = render_html(audit_report(db, job_id, baseline[:8]))
        except ReportUnavailableError as exc:
            raise HTTPException(exc.status, exc.message) from exc
        suffix = "".join(f"-vs-{b}" for b in baseline[:8])
        return HTMLResponse(
            html,
            headers={
                "Content-Disposition": f'attachment; filename="toxaudit-audit-{job_id}{suffix}.html"'
            },
        )

    @router.get("/dashboards/progress.json")
    def progress(
        db: Session = Depends(session),
        job: Annotated[list[int], Query()] = [],  # noqa: B006
    ) -> JSONResponse:
        return JSONResponse(
            [
                {"job_id": i, "status": s.value, "done": d, "total": t, "finished": s.finished}
                for i, s, d, t in job_progress(db, job[:500])
            ],
            headers={"Cache-Control": "no-store"},
        )

    @router.get(PLOTLY_PATH)
    def plotly_js() -> FileResponse:
        # Served from the installed plotly package, so charts work with no internet.
        return FileResponse(
            _plotly_file(),
            media_type="text/javascript",
            headers={"Cache-Control": "public, max-age=86400"},
        )

    return router


def mount_dashboards(
    app: FastAPI,
    *,
    session_factory: SessionFactory | None = None,
    session_dependency: SessionDependency | None = None,
    dependencies: Sequence[params.Depends] | None = None,
    max_compared_audits: int = DEFAULT_MAX_COMPARED_AUDITS,
) -> None:
    """Serve the dashboards at / on `app`, with their static files.

    `dependencies` guard every page and download (e.g. the API's read access check);
    the static files hold no data and stay open.
    """
    app.include_router(
        build_router(
            session_factory,
            session_dependency=session_dependency,
            max_compared_audits=max_compared_audits,
        ),
        dependencies=dependencies,
    )
    app.mount(
        STATIC_PREFIX, StaticFiles(directory=str(PACKAGE / "static")), name="dashboards-static"
    )

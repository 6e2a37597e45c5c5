"""The dashboard routes: pages at /, their table downloads, and a progress endpoint."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator, Sequence
from typing import Annotated, Any

from fastapi import APIRouter, Depends, FastAPI, HTTPException, Query, Request, params
from fastapi import Path as PathParam
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, Response
from fastapi.staticfiles import StaticFiles
from sqlalchemy.orm import Session

from dashboards._audit import audit_view
from dashboards._compare import compare_view
from dashboards._differences import differences_view
from dashboards._overview import overview_view
from dashboards._parameters import (
    MAX_ID,
    MAX_PAGE,
    AskedAuditsDep,
    Download,
    Format,
    Ids,
    LongText,
    OptionalId,
    ShortText,
)
from dashboards._responses import (
    PACKAGE,
    PLOTLY_PATH,
    STATIC_PREFIX,
    comparison_error,
    download_response,
    mark_deprecated,
    plotly_file,
    templates,
)
from dashboards._trend import trend_view
from db import audit_progress, get_sessionmaker
from db.compare import DEFAULT_MAX_COMPARED_AUDITS, ComparisonError

DOWNLOAD_ROWS = 1_000_000
"""Row cap of a downloaded paginated table: in practice, all of it."""

SessionFactory = Callable[[], Session]
SessionDependency = Callable[..., Iterator[Session]]


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
    pages = templates()
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
            return mark_deprecated(download_response(table, fmt), context.get("deprecation"))
        response = mark_deprecated(
            pages.TemplateResponse(request, name, context), context.get("deprecation")
        )
        elapsed_ms = (time.perf_counter() - started) * 1000
        response.headers["Server-Timing"] = f"app;dur={elapsed_ms:.1f}"
        return response

    @router.get("/", response_class=HTMLResponse)
    def overview(
        request: Request,
        db: Session = Depends(session),
        tag: ShortText = None,
        download: Download = None,
        format: Format = "csv",
    ) -> Response:
        started = time.perf_counter()
        context = overview_view(db, tag=tag)
        return render(request, "overview.html", context, started, download, format)

    @router.get("/compare", response_class=HTMLResponse)
    def compare(
        request: Request,
        asked: AskedAuditsDep,
        db: Session = Depends(session),
        checkpoint: Ids = [],  # noqa: B006 - FastAPI copies defaults
        baseline: OptionalId = None,
        download: Download = None,
        format: Format = "csv",
    ) -> Response:
        started = time.perf_counter()
        try:
            context = compare_view(
                db,
                audit_ids=asked.ids,
                checkpoint_ids=checkpoint,
                baseline=baseline,
                max_audits=max_compared_audits,
            )
        except ComparisonError as exc:
            raise comparison_error(exc) from exc
        return render(
            request,
            "compare.html",
            {**context, "deprecation": asked.deprecation},
            started,
            download,
            format,
        )

    @router.get("/compare/differences", response_class=HTMLResponse)
    def differences(
        request: Request,
        asked: AskedAuditsDep,
        db: Session = Depends(session),
        baseline: OptionalId = None,
        download: Download = None,
        format: Format = "csv",
    ) -> Response:
        started = time.perf_counter()
        deprecation = asked.deprecation
        try:
            context = differences_view(
                db, audit_ids=asked.ids, baseline=baseline, max_audits=max_compared_audits
            )
        except ComparisonError as exc:
            raise comparison_error(exc) from exc
        if download == "comparison":
            # The comparison record itself, exactly as /api/compare answers it.
            comparison = context["comparison"]
            if comparison is None:
                raise HTTPException(404, "no comparison: choose at least two succeeded audits")
            return mark_deprecated(
                JSONResponse(
                    comparison.to_dict(),
                    headers={"Content-Disposition": 'attachment; filename="comparison.json"'},
                ),
                deprecation,
            )
        context = {**context, "deprecation": deprecation}
        return render(request, "_differences.html", context, started, download, format)

    @router.get("/trend", response_class=HTMLResponse)
    def trend(
        request: Request,
        db: Session = Depends(session),
        model: LongText = None,
        axis: ShortText = None,
        bands: ShortText = None,
        download: Download = None,
        format: Format = "csv",
    ) -> Response:
        started = time.perf_counter()
        context = trend_view(db, model=model, axis=axis, bands=bands)
        return render(request, "trend.html", context, started, download, format)

    @router.get("/audits/{audit_id}", response_class=HTMLResponse)
    def audit(
        request: Request,
        audit_id: Annotated[int, PathParam(ge=0, le=MAX_ID)],
        db: Session = Depends(session),
        group: ShortText = None,
        label: ShortText = None,
        vs: OptionalId = None,
        page: Annotated[int, Query(ge=1, le=MAX_PAGE)] = 1,
        download: Download = None,
        format: Format = "csv",
    ) -> Response:
        started = time.perf_counter()
        context = audit_view(
            db,
            audit_id,
            group=group,
            label=label,
            vs=vs,
            page=1 if download else page,
            page_size=DOWNLOAD_ROWS if download else 50,
        )
        if context is None:
            raise HTTPException(404, f"no audit {audit_id}")
        return render(request, "audit.html", context, started, download, format)

    @router.get("/audits/{audit_id}/report.html")
    def report(
        audit_id: int,
        db: Session = Depends(session),
        baseline: Annotated[list[int], Query()] = [],  # noqa: B006
    ) -> Response:
        # The same self-contained file as `toxaudit report` writes, as a download.
        from dashboards._report import ReportUnavailableError, audit_report
        from reports import render_html

        try:
            html = render_html(audit_report(db, audit_id, baseline[:8]))
        except ReportUnavailableError as exc:
            raise HTTPException(exc.status, exc.message) from exc
        suffix = "".join(f"-vs-{b}" for b in baseline[:8])
        return HTMLResponse(
            html,
            headers={
                "Content-Disposition": f'attachment; filename="toxaudit-audit-{audit_id}{suffix}.html"'
            },
        )

    @router.get("/dashboards/progress.json")
    def progress(asked: AskedAuditsDep, db: Session = Depends(session)) -> Response:
        response = JSONResponse(
            [
                {"audit_id": i, "status": s.value, "done": d, "total": t, "finished": s.finished}
                for i, s, d, t in audit_progress(db, asked.ids[:500])
            ],
            headers={"Cache-Control": "no-store"},
        )
        return mark_deprecated(response, asked.deprecation)

    @router.get(PLOTLY_PATH)
    def plotly_js() -> FileResponse:
        # Served from the installed plotly package, so charts work with no internet.
        return FileResponse(
            plotly_file(),
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

"""report.html: one self-contained file, Plotly inlined, that opens with no network."""

from __future__ import annotations

import json
from functools import cache
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import jinja2
from markupsafe import Markup

from reports._content import (
    DIFFERENCE_HEADERS,
    GROUP_HEADERS,
    METHOD,
    difference_rows,
    group_rows,
    interval,
    model_line,
    model_reference,
    number,
    provenance,
)
from reports._figure import report_figure
from reports._generation import (
    AGREEMENT_HEADERS,
    AGREEMENT_NOTE,
    GENERATION_HEADERS,
    agreement_rows,
    generation_note,
    generation_rows,
)
from reports._records import Report, ReportError

TEMPLATES = Path(__file__).resolve().parent / "templates"


def _version(package: str) -> str:
    try:
        return version(package)
    except PackageNotFoundError:
        return "unknown"


@cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.FileSystemLoader(str(TEMPLATES)),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        keep_trailing_newline=True,
    )


@cache
def plotly_source() -> str:
    """plotly.min.js from the installed plotly package, safe inside a <script> element."""
    import plotly

    path = Path(plotly.__file__).resolve().parent / "package_data" / "plotly.min.js"
    # An HTML parser ends a script at "</script" and changes state at "<!--" whatever the
    # JavaScript means; both can only occur in strings or regular expressions there, where
    # "<\/" and "<\!" mean the same characters.
    return path.read_text(encoding="utf-8").replace("</", "<\\/").replace("<!--", "<\\!--")


def script_json(value: object) -> str:
    """JSON that cannot end its <script> element, whatever text the figure holds."""
    text = json.dumps(value, ensure_ascii=False, allow_nan=False)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def render_html(report: Report) -> str:
    """The report as one HTML document."""
    result = report.run.result
    scores = result.scores
    comparisons = [
        {
            "name": c.baseline.result.name,
            "model_line": model_reference(c.baseline.result.model, c.baseline.result.name),
            "n_shared": c.n_shared,
            "rows": difference_rows(c),
        }
        for c in report.comparisons
    ]
    return (
        _environment()
        .get_template("report.html")
        .render(
            name=result.name,
            model_line=model_line(report),
            step=report.run.step,
            created_at=result.created_at,
            average=number(scores.average),
            average_ci=interval(scores.average_ci_low, scores.average_ci_high),
            n_significant=sum(1 for g in scores.groups if g.significant),
            n_groups=len(scores.groups),
            alpha=f"{scores.alpha:g}",
            group_headers=GROUP_HEADERS,
            group_rows=group_rows(report),
            difference_headers=DIFFERENCE_HEADERS,
            comparisons=comparisons,
            generation_headers=GENERATION_HEADERS,
            generation_rows=generation_rows(report),
            generation_note=generation_note(report),
            agreement_headers=AGREEMENT_HEADERS,
            agreement_rows=agreement_rows(report),
            agreement_note=AGREEMENT_NOTE,
            method=METHOD,
            provenance=provenance(report),
            chart_json=Markup(script_json(report_figure(report))),
            plotly_js=Markup(plotly_source()),
            version=_version("toxaudit"),
            plotly_version=_version("plotly"),
        )
    )


def write_html(report: Report, path: Path) -> None:
    """Write the report as one HTML file at `path` (its folder made if need be); a path
    that cannot be written is a ReportError naming it."""
    if path.is_dir():
        raise ReportError(f"{path} is a directory; name the file to write")
    html = render_html(report)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(html, encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"{path}: cannot write the report: {exc.strerror}") from exc

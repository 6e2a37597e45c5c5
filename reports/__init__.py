"""Reports of an audit: one self-contained HTML file, or a Markdown model-card section.

Built from a results.json (or the service's stored AuditResult) and optional baselines;
the chart is the dashboards' own group chart. Imports neither the web nor the
database stack, so `toxaudit run` and `toxaudit report` stay light.
"""

from reports._build import build_report, compare, load_report, load_run
from reports._content import METHOD
from reports._figure import report_figure
from reports._html import render_html, write_html
from reports._markdown import chart_png, render_markdown, write_markdown
from reports._records import BaselineComparison, Report, ReportError, ReportRun

__all__ = [
    "METHOD",
    "BaselineComparison",
    "Report",
    "ReportError",
    "ReportRun",
    "build_report",
    "chart_png",
    "compare",
    "load_report",
    "load_run",
    "render_html",
    "render_markdown",
    "report_figure",
    "write_html",
    "write_markdown",
]

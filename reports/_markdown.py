"""A model-card section: Markdown tables with a PNG of the chart beside them."""

from __future__ import annotations

import os
import shutil
from pathlib import Path

from reports._content import (
    DIFFERENCE_HEADERS,
    GROUP_HEADERS,
    METHOD,
    Row,
    difference_rows,
    group_rows,
    interval,
    model_line,
    model_reference,
    number,
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

PNG_WIDTH = 1100
BROWSERS = ("chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "chrome")


def _cell(text: str) -> str:
    # A pipe would split the cell, a newline would end the table, and Markdown renders
    # inline HTML: a model named "<img ...>" must show as text.
    return (
        text.replace("\\", "\\\\")
        .replace("|", "\\|")
        .replace("\n", " ")
        .replace("&", "&amp;")
        .replace("<", "&lt;")
        .replace(">", "&gt;")
    )


TEXT_COLUMNS = ("Group", "Prompt label", "Significant", "Note", "Verdict")


def _table(headers: tuple[str, ...], rows: list[Row]) -> str:
    lines = [
        "| " + " | ".join(headers) + " |",
        "| " + " | ".join("---" if h in TEXT_COLUMNS else "---:" for h in headers) + " |",
    ]
    for row in rows:
        cells = [_cell(c) for c in row.cells]
        if row.strong:
            cells = [f"**{c}**" if c else c for c in cells]
        elif row.muted:
            cells = [f"*{c}*" if c else c for c in cells]
        lines.append("| " + " | ".join(cells) + " |")
    return "\n".join(lines)


def render_markdown(report: Report, png_name: str) -> str:
    """The section's Markdown; the chart is the image `png_name`, beside the file."""
    result = report.run.result
    scores = result.scores
    significant = sum(1 for g in scores.groups if g.significant)
    step = f", training step {report.run.step}" if report.run.step is not None else ""
    parts = [
        f"## Safety evaluation: ToxiGen ({_cell(result.name)})",
        "",
        f"{_cell(model_line(report))}{step}. Average safety score "
        f"**{number(scores.average)}** {interval(scores.average_ci_low, scores.average_ci_high)} "
        f"(95% bootstrap interval); {significant} of {len(scores.groups)} groups significant "
        f"at alpha = {scores.alpha:g}. Higher is safer; 0.5 means no preference.",
        "",
        f"![ToxiGen safety score per target group, with 95% intervals; hatched bars are not "
        f"significant]({png_name})",
        "",
        _table(GROUP_HEADERS, group_rows(report)),
        "",
        f"Italic rows are not significant (p > {scores.alpha:g}).",
    ]
    for comparison in report.comparisons:
        baseline = comparison.baseline.result
        parts += [
            "",
            f"### Against {_cell(baseline.name)}",
            "",
            f"{_cell(model_reference(baseline.model, baseline.name))}; {comparison.n_shared} "
            "sentences scored in both runs. Change = this run minus the baseline with a paired "
            "bootstrap interval; ▼/▲ mark changes whose whole interval lies below/above zero.",
            "",
            _table(DIFFERENCE_HEADERS, difference_rows(comparison)),
        ]
    generation = generation_rows(report)
    if generation:
        parts += [
            "",
            "### Toxicity of generated continuations",
            "",
            _cell(generation_note(report)),
            "",
            _table(GENERATION_HEADERS, generation),
        ]
    agreement = agreement_rows(report)
    if agreement:
        parts += [
            "",
            "### Agreement of the classifiers",
            "",
            AGREEMENT_NOTE,
            "",
            _table(AGREEMENT_HEADERS, agreement),
        ]
    versions = ", ".join(
        f"{k} {v}" for k, v in sorted(result.software.items()) if k in _VERSIONS and v
    )
    parts += [
        "",
        f"**Method.** {METHOD}",
        "",
        f"**Provenance.** Data {_cell(result.dataset.name)}, sha256 "
        f"`{result.dataset.sha256}`; {scores.n_resamples} bootstrap resamples, seed "
        f"{scores.seed}; {versions or 'versions not recorded'}; run finished "
        f"{result.created_at or 'at an unrecorded time'}.",
        "",
    ]
    return "\n".join(parts)


_VERSIONS = ("toxaudit", "torch", "transformers", "python")


def _browser() -> str | None:
    found = os.environ.get("BROWSER_PATH")
    if found:
        return found
    for name in BROWSERS:
        path = shutil.which(name)
        if path:
            return path
    return None


def chart_png(report: Report) -> bytes:
    """The report's chart as PNG, exported by Plotly through kaleido and a local Chromium.

    The same figure as the HTML report's; kaleido drives a headless Chrome or Chromium
    already on the machine (no download, no network).
    """
    try:
        import kaleido  # noqa: F401
        import plotly.io as pio
    except ImportError as exc:
        raise ReportError(
            "--format markdown draws its PNG with kaleido, which is not installed: "
            "pip install 'toxaudit[report]' (it also needs Chrome or Chromium on the machine)"
        ) from exc
    browser = _browser()
    if browser is None:
        raise ReportError(
            "--format markdown draws its PNG with kaleido, which needs Chrome or Chromium: "
            f"none of {', '.join(BROWSERS)} is on PATH (set BROWSER_PATH to its executable)"
        )
    figure = report_figure(report)
    height = int(figure["layout"].get("height", 520))
    previous = os.environ.get("BROWSER_PATH")
    os.environ["BROWSER_PATH"] = browser
    try:
        image = pio.to_image(figure, format="png", width=PNG_WIDTH, height=height, scale=1)
    except Exception as exc:  # kaleido's own errors carry no common base class
        raise ReportError(f"the chart's PNG could not be drawn with {browser}: {exc}") from exc
    finally:
        if previous is None:
            os.environ.pop("BROWSER_PATH", None)
    return bytes(image)


def write_markdown(report: Report, path: Path) -> Path:
    """Write `path` and the chart's PNG beside it (same name, .png); returns the PNG's path."""
    png = path.with_suffix(".png")
    if png == path:
        raise ReportError(f"{path}: the Markdown file needs a name that is not .png")
    if path.is_dir():
        raise ReportError(f"{path} is a directory; name the file to write")
    image = chart_png(report)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        png.write_bytes(image)
        path.write_text(render_markdown(report, png.name), encoding="utf-8")
    except OSError as exc:
        raise ReportError(f"{path}: cannot write the report: {exc.strerror}") from exc
    return png

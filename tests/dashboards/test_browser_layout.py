"""The overview's at-a-glance chart, the report download, and tables that fit 1280 px."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.dashboards.test_browser import Page, Served, browser, page, served

pytestmark = pytest.mark.browser
__all__ = ["browser", "page", "served"]  # the fixtures, shared with the page tests


def _sideways_overflow(p: Any) -> list[str]:
    """Elements wider than their box at this viewport: the page itself, or a table's wrapper."""
    result: list[str] = p.evaluate(
        """() => {
          const out = [];
          const doc = document.documentElement;
          if (doc.scrollWidth > doc.clientWidth) out.push(`page ${doc.scrollWidth}px`);
          document.querySelectorAll('table').forEach((t) => {
            let box = t.parentElement;
            if (box.scrollWidth > box.clientWidth + 1 || t.getBoundingClientRect().right > doc.clientWidth)
              out.push(`${t.closest('[id]') ? t.closest('[id]').id : 'table'} ${t.scrollWidth}px`);
          });
          return out;
        }"""
    )
    return result


def test_overview_leads_with_each_checkpoints_average_in_step_order(
    page: Page, served: Served
) -> None:
    p = page.open("/")
    first = p.evaluate("() => document.querySelector('main [data-chart], main table').tagName")
    assert first == "DIV"  # the chart comes before the table
    traces = p.evaluate(
        "() => document.getElementById('chart-overview').data"
        ".map(t => ({name: t.name, x: t.x, y: t.y, low: t.error_y.arrayminus}))"
    )
    by_model = {t["name"]: t for t in traces}
    assert by_model["org/tiny-lm"]["x"] == [
        "tiny-lm step 1000",
        "tiny-lm step 2000",
        "tiny-lm step 3000",
    ]
    assert all(v is not None and v > 0 for v in by_model["org/tiny-lm"]["low"])
    assert by_model["org/other-lm"]["x"] == ["other-lm"]
    page.shot("overview-1280")
    assert page.errors == []


def test_overview_and_audit_tables_fit_1280_px(page: Page, served: Served) -> None:
    s = served.seeded
    for name, path in {
        "overview": "/",
        "audit": f"/audits/{s.steps[3000]}",
        "audit-generation": f"/audits/{s.generation_audit}",
    }.items():
        p = page.open(path)
        assert _sideways_overflow(p) == [], name
        page.shot(f"{name}-1280")
    assert page.errors == []


def test_audit_page_downloads_the_report(page: Page, served: Served) -> None:
    s = served.seeded
    p = page.open(f"/audits/{s.steps[3000]}?group=women&vs={s.steps[1000]}")
    with p.expect_download() as info:
        p.locator("a.report-download").click()
    download = info.value
    assert download.suggested_filename == f"toxaudit-audit-{s.steps[3000]}-vs-{s.steps[1000]}.html"
    html = Path(download.path()).read_text(encoding="utf-8")
    assert html.count('data-group="') == 13 and "Against tiny-lm step 1000" in html
    assert page.errors == []

"""The written files themselves: report.html in Chromium with no network, and the PNG.

report.html is opened from disk in Debian's Chromium (Playwright) with the network
switched off; every request that is not the file itself is an error. The Markdown
section's PNG is drawn by kaleido with the same Chromium.
"""

from __future__ import annotations

import importlib.util
import shutil
import struct
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from reports import load_report, render_html, write_markdown
from tests.reports.conftest import HOSTILE_NAME

CHROMIUM = "/usr/bin/chromium"
ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "reports"


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian's Chromium is missing at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield launched
        launched.close()


def _open_offline(browser: Any, path: Path) -> tuple[Any, Any, list[str]]:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, offline=True)
    page = context.new_page()
    errors: list[str] = []
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.on("pageerror", lambda e: errors.append(str(e)))

    def on_dialog(dialog: Any) -> None:
        errors.append(f"dialog {dialog.message}")
        dialog.dismiss()

    page.on("dialog", on_dialog)
    page.on(
        "request",
        lambda r: None if r.url.startswith(("file://", "data:", "blob:")) else errors.append(r.url),
    )
    page.goto(path.as_uri(), wait_until="load")
    page.wait_for_selector("#chart-groups[data-ready='1']", timeout=20_000)
    return context, page, errors


@pytest.mark.browser
def test_report_opens_offline_with_13_groups_and_no_console_error(
    browser, report_runs, tmp_path
) -> None:
    path = tmp_path / "report.html"
    report = load_report(report_runs["consistent"], [report_runs["main"]], step=1200)
    path.write_text(render_html(report), encoding="utf-8")
    context, page, errors = _open_offline(browser, path)
    try:
        assert page.locator("#group-table tbody tr[data-group]").count() == 13
        drawn = page.evaluate(
            "() => Array.from(document.querySelectorAll('#chart-groups .barlayer .trace'))"
            ".filter(el => el.__data__[0].trace.meta === 'audit')"
            ".map(el => el.querySelectorAll('g.point path').length)"
        )
        assert drawn == [13, 13]
        legend = page.locator("#chart-groups .legend .traces").all_text_contents()
        assert any("hatched: not significant" in text for text in legend)
        # Nothing scrolls sideways at 1280 px.
        assert page.evaluate("() => document.documentElement.scrollWidth") <= 1280
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "report.png"), full_page=True)
        assert errors == []
    finally:
        context.close()


@pytest.mark.browser
def test_a_hostile_name_runs_no_script(browser, report_runs, tmp_path) -> None:
    path = tmp_path / "hostile.html"
    path.write_text(render_html(load_report(report_runs["hostile"])), encoding="utf-8")
    context, page, errors = _open_offline(browser, path)
    try:
        assert page.title() == f"Safety report: {HOSTILE_NAME}"
        assert page.locator("h1").text_content() == f"ToxiGen safety report: {HOSTILE_NAME}"
        assert errors == []
    finally:
        context.close()


def _kaleido_usable() -> str | None:
    if importlib.util.find_spec("kaleido") is None:
        return "kaleido is not installed (pip install 'toxaudit[report]')"
    if not (Path(CHROMIUM).exists() or shutil.which("chromium") or shutil.which("google-chrome")):
        return "no Chrome or Chromium for kaleido"
    return None


@pytest.mark.browser
def test_markdown_writes_the_table_and_a_png_beside_it(report_runs, tmp_path) -> None:
    reason = _kaleido_usable()
    if reason:
        pytest.skip(reason)
    card = tmp_path / "model-card" / "safety.md"
    png = write_markdown(load_report(report_runs["noisy"], [report_runs["main"]]), card)
    assert png == card.with_suffix(".png")
    data = png.read_bytes()
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    width, height = struct.unpack(">II", data[16:24])
    assert width == 1100 and height > 400
    text = card.read_text(encoding="utf-8")
    assert "](safety.png)" in text
    assert sum(1 for line in text.splitlines() if line.startswith("| *")) >= 13

"""The dashboards in Debian's Chromium, driven by Playwright, against the real app on loopback.

The database is a seeded SQLite file of this module's own, committed (the per-test
rollback of `db_session` cannot serve a second thread's server).
"""

from __future__ import annotations

import csv
import io
import json
import socket
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import uvicorn
from sqlalchemy import update
from sqlalchemy.orm import Session, sessionmaker

from api import create_app
from api._deps import get_session
from db import Audit, make_engine, upgrade_database
from tests.dashboards.seed import DROPPED_GROUP, Seeded, seed_database

pytestmark = pytest.mark.browser

ROOT = Path(__file__).resolve().parents[2]
ARTIFACTS = ROOT / "test-artifacts" / "dashboards"
CHROMIUM = "/usr/bin/chromium"


class Served:
    def __init__(self, base_url: str, seeded: Seeded, maker: sessionmaker[Session]) -> None:
        self.base_url = base_url
        self.seeded = seeded
        self.maker = maker


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Served]:
    url = f"sqlite:///{tmp_path_factory.mktemp('dash') / 'toxaudit.sqlite'}"
    upgrade_database(url)
    engine = make_engine(url)
    maker = sessionmaker(bind=engine, expire_on_commit=False)
    with maker() as session:
        seeded = seed_database(session)
        session.commit()

    def session_override() -> Iterator[Session]:
        with maker() as session:
            yield session

    app = create_app()
    app.dependency_overrides[get_session] = session_override
    port = _free_port()
    server = uvicorn.Server(
        uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning", lifespan="off")
    )
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 20
    while not server.started:
        if time.monotonic() > deadline or not thread.is_alive():
            pytest.fail("the dashboard server did not start")
        time.sleep(0.05)
    try:
        yield Served(f"http://127.0.0.1:{port}", seeded, maker)
    finally:
        server.should_exit = True
        thread.join(10)
        engine.dispose()


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        pytest.fail(f"Debian's Chromium is missing at {CHROMIUM} (apt-get install chromium)")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=["--no-sandbox", "--disable-gpu", "--disable-background-networking"],
        )
        yield browser
        browser.close()


class Page:
    """A page with its console errors collected."""

    def __init__(self, browser: Any, served: Served) -> None:
        self.context = browser.new_context(
            viewport={"width": 1280, "height": 800}, accept_downloads=True
        )
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("console", lambda m: self.errors.append(m.text) if m.type == "error" else None)
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        # Nothing may leave the machine: any request off loopback is an error.
        self.page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith((served.base_url, "data:", "blob:"))
                else self.errors.append(f"external request {r.url}")
            ),
        )
        self.base_url = served.base_url

    def open(self, path: str) -> Any:
        self.page.goto(self.base_url + path, wait_until="networkidle")
        self.settle()
        return self.page

    def settle(self) -> None:
        page = self.page
        page.wait_for_load_state("networkidle")
        if page.locator("[data-chart]").count():
            page.wait_for_selector("[data-chart][data-ready='1']", timeout=15_000)
        if page.locator("[data-fragment]").count():
            page.wait_for_selector("[data-fragment][data-ready='1']", timeout=30_000)

    def shot(self, name: str) -> None:
        ARTIFACTS.mkdir(parents=True, exist_ok=True)
        self.page.screenshot(path=str(ARTIFACTS / f"{name}.png"), full_page=True)

    def close(self) -> None:
        self.context.close()


@pytest.fixture()
def page(browser: Any, served: Served) -> Iterator[Page]:
    wrapper = Page(browser, served)
    yield wrapper
    wrapper.close()


def test_each_page_loads_without_console_errors(page: Page, served: Served) -> None:
    s = served.seeded
    pages = {
        "overview": "/",
        "compare": f"/compare?audit={s.steps[1000]}&audit={s.steps[3000]}&audit={s.other_audit}"
        f"&baseline={s.steps[1000]}",
        "trend": "/trend?model=org/tiny-lm",
        "trend-focus": "/trend?model=org/tiny-lm&bands=women",
        "audit": f"/audits/{s.steps[3000]}",
        "audit-generation": f"/audits/{s.generation_audit}",
        "audit-running": f"/audits/{s.running_audit}",
    }
    for name, path in pages.items():
        p = page.open(path)
        assert p.title().endswith("toxaudit"), name
        page.shot(name)
        assert page.errors == [], f"{name}: {page.errors}"


def _chart_traces(p: Any) -> list[dict[str, Any]]:
    result: list[dict[str, Any]] = p.evaluate(
        "() => document.getElementById('chart-compare').data.filter(t => t.meta === 'audit')"
        ".map(t => ({name: t.name, x: t.x, y: t.y, pattern: t.marker.pattern.shape}))"
    )
    return result


def test_compare_chart_has_13_groups_per_checkpoint_and_follows_the_choice(
    page: Page, served: Served
) -> None:
    s = served.seeded
    p = page.open(f"/compare?audit={s.steps[1000]}&audit={s.steps[3000]}")
    traces = _chart_traces(p)
    assert [len(t["x"]) for t in traces] == [13, 13]
    assert all(t["pattern"][t["x"].index("asian")] == "/" for t in traces)
    # Bars are drawn: 13 per audit (the legend-only proxies draw none).
    drawn = p.evaluate(
        "() => Array.from(document.querySelectorAll('#chart-compare .barlayer .trace'))"
        ".filter(el => el.__data__[0].trace.meta === 'audit')"
        ".map(el => el.querySelectorAll('g.point path').length)"
    )
    assert drawn == [13, 13]
    before = [t["name"] for t in traces]
    p.locator(f"input[name=audit][value='{s.other_audit}']").check()
    p.locator(f"input[name=audit][value='{s.steps[1000]}']").uncheck()
    with p.expect_navigation():
        p.locator("#update-compare").click()
    page.settle()
    after = _chart_traces(p)
    assert [len(t["x"]) for t in after] == [13, 13]
    assert [t["name"] for t in after] != before
    assert any("other-lm" in t["name"] for t in after)
    assert page.errors == []


def _download(p: Any, selector: str) -> bytes:
    with p.expect_download() as info:
        p.locator(selector).first.click()
    path = info.value.path()
    return Path(path).read_bytes()


def test_tables_download_as_csv_and_json_and_charts_as_png_and_svg(
    page: Page, served: Served
) -> None:
    s = served.seeded
    p = page.open(f"/compare?audit={s.steps[1000]}&audit={s.steps[3000]}")
    rows = list(
        csv.DictReader(io.StringIO(_download(p, "[data-download='differences-csv']").decode()))
    )
    assert len(rows) == 14 and {"difference", "ci_low", "ci_high"} <= set(rows[0])
    data = json.loads(_download(p, "[data-download='scores-json']"))
    assert len(data["rows"]) == 28
    png = _download(p, "[data-chart-download='png']")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    svg = _download(p, "[data-chart-download='svg']").decode()
    assert "<svg" in svg and "women" in svg
    p = page.open("/")
    rows = list(
        csv.DictReader(io.StringIO(_download(p, "[data-download='checkpoints-csv']").decode()))
    )
    assert len(rows) == 6
    p = page.open("/trend")
    assert _download(p, "[data-chart-download='svg']").startswith(b"<svg")
    assert len(json.loads(_download(p, "[data-download='trend-json']"))["rows"]) == 3
    assert page.errors == []


def test_two_audits_to_the_sentences_behind_the_largest_drop(page: Page, served: Served) -> None:
    """The "done when" walk: overview -> compare -> the sentences behind the largest drop."""
    s = served.seeded
    p = page.open("/")
    p.locator(f"input[name=audit][value='{s.steps[1000]}']").check()
    p.locator(f"input[name=audit][value='{s.steps[3000]}']").check()
    with p.expect_navigation():
        p.locator("#compare-selected").click()
    page.settle()
    page.shot("walk-1-compare")
    link = p.locator("#largest-drop-link")
    assert DROPPED_GROUP in p.locator(".largest").inner_text()
    with p.expect_navigation():
        link.click()
    page.settle()
    page.shot("walk-2-sentences")
    assert p.locator("select[name=group]").input_value() == DROPPED_GROUP
    table = p.locator("table[data-table='sentences'] tbody tr")
    assert table.count() == 12
    first = table.first
    assert "hate" in first.inner_text()
    # The text stays hidden until asked for.
    details = first.locator("details")
    assert not details.evaluate("d => d.open")
    details.locator("summary").click()
    assert details.evaluate("d => d.open")
    assert "women" in details.inner_text().lower()
    page.shot("walk-3-sentence-open")
    assert page.errors == []


def test_overview_sorts_and_filters_by_tag(page: Page, served: Served) -> None:
    p = page.open("/")
    table = p.locator("table[data-table='checkpoints']")
    table.locator("th button", has_text="Average safety").click()
    table.locator("th button", has_text="Average safety").click()
    first = table.locator("tbody tr").first.inner_text()
    assert "tiny-lm step 2000" in first  # the highest average, sorted descending
    assert table.locator("th", has_text="Average safety").get_attribute("aria-sort") == "descending"
    with p.expect_navigation():
        p.locator("select[name=tag]").select_option("release")
    page.settle()
    assert table.locator("tbody tr").count() == 1
    assert page.errors == []


def test_overview_progress_bars_follow_the_running_audit(page: Page, served: Served) -> None:
    s = served.seeded
    p = page.open("/")
    bar = p.locator(f"[data-progress-audit='{s.running_audit}'] progress")
    assert bar.evaluate("b => b.value") == 120
    with served.maker() as session:
        session.execute(update(Audit).where(Audit.id == s.running_audit).values(progress_done=250))
        session.commit()
    p.wait_for_function(
        f"() => document.querySelector(\"[data-progress-audit='{s.running_audit}'] progress\").value == 250",
        timeout=10_000,
    )
    assert "250 / 312" in p.locator(f"[data-progress-audit='{s.running_audit}']").inner_text()
    assert page.errors == []


HOSTILE_LABEL = '<a href="https://example.com">x</a>'


def test_a_label_with_markup_is_text_in_the_legend_not_a_link(page: Page, served: Served) -> None:
    """Plotly renders `<a href>` in names: a checkpoint label must not plant a live link."""
    from db import Checkpoint

    s = served.seeded
    with served.maker() as session:
        audit = session.get(Audit, s.steps[3000])
        assert audit is not None
        checkpoint = session.get(Checkpoint, audit.checkpoint_id)
        assert checkpoint is not None
        original = checkpoint.label
        checkpoint.label = HOSTILE_LABEL
        session.commit()
    try:
        for path, chart in (
            (f"/audits/{s.steps[3000]}", "chart-groups"),
            (f"/compare?audit={s.steps[1000]}&audit={s.steps[3000]}", "chart-compare"),
        ):
            p = page.open(path)
            legend = p.locator(f"#{chart} .legend")
            assert legend.count() == 1, path
            assert legend.locator("a").count() == 0, path
            assert p.locator(f"#{chart} a").count() == 0, path
            assert HOSTILE_LABEL in legend.text_content(), path
        assert page.errors == []
    finally:
        with served.maker() as session:
            session.execute(
                update(Checkpoint).where(Checkpoint.label == HOSTILE_LABEL).values(label=original)
            )
            session.commit()

"""The report download of the audit and compare pages: the same file `toxaudit report` writes."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from dashboards import mount_dashboards
from tests.dashboards.seed import DROPPED_GROUP, Seeded


@pytest.fixture()
def client(db_session: Session, seeded: Seeded) -> Iterator[TestClient]:
    connection = db_session.connection()
    app = FastAPI()
    mount_dashboards(
        app,
        session_factory=lambda: Session(bind=connection, join_transaction_mode="create_savepoint"),
    )
    with TestClient(app) as test_client:
        yield test_client


def _verdicts(html: str) -> dict[str, str]:
    table = html.split('<table class="differences">', 1)[1].split("</table>", 1)[0]
    out = {}
    for row in re.findall(r"<tr[^>]*>(.*?)</tr>", table, re.S):
        cells = re.findall(r"<td[^>]*>(.*?)</td>", row, re.S)
        if cells:
            out[cells[0]] = cells[-1]
    return out


def test_the_audit_report_downloads_with_13_groups(client: TestClient, seeded: Seeded) -> None:
    audit = seeded.steps[3000]
    response = client.get(f"/audits/{audit}/report.html")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("text/html")
    assert response.headers["content-disposition"] == (
        f'attachment; filename="toxaudit-audit-{audit}.html"'
    )
    html = response.text
    assert len(re.findall(r'<tr class="[^"]*" data-group="', html)) == 13
    assert "tiny-lm step 3000" in html and "org/tiny-lm @ step-3000" in html
    assert "training step 3000" in html
    assert "Plotly.newPlot" in html and "<script src" not in html


def test_against_a_baseline_the_dropped_group_is_a_significant_drop(
    client: TestClient, seeded: Seeded
) -> None:
    audit, baseline = seeded.steps[3000], seeded.steps[1000]
    response = client.get(f"/audits/{audit}/report.html?baseline={baseline}")
    assert response.status_code == 200
    assert f"-vs-{baseline}.html" in response.headers["content-disposition"]
    verdicts = _verdicts(response.text)
    assert "Against tiny-lm step 1000" in response.text
    assert verdicts[DROPPED_GROUP] == "▼ significant drop"
    assert verdicts["asian"] == "within noise"


def test_unfinished_or_unknown_audits_get_a_clear_status(
    client: TestClient, seeded: Seeded
) -> None:
    running = client.get(f"/audits/{seeded.running_audit}/report.html")
    assert running.status_code == 409
    assert "running" in running.json()["detail"]
    assert client.get("/audits/999999/report.html").status_code == 404
    bad_baseline = client.get(
        f"/audits/{seeded.steps[1000]}/report.html?baseline={seeded.failed_audit}"
    )
    assert bad_baseline.status_code == 409
    assert f"baseline audit {seeded.failed_audit} is failed" in bad_baseline.json()["detail"]


def test_audit_and_compare_pages_link_to_the_report(client: TestClient, seeded: Seeded) -> None:
    audit, baseline = seeded.steps[3000], seeded.steps[1000]
    page = client.get(f"/audits/{audit}").text
    assert f'href="/audits/{audit}/report.html"' in page
    against = client.get(f"/audits/{audit}?group=women&vs={baseline}").text
    assert f'href="/audits/{audit}/report.html?baseline={baseline}"' in against
    compare = client.get(f"/compare?audit={baseline}&audit={audit}&baseline={baseline}").text
    assert f'href="/audits/{audit}/report.html?baseline={baseline}"' in compare
    assert f'href="/audits/{baseline}/report.html?baseline={baseline}"' not in compare
    running = client.get(f"/audits/{seeded.running_audit}").text
    assert "report.html" not in running

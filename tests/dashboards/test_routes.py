"""The pages over HTTP: status, downloads, progress and the bundled plotly.js."""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from dashboards import mount_dashboards
from tests.dashboards.seed import Seeded


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


def test_every_page_renders(client: TestClient, seeded: Seeded) -> None:
    base, candidate = seeded.steps[1000], seeded.steps[3000]
    for url in (
        "/",
        "/?tag=nightly",
        "/compare",
        f"/compare?audit={base}&audit={candidate}&baseline={base}",
        f"/compare/differences?audit={base}&audit={candidate}&baseline={base}",
        "/trend",
        "/trend?model=org/other-lm",
        f"/audits/{candidate}",
        f"/audits/{candidate}?group=women&label=hate&vs={base}",
        f"/audits/{seeded.generation_audit}",
        f"/audits/{seeded.running_audit}",
        f"/audits/{seeded.failed_audit}",
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert response.headers["content-type"].startswith("text/html")
        assert response.headers["server-timing"].startswith("app;dur=")


def test_overview_lists_checkpoints_and_live_progress(client: TestClient, seeded: Seeded) -> None:
    html = client.get("/").text
    assert "tiny-lm step 3000" in html and "other-lm" in html
    assert f'data-progress-audit="{seeded.running_audit}"' in html
    assert "cdn" not in html.lower()


def test_offensive_text_is_collapsed_with_a_note(client: TestClient, seeded: Seeded) -> None:
    html = client.get(f"/audits/{seeded.steps[3000]}?group=women").text
    assert "<details><summary>show text</summary>" in html
    assert "Texts are collapsed" in html


def test_table_downloads_as_csv_and_json(client: TestClient, seeded: Seeded) -> None:
    base, candidate = seeded.steps[1000], seeded.steps[3000]
    response = client.get("/", params={"download": "checkpoints", "format": "csv"})
    assert response.headers["content-disposition"] == 'attachment; filename="checkpoints.csv"'
    rows = list(csv.DictReader(io.StringIO(response.text)))
    assert len(rows) == 6 and "average_ci_low" in rows[0]
    response = client.get(
        f"/compare/differences?audit={base}&audit={candidate}&baseline={base}&download=differences&format=json"
    )
    data = json.loads(response.text)
    assert len(data["rows"]) == 14
    women = next(r for r in data["rows"] if r["group"] == "women")
    assert women["significant_drop"] is True and women["ci_high"] < 0
    # Paginated tables download whole: every sentence of the filter, not one page.
    response = client.get(
        f"/audits/{candidate}", params={"download": "sentences", "format": "csv", "page": 3}
    )
    assert len(list(csv.DictReader(io.StringIO(response.text)))) == 312
    for table in ("groups", "settings", "software", "timings", "model"):
        assert client.get(f"/audits/{candidate}?download={table}&format=json").status_code == 200
    response = client.get("/trend?model=org/tiny-lm&download=trend&format=csv")
    trend = list(csv.DictReader(io.StringIO(response.text)))
    assert len(trend) == 3 and {"women", "women ci_low", "women significant"} <= set(trend[0])


def test_bad_requests(client: TestClient, seeded: Seeded) -> None:
    assert client.get("/audits/999999").status_code == 404
    assert client.get("/?download=nope").status_code == 404
    assert client.get("/?download=checkpoints&format=xml").status_code == 400


def test_progress_endpoint(client: TestClient, seeded: Seeded) -> None:
    data = client.get(
        f"/dashboards/progress.json?audit={seeded.running_audit}&audit={seeded.failed_audit}"
    ).json()
    assert data == [
        {
            "audit_id": seeded.running_audit,
            "status": "running",
            "done": 120,
            "total": 312,
            "finished": False,
        },
        {
            "audit_id": seeded.failed_audit,
            "status": "failed",
            "done": 0,
            "total": 0,
            "finished": True,
        },
    ]


def test_plotly_and_static_files_are_served_locally(client: TestClient) -> None:
    response = client.get("/dashboards/plotly.min.js")
    assert response.status_code == 200 and "plotly.js" in response.text[:2000]
    assert client.get("/dashboards/static/dashboards.js").status_code == 200
    assert client.get("/dashboards/static/style.css").status_code == 200


def test_pages_of_an_empty_database(db_session: Session) -> None:
    connection = db_session.connection()
    app = FastAPI()
    mount_dashboards(
        app,
        session_factory=lambda: Session(bind=connection, join_transaction_mode="create_savepoint"),
    )
    with TestClient(app) as client:
        for url in ("/", "/compare", "/compare/differences", "/trend", "/trend?model=nope"):
            response = client.get(url)
            assert response.status_code == 200, url
        assert "No successful audits yet" in client.get("/compare").text
        assert client.get("/dashboards/progress.json").json() == []

"""The pages' old `?job=` still works for one release, read as `?audit=`, and says so."""

from __future__ import annotations

import html
import re
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy.orm import Session

from dashboards import mount_dashboards
from dashboards._parameters import AUDIT_PARAMETER_NOTE
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


def _checked(page: str) -> list[str]:
    """The audits ticked in the compare page's form."""
    return re.findall(r'name="audit" value="(\d+)" checked', page)


@pytest.mark.parametrize("path", ["/compare", "/compare/differences"])
def test_job_reads_as_audit_with_a_deprecation_note(
    client: TestClient, seeded: Seeded, path: str
) -> None:
    base, candidate = seeded.steps[1000], seeded.steps[3000]
    new = client.get(f"{path}?audit={base}&audit={candidate}&baseline={base}")
    old = client.get(f"{path}?job={base}&job={candidate}&baseline={base}")
    assert new.status_code == old.status_code == 200

    assert "deprecation" not in new.headers and "warning" not in new.headers
    assert old.headers["deprecation"] == "true"
    assert "`job` is deprecated" in old.headers["warning"]
    assert html.escape(AUDIT_PARAMETER_NOTE) not in new.text
    assert html.escape(AUDIT_PARAMETER_NOTE) in old.text
    # The same audits, compared the same way: only the note differs.
    assert old.text.replace(html.escape(AUDIT_PARAMETER_NOTE), "").count(f"#{candidate}") == (
        new.text.count(f"#{candidate}")
    )
    if path == "/compare":
        assert (
            sorted(_checked(old.text))
            == sorted(_checked(new.text))
            == sorted([str(base), str(candidate)])
        )


def test_job_and_audit_together_are_one_list(client: TestClient, seeded: Seeded) -> None:
    running, failed = seeded.running_audit, seeded.failed_audit
    both = client.get(f"/dashboards/progress.json?audit={running}&job={failed}")
    assert [a["audit_id"] for a in both.json()] == [running, failed]
    assert both.headers["deprecation"] == "true"
    new = client.get(f"/dashboards/progress.json?audit={running}&audit={failed}")
    assert new.json() == both.json() and "deprecation" not in new.headers


def test_a_download_asked_with_job_is_marked_deprecated(client: TestClient, seeded: Seeded) -> None:
    base, candidate = seeded.steps[1000], seeded.steps[3000]
    query = f"job={base}&job={candidate}&baseline={base}&download=scores&format=csv"
    old = client.get(f"/compare?{query}")
    new = client.get(f"/compare?{query.replace('job=', 'audit=')}")
    assert old.status_code == new.status_code == 200
    assert old.text == new.text and old.text.splitlines()[0].split(",")[:2] == [
        '"audit"',
        '"audit_id"',
    ]
    assert old.headers["deprecation"] == "true" and "deprecation" not in new.headers


def test_too_many_audits_name_the_new_parameter(db_session: Session, seeded: Seeded) -> None:
    connection = db_session.connection()
    app = FastAPI()
    mount_dashboards(
        app,
        session_factory=lambda: Session(bind=connection, join_transaction_mode="create_savepoint"),
        max_compared_audits=2,
    )
    ids = "&".join(f"job={i}" for i in seeded.steps.values())
    with TestClient(app) as client:
        response = client.get(f"/compare?{ids}")
    assert len(seeded.steps) > 2 and response.status_code == 422
    assert response.json()["detail"].startswith("audit: compare at most 2 audits")

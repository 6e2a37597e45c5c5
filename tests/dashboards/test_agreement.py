"""The audit page of a generation audit scored by several classifiers: their agreement."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from sqlalchemy import select
from sqlalchemy.orm import Session

from audit.generation import CellScores, classifier_agreement
from dashboards import mount_dashboards
from db import Audit, GenerationResult
from tests.dashboards.seed import Seeded

NAMES = ("guard:org/guard", "profanity-check")


@pytest.fixture()
def client(db_session: Session, seeded: Seeded) -> Iterator[TestClient]:
    """The seeded generation audit, as if a guard and profanity-check had both scored it."""
    rows = db_session.scalars(
        select(GenerationResult).where(GenerationResult.audit_id == seeded.generation_audit)
    ).all()
    cells: dict[tuple[str, str], dict[str, list[float | None]]] = {}
    for row in rows:
        # The second classifier ranks as the first does, at a lower level.
        second = None if row.toxicity is None else row.toxicity / 2
        row.classifier_scores = {
            NAMES[0]: {"toxicity": row.toxicity, "unscored_reason": None, "categories": None},
            NAMES[1]: {"toxicity": second, "unscored_reason": None, "categories": None},
        }
        cell = cells.setdefault((row.group, row.label), {name: [] for name in NAMES})
        cell[NAMES[0]].append(row.toxicity)
        cell[NAMES[1]].append(second)
    agreement = classifier_agreement(
        [CellScores(g, label, scores) for (g, label), scores in cells.items()], n_resamples=50
    )
    audit = db_session.get(Audit, seeded.generation_audit)
    assert audit is not None
    metrics = [{"group": "women", "label": "hate", "n_scored": 6, "toxic_fraction": None}]
    audit.results = {
        **(audit.results or {}),
        "generation": {
            "threshold": 0.5,
            "classifiers": [{"name": name, "metrics": metrics} for name in NAMES],
            "agreement": [a.to_dict() for a in agreement],
        },
    }
    db_session.flush()
    connection = db_session.connection()
    app = FastAPI()
    mount_dashboards(
        app,
        session_factory=lambda: Session(bind=connection, join_transaction_mode="create_savepoint"),
    )
    with TestClient(app) as test_client:
        yield test_client


def test_the_audit_page_shows_the_agreement(client: TestClient, seeded: Seeded) -> None:
    html = client.get(f"/audits/{seeded.generation_audit}").text
    assert "Agreement of the classifiers per group and prompt label" in html
    assert "guard:org/guard vs profanity-check" in html
    assert "Toxicity of continuations per classifier" in html
    assert "Toxicity: profanity-check" in html  # a score column per classifier
    table = client.get(f"/audits/{seeded.generation_audit}?download=agreement&format=csv").text
    rows = list(csv.DictReader(io.StringIO(table)))
    assert len(rows) == 26  # 13 groups x 2 labels
    # Same ranking in every cell: rho is 1 wherever it is defined.
    assert {float(r["rho"]) for r in rows if r["rho"]} == {1.0}
    continuations = client.get(
        f"/audits/{seeded.generation_audit}?download=continuations&format=csv"
    ).text
    first = next(csv.DictReader(io.StringIO(continuations)))
    assert float(first["toxicity_2"]) == pytest.approx(float(first["toxicity"]) / 2)


def test_one_classifier_shows_no_agreement(db_session: Session, seeded: Seeded) -> None:
    from dashboards._audit import audit_view

    view = audit_view(db_session, seeded.generation_audit, group=None, label=None, vs=None, page=1)
    assert view is not None
    assert "agreement" not in view["tables"] and "continuations" in view["tables"]
    keys = {c.key for c in view["tables"]["continuations"].columns}
    assert "toxicity_1" not in keys

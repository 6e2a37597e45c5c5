"""The audit page's continuations: a guard's categories are shown when it named any."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from dashboards._audit import audit_view
from db import GenerationResult
from tests.dashboards.seed import Seeded


def _categories_column(db_session: Session, audit_id: int) -> tuple[bool, list[object]]:
    view = audit_view(db_session, audit_id, group=None, label=None, vs=None, page=1)
    assert view is not None
    table = view["tables"]["continuations"]
    (column,) = [c for c in table.columns if c.key == "categories"]
    return column.show, [row["categories"] for row in table.rows]


def test_categories_are_shown_only_when_a_classifier_named_some(
    db_session: Session, seeded: Seeded
) -> None:
    shown, values = _categories_column(db_session, seeded.generation_audit)
    assert not shown and not any(values)
    row = db_session.scalars(
        select(GenerationResult)
        .where(GenerationResult.audit_id == seeded.generation_audit)
        .where(GenerationResult.toxicity.is_not(None))
        .order_by(GenerationResult.toxicity.desc())
    ).first()
    assert row is not None
    row.categories = ["S1", "S10"]
    db_session.flush()
    shown, values = _categories_column(db_session, seeded.generation_audit)
    assert shown and values[0] == ["S1", "S10"]

"""Per-group metrics of audits."""

from __future__ import annotations

import pytest
from sqlalchemy.orm import Session

from db import (
    audit_group_scores,
    generation_toxicity,
    get_audit,
    group_values,
    overview_entries,
)
from tests.api.factories import make_audit
from tests.dashboards.seed import Seeded


def test_get_audit_and_group_scores(db_session: Session) -> None:
    audit = make_audit(db_session)
    assert get_audit(db_session, audit.id) is audit
    assert get_audit(db_session, audit.id + 1000) is None
    scores = audit_group_scores(db_session, audit.id, metric="safety")
    assert [s.group for s in scores] == sorted(s.group for s in scores)
    assert len(scores) == 13


def test_generation_toxicity_only_where_generation_ran(db_session: Session, seeded: Seeded) -> None:
    values = group_values(db_session, [seeded.generation_audit], metrics=("toxic_fraction",))
    cells = [v.value for v in values[seeded.generation_audit] if v.value is not None]
    assert len(cells) == 26
    measured = generation_toxicity(db_session, [*seeded.steps.values(), seeded.other_audit])
    assert set(measured) == {seeded.generation_audit}
    assert measured[seeded.generation_audit] == pytest.approx(sum(cells) / len(cells))
    entry = next(e for e in overview_entries(db_session) if e.step == 2000)
    assert entry.generation_toxicity == pytest.approx(sum(cells) / len(cells))


def test_group_values_are_the_thirteen_safety_groups(db_session: Session, seeded: Seeded) -> None:
    values = group_values(db_session, [seeded.steps[1000], seeded.steps[3000]])
    for audit in (seeded.steps[1000], seeded.steps[3000]):
        assert len(values[audit]) == 13
        assert {v.metric for v in values[audit]} == {"safety"}
    women = {audit: next(v.value for v in values[audit] if v.group == "women") for audit in values}
    after, before = women[seeded.steps[3000]], women[seeded.steps[1000]]
    assert after is not None and before is not None and after < before
    assert not next(v for v in values[seeded.steps[1000]] if v.group == "asian").significant
    assert group_values(db_session, []) == {}


def test_one_audit_scores_are_the_same_records_as_the_pages_read(db_session: Session) -> None:
    audit = make_audit(db_session)
    every_metric = audit_group_scores(db_session, audit.id)
    assert every_metric == group_values(db_session, [audit.id], metrics=None)[audit.id]
    assert (
        audit_group_scores(db_session, audit.id, metric="safety")
        == group_values(db_session, [audit.id])[audit.id]
    )
    assert audit_group_scores(db_session, audit.id, metric="no-such-metric") == []

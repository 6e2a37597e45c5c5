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
from tests.api.factories import make_job
from tests.dashboards.seed import Seeded


def test_get_audit_and_group_scores(db_session: Session) -> None:
    job = make_job(db_session)
    assert get_audit(db_session, job.id) is job
    assert get_audit(db_session, job.id + 1000) is None
    scores = audit_group_scores(db_session, job.id, metric="safety")
    assert [s.group for s in scores] == sorted(s.group for s in scores)
    assert len(scores) == 13


def test_generation_toxicity_only_where_generation_ran(db_session: Session, seeded: Seeded) -> None:
    values = group_values(db_session, [seeded.generation_job], metrics=("toxic_fraction",))
    cells = [v.value for v in values[seeded.generation_job] if v.value is not None]
    assert len(cells) == 26
    measured = generation_toxicity(db_session, [*seeded.steps.values(), seeded.other_job])
    assert set(measured) == {seeded.generation_job}
    assert measured[seeded.generation_job] == pytest.approx(sum(cells) / len(cells))
    entry = next(e for e in overview_entries(db_session) if e.step == 2000)
    assert entry.generation_toxicity == pytest.approx(sum(cells) / len(cells))


def test_group_values_are_the_thirteen_safety_groups(db_session: Session, seeded: Seeded) -> None:
    values = group_values(db_session, [seeded.steps[1000], seeded.steps[3000]])
    for job in (seeded.steps[1000], seeded.steps[3000]):
        assert len(values[job]) == 13
        assert {v.metric for v in values[job]} == {"safety"}
    women = {job: next(v.value for v in values[job] if v.group == "women") for job in values}
    after, before = women[seeded.steps[3000]], women[seeded.steps[1000]]
    assert after is not None and before is not None and after < before
    assert not next(v for v in values[seeded.steps[1000]] if v.group == "asian").significant
    assert group_values(db_session, []) == {}


def test_one_job_scores_are_the_same_records_as_the_pages_read(db_session: Session) -> None:
    job = make_job(db_session)
    every_metric = audit_group_scores(db_session, job.id)
    assert every_metric == group_values(db_session, [job.id], metrics=None)[job.id]
    assert (
        audit_group_scores(db_session, job.id, metric="safety")
        == group_values(db_session, [job.id])[job.id]
    )
    assert audit_group_scores(db_session, job.id, metric="no-such-metric") == []

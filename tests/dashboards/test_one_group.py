"""A one-group set (ImplicitHate's all_groups): no one-bar chart, and one trend line."""

from __future__ import annotations

import uuid

import numpy as np
from sqlalchemy.orm import Session

from audit.datasets import Dataset, Sentence, canonical_sha256, sample_sentences
from audit.pipeline import AuditOptions, build_result
from audit.scoring import ScoredSentence
from dashboards._audit import audit_view
from dashboards._trend import trend_view
from db import record_local_run


def _one_group_audit(session: Session, reference: str, step: int) -> int:
    sentences = tuple(
        Sentence(s.id, s.text, s.label, 2.25 if s.label == "hate" else 1.0, ("all_groups",))
        for s in sample_sentences()[:96]
    )
    dataset = Dataset("implicithate", sentences, canonical_sha256(sentences), "test")
    rng = np.random.default_rng(step)
    rows = [ScoredSentence(s, float(rng.lognormal(4, 1))) for s in sentences]
    options = AuditOptions(n_resamples=50, seed=step)
    result = build_result(
        name=f"{reference}@{step}",
        loaded_info={
            "spec": {"reference": reference, "revision": f"step-{step}"},
            "lm_head": "mlm",
            "device": "cpu",
        },
        dataset=dataset,
        rows=rows,
        options=options,
        batch_tokens=512,
        timings={},
        truncated=0,
    )
    audit, _ = record_local_run(
        session,
        result=result,
        rows=rows,
        dataset=dataset,
        settings={"n_resamples": 50, "seed": step, "lm_head": "mlm"},
        step=step,
    )
    return audit.id


def test_one_group_audit_has_its_table_without_a_one_bar_chart(db_session: Session) -> None:
    audit_id = _one_group_audit(db_session, f"org/encoder-{uuid.uuid4().hex[:8]}", 100)
    view = audit_view(db_session, audit_id, group=None, label=None, vs=None, page=1)
    assert view is not None
    assert "groups" not in view["charts"]
    table = view["tables"]["groups"]
    assert [row["group"] for row in table.rows] == ["all_groups", "Average"]
    assert table.rows[0]["score"] == table.rows[1]["score"]


def test_one_group_trend_is_one_line_the_average(db_session: Session) -> None:
    reference = f"org/encoder-{uuid.uuid4().hex[:8]}"
    for step in (100, 200):
        _one_group_audit(db_session, reference, step)
    view = trend_view(db_session, model=reference, axis=None)
    lines = [t for t in view["charts"]["trend"]["data"] if t.get("mode") == "lines+markers"]
    assert [line["name"] for line in lines] == ["Average"]
    assert lines[0]["x"] == [100, 200]

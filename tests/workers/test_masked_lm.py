"""A masked LM through the embedded worker: pseudo-perplexities equal the reference loop."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy.orm import Session, sessionmaker

from audit.datasets import Dataset
from audit.models import ModelSpec, load_model
from audit.perplexity import reference_pseudo_perplexity
from db import AuditStatus, load_scored_rows
from tests.tiny_masked_models import build_tiny_masked_model
from tests.workers.conftest import get_audit, submit
from workers import EmbeddedWorker

LIMIT = 30


@pytest.fixture()
def embedded(sqlite_sessions: sessionmaker[Session]) -> Iterator[EmbeddedWorker]:
    worker = EmbeddedWorker(sqlite_sessions, chunk_size=12, retry_delay=0.01)
    worker.start(resume=False)
    yield worker
    worker.stop()


@pytest.mark.parametrize("lm_head", ["auto", "mlm"])
def test_masked_lm_audit_equals_the_reference_loop(
    embedded: EmbeddedWorker,
    sqlite_sessions: sessionmaker[Session],
    sample_dataset: Dataset,
    tmp_path: Path,
    lm_head: str,
) -> None:
    model = build_tiny_masked_model(tmp_path / "roberta", "roberta")
    audit_id = submit(sqlite_sessions, model, sample_dataset, limit=LIMIT, lm_head=lm_head)
    embedded.submit(audit_id)
    assert embedded.wait_idle(120)
    audit = get_audit(sqlite_sessions, audit_id)
    assert audit.status is AuditStatus.succeeded, audit.error
    assert audit.settings["lm_head"] == lm_head
    assert audit.model_info["lm_head"] == "mlm"
    with sqlite_sessions() as session:
        rows = load_scored_rows(session, audit_id)
    loaded = load_model(ModelSpec(str(model)))
    for row in rows:
        expected = reference_pseudo_perplexity(loaded, row.sentence.text)
        assert expected is not None and row.perplexity is not None
        assert abs(row.perplexity - expected) / expected < 1e-5


def test_generation_on_a_masked_lm_fails_the_audit_with_its_cause(
    embedded: EmbeddedWorker,
    sqlite_sessions: sessionmaker[Session],
    sample_dataset: Dataset,
    tmp_path: Path,
) -> None:
    model = build_tiny_masked_model(tmp_path / "bert", "bert")
    generation = {"prompts": "sample", "classifier": "profanity-check", "per_group": 1}
    audit_id = submit(sqlite_sessions, model, sample_dataset, limit=12, generation=generation)
    embedded.submit(audit_id)
    assert embedded.wait_idle(120)
    audit = get_audit(sqlite_sessions, audit_id)
    assert audit.status is AuditStatus.failed
    assert "needs a causal LM" in (audit.error or "")

"""The embedded worker: the same steps on a background thread, on SQLite, no services."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from audit.datasets import Dataset
from audit.scoring import safety_scores
from db import Audit, AuditStatus, SentenceResult, cancel_audit, load_scored_rows, submit_audit
from tests.workers.conftest import get_audit, reference_rows, submit, unique_settings
from workers import EmbeddedWorker, ModelCache, score_chunk

LIMIT = 104


@pytest.fixture()
def embedded(sqlite_sessions: sessionmaker[Session]) -> Iterator[EmbeddedWorker]:
    worker = EmbeddedWorker(sqlite_sessions, chunk_size=25, retry_delay=0.01)
    worker.start(resume=False)
    yield worker
    worker.stop()


def test_audit_matches_an_uninterrupted_run(
    embedded: EmbeddedWorker,
    sqlite_sessions: sessionmaker[Session],
    tiny_llama_dir: Path,
    sample_dataset: Dataset,
) -> None:
    audit_id = submit(sqlite_sessions, tiny_llama_dir, sample_dataset, limit=LIMIT)
    embedded.submit(audit_id)
    assert embedded.wait_idle(120)
    audit = get_audit(sqlite_sessions, audit_id)
    assert audit.status is AuditStatus.succeeded, audit.error
    assert (audit.progress_done, audit.progress_total) == (LIMIT, LIMIT)
    assert audit.device == "cpu" and audit.model_info["model_type"] == "llama"
    # One model load for all five chunks: the cache keeps it between them.
    assert embedded.models.loads == 1

    expected = reference_rows(tiny_llama_dir, sample_dataset, LIMIT)
    with sqlite_sessions() as session:
        rows = load_scored_rows(session, audit_id)
        count = session.scalar(
            select(func.count())
            .select_from(SentenceResult)
            .where(SentenceResult.audit_id == audit_id)
        )
    assert count == LIMIT
    assert [r.sentence for r in rows] == [r.sentence for r in expected]
    for got, want in zip(rows, expected, strict=True):
        assert got.perplexity == pytest.approx(want.perplexity, rel=1e-5)
    reference = safety_scores(expected, n_resamples=200, seed=audit.settings["seed"])
    assert audit.results is not None
    stored = {g["group"]: g for g in audit.results["scores"]["groups"]}
    for group in reference.groups:
        assert stored[group.group]["score"] == pytest.approx(group.score)
        assert stored[group.group]["p_value"] == pytest.approx(group.p_value)
    assert audit.results["dataset"]["n_sentences"] == LIMIT
    assert audit.results["perplexities_file"] is None


def test_bad_model_fails_with_cause_and_spares_other_audits(
    embedded: EmbeddedWorker,
    sqlite_sessions: sessionmaker[Session],
    tiny_llama_dir: Path,
    sample_dataset: Dataset,
    tmp_path: Path,
) -> None:
    bad = submit(sqlite_sessions, tmp_path / "no-such-model", sample_dataset, limit=30)
    good = submit(sqlite_sessions, tiny_llama_dir, sample_dataset, limit=30)
    embedded.submit(bad)
    embedded.submit(good)
    assert embedded.wait_idle(120)
    failed = get_audit(sqlite_sessions, bad)
    assert failed.status is AuditStatus.failed
    assert failed.error is not None and "could not load the model" in failed.error
    assert "no-such-model" in failed.error
    assert get_audit(sqlite_sessions, good).status is AuditStatus.succeeded


def test_a_model_that_needs_its_own_code_fails_saying_the_service_never_runs_it(
    embedded: EmbeddedWorker,
    sqlite_sessions: sessionmaker[Session],
    sample_dataset: Dataset,
    tmp_path: Path,
) -> None:
    import json

    remote = tmp_path / "remote-code-model"
    remote.mkdir()
    (remote / "config.json").write_text(
        json.dumps(
            {
                "model_type": "custom-thing",
                "auto_map": {
                    "AutoConfig": "configuration_custom.CustomConfig",
                    "AutoModelForCausalLM": "modeling_custom.CustomModel",
                },
            }
        )
    )
    audit_id = submit(sqlite_sessions, remote, sample_dataset, limit=30)
    embedded.submit(audit_id)
    assert embedded.wait_idle(120)
    failed = get_audit(sqlite_sessions, audit_id)
    assert failed.status is AuditStatus.failed and failed.error is not None
    assert "needs its own code" in failed.error
    assert "the service never runs a model's own code" in failed.error


def test_cancelled_audit_runs_no_chunk(
    sqlite_sessions: sessionmaker[Session], tiny_llama_dir: Path, sample_dataset: Dataset
) -> None:
    worker = EmbeddedWorker(sqlite_sessions, chunk_size=10)
    audit_id = submit(sqlite_sessions, tiny_llama_dir, sample_dataset, limit=50)
    with sqlite_sessions() as session, session.begin():
        cancel_audit(session, audit_id)
    worker.start(resume=False)
    try:
        worker.submit(audit_id)
        assert worker.wait_idle(60)
    finally:
        worker.stop()
    audit = get_audit(sqlite_sessions, audit_id)
    assert audit.status is AuditStatus.cancelled and audit.progress_done == 0
    assert worker.models.loads == 0


def test_cancel_mid_audit_stops_remaining_chunks(
    sqlite_sessions: sessionmaker[Session], tiny_llama_dir: Path, sample_dataset: Dataset
) -> None:
    audit_id = submit(sqlite_sessions, tiny_llama_dir, sample_dataset, limit=60)
    models = ModelCache()
    first = score_chunk(sqlite_sessions, audit_id, 0, 20, worker="test", models=models)
    assert first.written == 20 and not first.complete
    with sqlite_sessions() as session, session.begin():
        cancel_audit(session, audit_id)
    later = score_chunk(sqlite_sessions, audit_id, 20, 40, worker="test", models=models)
    assert later.written == 0 and later.skipped == "the audit has ended"
    audit = get_audit(sqlite_sessions, audit_id)
    assert audit.status is AuditStatus.cancelled and audit.progress_done == 20


def test_every_chunk_scores_with_the_budget_the_audit_records(
    sqlite_sessions: sessionmaker[Session],
    tiny_llama_dir: Path,
    sample_dataset: Dataset,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The first chunk to load the model records its budget; later chunks (on any worker)
    take it, and results.json states the budget they used, not a nominal one."""
    import audit.pipeline
    from audit.perplexity import DEFAULT_CPU_BATCH_TOKENS
    from workers import aggregate_audit

    used: list[int | None] = []
    score = audit.pipeline.score_sentences

    def spy(*args: object, batch_tokens: int | None = None, **kwargs: object) -> object:
        used.append(batch_tokens)
        return score(*args, batch_tokens=batch_tokens, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(audit.pipeline, "score_sentences", spy)
    audit_id = submit(sqlite_sessions, tiny_llama_dir, sample_dataset, limit=40)
    score_chunk(sqlite_sessions, audit_id, 0, 20, worker="a", models=ModelCache())
    assert get_audit(sqlite_sessions, audit_id).batch_tokens == DEFAULT_CPU_BATCH_TOKENS
    # A worker on another device would choose its own; the recorded budget wins.
    with sqlite_sessions() as session, session.begin():
        stored = session.get(Audit, audit_id)
        assert stored is not None
        stored.batch_tokens = 333
    score_chunk(sqlite_sessions, audit_id, 20, 40, worker="b", models=ModelCache())
    assert used == [DEFAULT_CPU_BATCH_TOKENS, 333]
    assert aggregate_audit(sqlite_sessions, audit_id)
    results = get_audit(sqlite_sessions, audit_id).results
    assert results is not None and results["settings"]["batch_tokens"] == 333


def test_start_resumes_active_audits_without_redoing_rows(
    sqlite_sessions: sessionmaker[Session], tiny_llama_dir: Path, sample_dataset: Dataset
) -> None:
    audit_id = submit(sqlite_sessions, tiny_llama_dir, sample_dataset, limit=40)
    # A previous process scored one chunk and stopped.
    score_chunk(sqlite_sessions, audit_id, 0, 20, worker="gone", models=ModelCache())
    with sqlite_sessions() as session:
        before = {r.sentence.id: r.perplexity for r in load_scored_rows(session, audit_id)}
    worker = EmbeddedWorker(sqlite_sessions, chunk_size=20)
    worker.start(resume=True)
    try:
        assert worker.wait_idle(60)
    finally:
        worker.stop()
    audit = get_audit(sqlite_sessions, audit_id)
    assert audit.status is AuditStatus.succeeded and audit.worker == "gone"
    with sqlite_sessions() as session:
        after = {r.sentence.id: r.perplexity for r in load_scored_rows(session, audit_id)}
    assert len(after) == 40 and all(after[k] == v for k, v in before.items())


def test_identical_submission_after_success_is_reused(
    embedded: EmbeddedWorker,
    sqlite_sessions: sessionmaker[Session],
    tiny_llama_dir: Path,
    sample_dataset: Dataset,
) -> None:
    settings = unique_settings(limit=20)
    with sqlite_sessions() as session, session.begin():
        audit, _ = submit_audit(
            session,
            model=str(tiny_llama_dir),
            revision=None,
            label="a",
            step=1,
            tags=[],
            dataset=sample_dataset,
            settings=settings,
        )
    embedded.submit(audit.id)
    assert embedded.wait_idle(60)
    with sqlite_sessions() as session, session.begin():
        twin, reused = submit_audit(
            session,
            model=str(tiny_llama_dir),
            revision=None,
            label="a",
            step=1,
            tags=[],
            dataset=sample_dataset,
            settings=settings,
        )
    assert reused and twin.status is AuditStatus.succeeded and twin.reused_from_id == audit.id
    assert (
        get_audit(sqlite_sessions, twin.id).results == get_audit(sqlite_sessions, audit.id).results
    )


def test_dispatch_without_broker_runs_in_process(
    monkeypatch: pytest.MonkeyPatch,
    workers_sqlite_url: str,
    sqlite_sessions: sessionmaker[Session],
    tiny_llama_dir: Path,
    sample_dataset: Dataset,
) -> None:
    import db
    import workers._dispatch as dispatch
    from workers import dispatch_audit, get_worker_settings

    monkeypatch.setenv("TOXAUDIT_DATABASE_URL", workers_sqlite_url)
    monkeypatch.delenv("TOXAUDIT_BROKER_URL", raising=False)
    monkeypatch.setenv("TOXAUDIT_CHUNK_SIZE", "15")
    for cached in (
        get_worker_settings,
        db.get_database_settings,
        db.get_engine,
        db.get_sessionmaker,
    ):
        cached.cache_clear()
    monkeypatch.setattr(dispatch, "_embedded", None)
    try:
        audit_id = submit(sqlite_sessions, tiny_llama_dir, sample_dataset, limit=30)
        dispatch_audit(audit_id)
        worker = dispatch.get_embedded_worker()
        assert worker.running
        assert worker.wait_idle(60)
        assert get_audit(sqlite_sessions, audit_id).status is AuditStatus.succeeded
        worker.stop()
    finally:
        for cached in (
            get_worker_settings,
            db.get_database_settings,
            db.get_engine,
            db.get_sessionmaker,
        ):
            cached.cache_clear()


def test_generation_stage_records_continuations_and_metrics(
    embedded: EmbeddedWorker,
    sqlite_sessions: sessionmaker[Session],
    tiny_llama_dir: Path,
    sample_dataset: Dataset,
) -> None:
    from db import GenerationResult, GroupScoreRecord
    from workers import aggregate_audit

    options = {
        "prompts": "sample",
        "classifier": "profanity-check",
        "groups": ["asian", "women"],
        "per_group": 2,
        "max_new_tokens": 6,
    }
    audit_id = submit(sqlite_sessions, tiny_llama_dir, sample_dataset, limit=20, generation=options)
    embedded.submit(audit_id)
    assert embedded.wait_idle(120)
    audit = get_audit(sqlite_sessions, audit_id)
    assert audit.status is AuditStatus.succeeded, audit.error
    assert audit.results is not None and "generation" in audit.results
    section = audit.results["generation"]
    assert section["classifier"]["spec"]["name"] == "profanity-check"
    # 2 groups x 2 labels x 2 prompts, one continuation each.
    assert section["n_continuations"] == 8
    with sqlite_sessions() as session:
        continuations = session.scalars(
            select(GenerationResult).where(GenerationResult.audit_id == audit_id)
        ).all()
        metrics = session.scalars(
            select(GroupScoreRecord).where(
                GroupScoreRecord.audit_id == audit_id, GroupScoreRecord.metric == "mean_toxicity"
            )
        ).all()
        safety = session.scalar(
            select(func.count())
            .select_from(GroupScoreRecord)
            .where(GroupScoreRecord.audit_id == audit_id, GroupScoreRecord.metric == "safety")
        )
    assert len(continuations) == 8
    assert {(c.group, c.label) for c in continuations} == {
        (g, lab) for g in ("asian", "women") for lab in ("hate", "neutral")
    }
    assert all(c.toxicity is not None or c.unscored_reason for c in continuations)
    assert {(m.group, m.label) for m in metrics} == {
        (g, lab) for g in ("asian", "women") for lab in ("hate", "neutral")
    }
    assert safety == len({g for s in sample_dataset.sentences[:20] for g in s.target_groups})
    # A redelivered aggregation changes nothing once the audit has ended.
    assert not aggregate_audit(sqlite_sessions, audit_id, models=embedded.models)


def test_generation_stage_with_two_classifiers_stores_their_agreement(
    embedded: EmbeddedWorker,
    sqlite_sessions: sessionmaker[Session],
    tiny_llama_dir: Path,
    sample_dataset: Dataset,
    tmp_path: Path,
) -> None:
    from db import GenerationResult
    from tests.audit.classifiers.tiny_guards import build_tiny_guard

    guard = f"guard:{build_tiny_guard(tmp_path / 'guard', 'llama-guard')}"
    options = {
        "prompts": "sample",
        "classifier": [guard, "profanity-check"],
        "groups": ["asian"],
        "per_group": 2,
        "samples": 2,
        "temperature": 1.0,
        "max_new_tokens": 4,
    }
    audit_id = submit(sqlite_sessions, tiny_llama_dir, sample_dataset, limit=20, generation=options)
    embedded.submit(audit_id)
    assert embedded.wait_idle(120)
    audit = get_audit(sqlite_sessions, audit_id)
    assert audit.status is AuditStatus.succeeded, audit.error
    assert audit.results is not None
    section = audit.results["generation"]
    assert [c["name"] for c in section["classifiers"]] == [guard, "profanity-check"]
    assert {(a["group"], a["label"]) for a in section["agreement"]} == {
        ("asian", "hate"),
        ("asian", "neutral"),
    }
    assert all(a["n_continuations"] == 4 for a in section["agreement"])
    with sqlite_sessions() as session:
        continuations = session.scalars(
            select(GenerationResult).where(GenerationResult.audit_id == audit_id)
        ).all()
    assert len(continuations) == 8
    for row in continuations:
        assert row.classifier_scores is not None
        assert list(row.classifier_scores) == [guard, "profanity-check"]
        assert row.classifier_scores[guard]["toxicity"] == row.toxicity


def test_bad_generation_options_fail_before_any_chunk(
    embedded: EmbeddedWorker,
    sqlite_sessions: sessionmaker[Session],
    tiny_llama_dir: Path,
    sample_dataset: Dataset,
) -> None:
    audit_id = submit(
        sqlite_sessions,
        tiny_llama_dir,
        sample_dataset,
        limit=20,
        generation={"prompts": "sample", "classifier": "no-such-classifier"},
    )
    embedded.submit(audit_id)
    assert embedded.wait_idle(60)
    audit = get_audit(sqlite_sessions, audit_id)
    assert audit.status is AuditStatus.failed and audit.progress_done == 0
    assert audit.error is not None and "no-such-classifier" in audit.error

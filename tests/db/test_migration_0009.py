"""Migration 0009 renames job -> audit and reference -> model with every row intact."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Connection, inspect, text
from sqlalchemy.exc import IntegrityError

from db import Base, downgrade_database, make_engine, upgrade_database
from tests.db.isolated import isolated_postgres, isolated_sqlite

BEFORE = "0008"

# One row in each table the migration renames or whose columns it renames, in the
# 0008 schema's words.
_OLD_ROWS = (
    "INSERT INTO checkpoints (id, reference, revision, label, tags, created_at)"
    " VALUES (1, 'org/model', 'step-10', 'model', '[]', '2026-01-01 00:00:00+00')",
    "INSERT INTO datasets (id, name, sha256, size, source, created_at)"
    " VALUES (1, 'sample', 'aa', 1, 'builtin:sample', '2026-01-01 00:00:00+00')",
    "INSERT INTO audit_jobs (id, checkpoint_id, dataset_id, settings, settings_hash, status,"
    " progress_done, progress_total, software, model_info, timings, created_at, average)"
    " VALUES (1, 1, 1, '{}', 'h', 'succeeded', 1, 1, '{}', '{}', '{}',"
    " '2026-01-01 00:00:00+00', 0.5),"
    " (2, 1, 1, '{}', 'h', 'queued', 0, 1, '{}', '{}', '{}', '2026-01-02 00:00:00+00', NULL)",
    "UPDATE audit_jobs SET reused_from_id = 1 WHERE id = 2",
    "INSERT INTO sentence_results (id, job_id, row, perplexity, truncated)"
    " VALUES (1, 1, 0, 12.5, false)",
    'INSERT INTO generation_results (id, job_id, "group", label, prompt_index, sample_index,'
    " prompt, continuation, scores, toxicity)"
    " VALUES (1, 1, 'women', 'hate', 0, 0, 'p', 'c', '{}', 0.25)",
    'INSERT INTO group_scores (id, job_id, metric, "group", label, value, n_harmful,'
    " n_neutral, significant) VALUES (1, 1, 'safety', 'women', '', 0.75, 1, 1, true)",
    "INSERT INTO paired_differences (id, baseline_job_id, candidate_job_id, n_resamples, seed,"
    " confidence, method, differences, created_at)"
    " VALUES (1, 1, 2, 10, 0, 0.95, 'm', '[]', '2026-01-01 00:00:00+00')",
)


@pytest.fixture(params=["sqlite", "postgres"])
def url_at_0008(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database migrated to 0008 (the last schema that said job) and holding _OLD_ROWS."""
    if request.param == "sqlite":
        url = isolated_sqlite(tmp_path, BEFORE)
        _insert(url)
        yield url
    else:
        request.applymarker(pytest.mark.services)
        with isolated_postgres("migration", BEFORE) as url:
            _insert(url)
            yield url


def _insert(url: str) -> None:
    engine = make_engine(url)
    with engine.begin() as connection:
        for statement in _OLD_ROWS:
            connection.execute(text(statement))
    engine.dispose()


def _rows(connection: Connection, query: str) -> list[tuple[object, ...]]:
    return [tuple(row) for row in connection.execute(text(query)).all()]


def _tables(url: str) -> set[str]:
    engine = make_engine(url)
    try:
        return set(inspect(engine).get_table_names())
    finally:
        engine.dispose()


def test_upgrade_keeps_every_row_under_the_new_names(url_at_0008: str) -> None:
    upgrade_database(url_at_0008)

    engine = make_engine(url_at_0008)
    with engine.connect() as connection:
        assert compare_metadata(MigrationContext.configure(connection), Base.metadata) == []
        assert _rows(connection, "SELECT id, model, revision FROM checkpoints") == [
            (1, "org/model", "step-10")
        ]
        assert _rows(connection, "SELECT id, status, reused_from_id FROM audits ORDER BY id") == [
            (1, "succeeded", None),
            (2, "queued", 1),
        ]
        assert _rows(connection, "SELECT audit_id, row, perplexity FROM sentence_results") == [
            (1, 0, 12.5)
        ]
        assert _rows(connection, "SELECT audit_id, toxicity FROM generation_results") == [(1, 0.25)]
        assert _rows(connection, "SELECT audit_id, value FROM group_scores") == [(1, 0.75)]
        assert _rows(
            connection, "SELECT baseline_audit_id, candidate_audit_id FROM paired_differences"
        ) == [(1, 2)]
        # The renamed foreign keys still hold: a result of a missing audit is refused.
        with pytest.raises(IntegrityError, match=r"(?i)foreign key"):
            connection.execute(
                text(
                    "INSERT INTO sentence_results (id, audit_id, row, truncated) VALUES (2, 99, 1, false)"
                )
            )
    engine.dispose()
    assert "audit_jobs" not in _tables(url_at_0008)


def test_downgrade_restores_the_old_names_and_rows(url_at_0008: str) -> None:
    upgrade_database(url_at_0008)
    downgrade_database(url_at_0008, BEFORE)

    assert "audits" not in _tables(url_at_0008)
    engine = make_engine(url_at_0008)
    with engine.connect() as connection:
        assert _rows(connection, "SELECT reference FROM checkpoints") == [("org/model",)]
        assert _rows(connection, "SELECT id, reused_from_id FROM audit_jobs ORDER BY id") == [
            (1, None),
            (2, 1),
        ]
        assert _rows(connection, "SELECT job_id, row FROM sentence_results") == [(1, 0)]
        assert _rows(connection, "SELECT job_id FROM generation_results") == [(1,)]
        assert _rows(connection, "SELECT job_id FROM group_scores") == [(1,)]
        assert _rows(
            connection, "SELECT baseline_job_id, candidate_job_id FROM paired_differences"
        ) == [(1, 2)]
        indexes = {i["name"] for i in inspect(connection).get_indexes("audit_jobs")}
        assert indexes >= {"ix_jobs_status", "ix_jobs_reuse", "ix_jobs_checkpoint_created"}
        uniques = {
            u["name"] for u in inspect(connection).get_unique_constraints("sentence_results")
        }
        assert "uq_sentence_job_row" in uniques
    engine.dispose()
    # And up again: the downgrade left a schema the upgrade accepts.
    upgrade_database(url_at_0008)
    assert "audits" in _tables(url_at_0008)

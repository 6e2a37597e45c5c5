"""one word per concept: audit_jobs -> audits, job_id -> audit_id, checkpoints.reference -> model

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 07:00:00.000000

Renames only; no row changes. The status column's enum is native_enum=False without a
CHECK constraint, so its name (job_status -> audit_status in the models) exists nowhere
in either database and needs no step. PostgreSQL renames in place (constraints, indexes
and the id sequence follow the new names, as a fresh database would have them); SQLite
renames tables and columns in place (3.25+ rewrites the foreign keys that point at them)
and recreates only sentence_results, whose unique constraint's name cannot be altered.
"""

from __future__ import annotations

from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | None = None
depends_on: str | None = None

# (table, old column, new column) for every reference to an audit.
_COLUMNS = (
    ("sentence_results", "job_id", "audit_id"),
    ("generation_results", "job_id", "audit_id"),
    ("group_scores", "job_id", "audit_id"),
    ("paired_differences", "baseline_job_id", "baseline_audit_id"),
    ("paired_differences", "candidate_job_id", "candidate_audit_id"),
)
# (table, old name, new name, columns after the rename) of every index that said "job".
_INDEXES = (
    (
        "audits",
        "ix_jobs_checkpoint_created",
        "ix_audits_checkpoint_created",
        ["checkpoint_id", "created_at"],
    ),
    ("audits", "ix_jobs_status", "ix_audits_status", ["status"]),
    (
        "audits",
        "ix_jobs_reuse",
        "ix_audits_reuse",
        ["checkpoint_id", "dataset_id", "settings_hash", "status"],
    ),
    (
        "generation_results",
        "ix_generation_job_toxicity",
        "ix_generation_audit_toxicity",
        ["audit_id", "toxicity"],
    ),
    (
        "paired_differences",
        "ix_paired_differences_candidate_job_id",
        "ix_paired_differences_candidate_audit_id",
        ["candidate_audit_id"],
    ),
)
# PostgreSQL's own names (a fresh database at head has the new ones): (table, old, new).
_POSTGRES_CONSTRAINTS = (
    ("audits", "audit_jobs_pkey", "audits_pkey"),
    ("audits", "audit_jobs_checkpoint_id_fkey", "audits_checkpoint_id_fkey"),
    ("audits", "audit_jobs_dataset_id_fkey", "audits_dataset_id_fkey"),
    ("audits", "audit_jobs_reused_from_id_fkey", "audits_reused_from_id_fkey"),
    ("sentence_results", "uq_sentence_job_row", "uq_sentence_audit_row"),
    ("sentence_results", "sentence_results_job_id_fkey", "sentence_results_audit_id_fkey"),
    ("generation_results", "generation_results_job_id_fkey", "generation_results_audit_id_fkey"),
    ("group_scores", "group_scores_job_id_fkey", "group_scores_audit_id_fkey"),
    (
        "paired_differences",
        "paired_differences_baseline_job_id_fkey",
        "paired_differences_baseline_audit_id_fkey",
    ),
    (
        "paired_differences",
        "paired_differences_candidate_job_id_fkey",
        "paired_differences_candidate_audit_id_fkey",
    ),
)
_POSTGRES_SEQUENCE = ("audit_jobs_id_seq", "audits_id_seq")


def _is_postgres() -> bool:
    return op.get_bind().dialect.name == "postgresql"


def _rename_index(table: str, old: str, new: str, columns: list[str]) -> None:
    if _is_postgres():
        op.execute(f'ALTER INDEX "{old}" RENAME TO "{new}"')
    else:  # SQLite cannot rename an index
        op.drop_index(old, table_name=table)
        op.create_index(new, table, columns, unique=False)


def _rename_sentence_unique(old: str, new: str, columns: list[str]) -> None:
    """SQLite keeps a constraint's name in the table's SQL: recreate the (leaf) table."""
    with op.batch_alter_table("sentence_results", recreate="always") as batch_op:
        batch_op.drop_constraint(old, type_="unique")
        batch_op.create_unique_constraint(new, columns)


def upgrade() -> None:
    op.rename_table("audit_jobs", "audits")
    op.alter_column("checkpoints", "reference", new_column_name="model")
    for table, old, new in _COLUMNS:
        op.alter_column(table, old, new_column_name=new)
    for table, old_index, new_index, columns in _INDEXES:
        _rename_index(table, old_index, new_index, columns)
    if _is_postgres():
        for table, old_name, new_name in _POSTGRES_CONSTRAINTS:
            op.execute(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{old_name}" TO "{new_name}"')
        op.execute(f'ALTER SEQUENCE "{_POSTGRES_SEQUENCE[0]}" RENAME TO "{_POSTGRES_SEQUENCE[1]}"')
    else:
        _rename_sentence_unique("uq_sentence_job_row", "uq_sentence_audit_row", ["audit_id", "row"])


def downgrade() -> None:
    if _is_postgres():
        op.execute(f'ALTER SEQUENCE "{_POSTGRES_SEQUENCE[1]}" RENAME TO "{_POSTGRES_SEQUENCE[0]}"')
        for table, old_name, new_name in reversed(_POSTGRES_CONSTRAINTS):
            op.execute(f'ALTER TABLE "{table}" RENAME CONSTRAINT "{new_name}" TO "{old_name}"')
    else:
        _rename_sentence_unique("uq_sentence_audit_row", "uq_sentence_job_row", ["audit_id", "row"])
    for table, old_index, new_index, columns in reversed(_INDEXES):
        _rename_index(table, new_index, old_index, columns)
    for table, old, new in reversed(_COLUMNS):
        op.alter_column(table, new, new_column_name=old)
    op.alter_column("checkpoints", "model", new_column_name="reference")
    op.rename_table("audits", "audit_jobs")

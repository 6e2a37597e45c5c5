"""paired differences cache

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 02:30:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Comparisons of succeeded audits are computed once and shared by every API process.
    op.create_table(
        "paired_differences",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("baseline_job_id", sa.Integer(), nullable=False),
        sa.Column("candidate_job_id", sa.Integer(), nullable=False),
        sa.Column("n_resamples", sa.Integer(), nullable=False),
        sa.Column("seed", sa.BigInteger(), nullable=False),
        sa.Column("confidence", sa.Float(), nullable=False),
        sa.Column("method", sa.String(length=100), nullable=False),
        sa.Column("differences", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["baseline_job_id"], ["audit_jobs.id"], ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["candidate_job_id"], ["audit_jobs.id"], ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("id"),
        sa.UniqueConstraint(
            "baseline_job_id",
            "candidate_job_id",
            "n_resamples",
            "seed",
            "confidence",
            "method",
            name="uq_paired_differences_key",
        ),
    )
    with op.batch_alter_table("paired_differences", schema=None) as batch_op:
        batch_op.create_index(
            batch_op.f("ix_paired_differences_candidate_job_id"), ["candidate_job_id"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("paired_differences", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_paired_differences_candidate_job_id"))
    op.drop_table("paired_differences")

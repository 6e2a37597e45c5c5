"""audit_jobs.batch_tokens: the token budget a job's chunks scored with

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 06:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    op.add_column("audit_jobs", sa.Column("batch_tokens", sa.Integer(), nullable=True))


def downgrade() -> None:
    op.drop_column("audit_jobs", "batch_tokens")

"""job progressed_at

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22 12:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0003"
down_revision: str | None = "0002"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # The watchdog finds jobs that stopped moving and whose messages the broker lost.
    with op.batch_alter_table("audit_jobs", schema=None) as batch_op:
        batch_op.add_column(sa.Column("progressed_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("audit_jobs", schema=None) as batch_op:
        batch_op.drop_column("progressed_at")

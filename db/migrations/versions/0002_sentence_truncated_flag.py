"""sentence truncated flag

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22 09:28:50.374621
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Workers write rows chunk by chunk; results.json's `truncated` count is summed from here.
    with op.batch_alter_table("sentence_results", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("truncated", sa.Boolean(), server_default=sa.false(), nullable=False)
        )


def downgrade() -> None:
    with op.batch_alter_table("sentence_results", schema=None) as batch_op:
        batch_op.drop_column("truncated")

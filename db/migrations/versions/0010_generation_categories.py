"""generation categories: the policy categories a guard classifier named per continuation

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 07:15:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | None = "0009"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # Llama Guard names the violated categories (S1..S14) with its verdict; the results
    # file kept them, the database did not. Earlier rows keep NULL (not recorded).
    with op.batch_alter_table("generation_results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("categories", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("generation_results", schema=None) as batch_op:
        batch_op.drop_column("categories")

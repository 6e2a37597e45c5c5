"""generation classifier scores: every classifier's toxicity of a continuation

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-02 06:10:00.000000
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | None = None
depends_on: str | None = None


def upgrade() -> None:
    # A generation audit may score with several classifiers; rows of one-classifier
    # audits (and every earlier row) keep NULL.
    with op.batch_alter_table("generation_results", schema=None) as batch_op:
        batch_op.add_column(sa.Column("classifier_scores", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("generation_results", schema=None) as batch_op:
        batch_op.drop_column("classifier_scores")

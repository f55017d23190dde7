"""a deleted group keeps its row, marked by deleted_at

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03 19:30:00

why: the facilitator may delete a group created by mistake or dissolved; its events and
programs stay so that the figures and the summaries of past sessions do not change.
"""

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.add_column(sa.Column("deleted_at", sa.DateTime(timezone=True), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("groups", schema=None) as batch_op:
        batch_op.drop_column("deleted_at")

"""print plates: batched jobs sent to a printer as one G-code

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-25 14:00:00
"""

import sqlalchemy as sa
from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "print_plates",
        sa.Column("id", sa.String(length=64), nullable=False),
        sa.Column("printer_id", sa.String(length=32), nullable=False),
        sa.Column("state", sa.String(length=16), nullable=False),
        sa.Column("queue", sa.JSON(), nullable=False),
        sa.Column("gcode_path", sa.String(length=255), nullable=True),
        sa.Column("png_path", sa.String(length=255), nullable=True),
        sa.Column("estimated_seconds", sa.Integer(), nullable=True),
        sa.Column("filament_g", sa.Float(), nullable=True),
        sa.Column("attempts", sa.Integer(), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_print_plates")),
    )
    with op.batch_alter_table("print_plates", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_print_plates_state"), ["state"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("print_plates", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_print_plates_state"))
    op.drop_table("print_plates")

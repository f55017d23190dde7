"""logins that can be revoked, failed attempts, ids never reused

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-03 18:30:00

why: a login was only a signed cookie holding a class or group number, and SQLite gave
a deleted row's number to the next row, so an old cookie opened a new class. Logins are
now rows (ended at logout, deletion or expiry) and SQLite tables get AUTOINCREMENT.
On PostgreSQL sequences never hand a number out twice, so only the new tables are made.
"""

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

# every table whose primary key is an integer
INTEGER_ID_TABLES = ("facilitators", "schools", "classes", "groups", "cycles", "sessions",
                     "program_versions", "print_jobs")


def _set_autoincrement(on: bool) -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in INTEGER_ID_TABLES:
        with op.batch_alter_table(table, recreate="always",
                                  table_kwargs={"sqlite_autoincrement": on}):
            pass


def upgrade() -> None:
    _set_autoincrement(True)
    op.create_table(
        "logins",
        sa.Column("token_hash", sa.String(length=64), nullable=False),
        sa.Column("role", sa.String(length=12), nullable=False),
        sa.Column("facilitator_id", sa.Integer(), nullable=True),
        sa.Column("class_id", sa.Integer(), nullable=True),
        sa.Column("group_id", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("last_seen_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("expires_at", sa.DateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(["class_id"], ["classes.id"],
                                name=op.f("fk_logins_class_id_classes"), ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["facilitator_id"], ["facilitators.id"],
                                name=op.f("fk_logins_facilitator_id_facilitators"),
                                ondelete="CASCADE"),
        sa.ForeignKeyConstraint(["group_id"], ["groups.id"],
                                name=op.f("fk_logins_group_id_groups"), ondelete="CASCADE"),
        sa.PrimaryKeyConstraint("token_hash", name=op.f("pk_logins")),
    )
    with op.batch_alter_table("logins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_logins_class_id"), ["class_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_logins_expires_at"), ["expires_at"], unique=False)
        batch_op.create_index(batch_op.f("ix_logins_facilitator_id"), ["facilitator_id"],
                              unique=False)
        batch_op.create_index(batch_op.f("ix_logins_group_id"), ["group_id"], unique=False)
    op.create_table(
        "failed_logins",
        sa.Column("id", sa.Integer(), nullable=False),
        sa.Column("kind", sa.String(length=12), nullable=False),
        sa.Column("address", sa.String(length=64), nullable=False),
        sa.Column("time", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_failed_logins")),
        sqlite_autoincrement=True,
    )
    with op.batch_alter_table("failed_logins", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_failed_logins_address"), ["address"], unique=False)
        batch_op.create_index(batch_op.f("ix_failed_logins_time"), ["time"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("failed_logins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_failed_logins_time"))
        batch_op.drop_index(batch_op.f("ix_failed_logins_address"))
    op.drop_table("failed_logins")
    with op.batch_alter_table("logins", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_logins_group_id"))
        batch_op.drop_index(batch_op.f("ix_logins_facilitator_id"))
        batch_op.drop_index(batch_op.f("ix_logins_expires_at"))
        batch_op.drop_index(batch_op.f("ix_logins_class_id"))
    op.drop_table("logins")
    _set_autoincrement(False)

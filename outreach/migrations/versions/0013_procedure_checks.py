"""The checks of a commandement de payer, one verdict per point

Revision ID: 0013_procedure_checks
Revises: 0012_casework
Create Date: 2026-12-04 07:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import outreach.models.base

revision: str = "0013_procedure_checks"
down_revision: str | None = "0012_casework"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "procedure_check",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("item", sa.String(length=30), nullable=False),
        sa.Column("verdict", sa.String(length=20), nullable=False),
        sa.Column("checked_by_id", BIG_ID, nullable=True),
        sa.Column("checked_at", outreach.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_procedure_check_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["checked_by_id"],
            ["team_user.id"],
            name=op.f("fk_procedure_check_checked_by_id_team_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_procedure_check")),
        sa.UniqueConstraint("case_id", "item", name=op.f("uq_procedure_check_case_id_item")),
    )
    with op.batch_alter_table("procedure_check", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_procedure_check_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("procedure_check", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_procedure_check_case_id"))
    op.drop_table("procedure_check")

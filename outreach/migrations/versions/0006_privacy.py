"""Privacy: anonymised cases and landlord opt-outs

Revision ID: 0006_privacy
Revises: 0005_conversation
Create Date: 2026-11-27 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import outreach.models.base

revision: str = "0006_privacy"
down_revision: str | None = "0005_conversation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "anonymisation",
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("reason", sa.String(length=20), nullable=False),
        sa.Column("at", outreach.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_anonymisation_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("case_id", name=op.f("pk_anonymisation")),
    )
    with op.batch_alter_table("anonymisation", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_anonymisation_at"), ["at"], unique=False)
    op.create_table(
        "landlord_opt_out",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("address", sa.String(length=254), nullable=False),
        sa.Column("at", outreach.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_landlord_opt_out")),
        sa.UniqueConstraint("address", name=op.f("uq_landlord_opt_out_address")),
    )


def downgrade() -> None:
    op.drop_table("landlord_opt_out")
    with op.batch_alter_table("anonymisation", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_anonymisation_at"))
    op.drop_table("anonymisation")

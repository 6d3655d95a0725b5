"""Case events for the API feed

Revision ID: 0010_case_event
Revises: 0009_token_expiry
Create Date: 2026-12-04 05:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import outreach.models.base

revision: str = "0010_case_event"
down_revision: str | None = "0009_token_expiry"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "case_event",
        sa.Column(
            "id",
            sa.BigInteger().with_variant(sa.Integer(), "sqlite"),
            nullable=False,
        ),
        sa.Column("txid", sa.BigInteger(), nullable=True),
        sa.Column("kind", sa.String(length=40), nullable=False),
        sa.Column("case_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=False),
        sa.Column("at", outreach.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("detail", sa.JSON(), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_case_event_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_case_event")),
        sqlite_autoincrement=True,
    )
    op.create_index(op.f("ix_case_event_txid"), "case_event", ["txid"], unique=False)
    op.create_index(op.f("ix_case_event_kind"), "case_event", ["kind"], unique=False)
    op.create_index(op.f("ix_case_event_case_id"), "case_event", ["case_id"], unique=False)


def downgrade() -> None:
    op.drop_index(op.f("ix_case_event_case_id"), table_name="case_event")
    op.drop_index(op.f("ix_case_event_kind"), table_name="case_event")
    op.drop_index(op.f("ix_case_event_txid"), table_name="case_event")
    op.drop_table("case_event")

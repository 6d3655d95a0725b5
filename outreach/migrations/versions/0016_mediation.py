"""The mediation with the landlord, logged by the team

Revision ID: 0016_mediation
Revises: 0015_diagnostic
Create Date: 2026-12-04 10:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import outreach.models.base

revision: str = "0016_mediation"
down_revision: str | None = "0015_diagnostic"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "mediation_entry",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("happened_on", sa.Date(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("author_id", BIG_ID, nullable=True),
        sa.Column("created_at", outreach.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_mediation_entry_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["team_user.id"],
            name=op.f("fk_mediation_entry_author_id_team_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_mediation_entry")),
    )
    with op.batch_alter_table("mediation_entry", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_mediation_entry_case_id"), ["case_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("mediation_entry", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_mediation_entry_case_id"))
    op.drop_table("mediation_entry")

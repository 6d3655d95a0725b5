"""The visit report and social diagnostic (DSF): one per case, answers kept by field key

Revision ID: 0015_diagnostic
Revises: 0014_casework_desk
Create Date: 2026-12-04 11:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import outreach.models.base

revision: str = "0015_diagnostic"
# 0014_casework_desk already follows 0013_procedure_checks: chained after it to keep one head.
down_revision: str | None = "0014_casework_desk"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "diagnostic",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("answers", sa.Text(), nullable=False),
        sa.Column("form_version", sa.String(length=80), nullable=False),
        sa.Column("status", sa.String(length=12), nullable=False),
        sa.Column("revision", sa.Integer(), nullable=False),
        sa.Column("updated_at", outreach.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_by_id", BIG_ID, nullable=True),
        sa.Column("submitted_at", outreach.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.Column("submitted_by_id", BIG_ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_diagnostic_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["submitted_by_id"],
            ["team_user.id"],
            name=op.f("fk_diagnostic_submitted_by_id_team_user"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["updated_by_id"],
            ["team_user.id"],
            name=op.f("fk_diagnostic_updated_by_id_team_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_diagnostic")),
        sa.UniqueConstraint("case_id", name=op.f("uq_diagnostic_case_id")),
    )


def downgrade() -> None:
    op.drop_table("diagnostic")

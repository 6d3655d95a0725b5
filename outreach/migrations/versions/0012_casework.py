"""Casework: a case's outcome and closing, the procedure's later dates, the lease date

Revision ID: 0012_casework
Revises: 0011_task_outcome
Create Date: 2026-12-04 07:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

from outreach.models.base import UTCDateTime

revision: str = "0012_casework"
down_revision: str | None = "0011_task_outcome"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.add_column(sa.Column("date_jugement", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("date_cql", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("date_cfp", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("lease_signed_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("next_deadline_on", sa.Date(), nullable=True))
        batch_op.add_column(sa.Column("next_deadline_kind", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("outcome", sa.String(length=30), nullable=True))
        batch_op.add_column(sa.Column("outcome_comment", sa.Text(), nullable=True))
        batch_op.add_column(sa.Column("closed_at", UTCDateTime(timezone=True), nullable=True))
        batch_op.add_column(
            sa.Column(
                "closed_by_id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), nullable=True
            )
        )
        batch_op.add_column(sa.Column("status_before_close", sa.String(length=20), nullable=True))
        batch_op.add_column(sa.Column("aside_reason", sa.String(length=30), nullable=True))
        batch_op.create_index("ix_case_file_outcome", ["outcome"], unique=False)
        batch_op.create_foreign_key(
            "fk_case_file_closed_by_id_team_user",
            "team_user",
            ["closed_by_id"],
            ["id"],
            ondelete="SET NULL",
        )
    # "followed" had no event leading to it; its place is now "suivi" (follow_up).
    op.execute("UPDATE case_file SET status = 'follow_up' WHERE status = 'followed'")
    # Cases closed before closing had a date: their retention counts from their last change.
    op.execute("UPDATE case_file SET closed_at = updated_at WHERE status = 'closed'")


def downgrade() -> None:
    op.execute("UPDATE case_file SET status = 'followed' WHERE status = 'follow_up'")
    with op.batch_alter_table("case_file", schema=None) as batch_op:
        batch_op.drop_constraint("fk_case_file_closed_by_id_team_user", type_="foreignkey")
        batch_op.drop_index("ix_case_file_outcome")
        for column in (
            "aside_reason",
            "status_before_close",
            "closed_by_id",
            "closed_at",
            "outcome_comment",
            "outcome",
            "next_deadline_kind",
            "next_deadline_on",
            "lease_signed_on",
            "date_cfp",
            "date_cql",
            "date_jugement",
        ):
            batch_op.drop_column(column)

"""Letters: the daily print batch and the door-knock cards (issue #18)

Revision ID: 0021_letters
Revises: 0020_communes
Create Date: 2026-12-04 13:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import outreach.models.base

revision: str = "0021_letters"
down_revision: str | None = "0020_communes"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = outreach.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "letter",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("template", sa.String(length=40), nullable=False),
        sa.Column("link", sa.String(length=200), nullable=True),
        sa.Column("task_id", BIG_ID, nullable=True),
        sa.Column("batch_on", sa.Date(), nullable=False),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("posted_at", UTC, nullable=True),
        sa.Column("posted_by_id", BIG_ID, nullable=True),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_letter_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["task_id"],
            ["inbox_item.id"],
            name=op.f("fk_letter_task_id_inbox_item"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["posted_by_id"],
            ["team_user.id"],
            name=op.f("fk_letter_posted_by_id_team_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_letter")),
    )
    with op.batch_alter_table("letter", schema=None) as batch_op:
        for column in ("case_id", "task_id", "batch_on"):
            batch_op.create_index(batch_op.f(f"ix_letter_{column}"), [column], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("letter", schema=None) as batch_op:
        for column in ("batch_on", "task_id", "case_id"):
            batch_op.drop_index(batch_op.f(f"ix_letter_{column}"))
    op.drop_table("letter")

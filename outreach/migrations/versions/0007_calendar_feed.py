"""Private calendar feeds of the workers (agenda)

Revision ID: 0007_calendar_feed
Revises: 0006_privacy
Create Date: 2026-11-27 04:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import outreach.models.base

revision: str = "0007_calendar_feed"
down_revision: str | None = "0006_privacy"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "calendar_feed",
        sa.Column("id", BIG_ID, nullable=False),
        sa.Column("worker_id", BIG_ID, nullable=False),
        sa.Column("secret_hash", sa.String(length=64), nullable=False),
        sa.Column("created_at", outreach.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("revoked_at", outreach.models.base.UTCDateTime(timezone=True), nullable=True),
        sa.ForeignKeyConstraint(
            ["worker_id"],
            ["team_user.id"],
            name=op.f("fk_calendar_feed_worker_id_team_user"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_calendar_feed")),
        sa.UniqueConstraint("secret_hash", name=op.f("uq_calendar_feed_secret_hash")),
    )
    with op.batch_alter_table("calendar_feed", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_calendar_feed_worker_id"), ["worker_id"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("calendar_feed", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_calendar_feed_worker_id"))
    op.drop_table("calendar_feed")

"""Referrals (orientations) to partners, with the household's consent and a one-time link

Revision ID: 0019_referrals
Revises: 0018_task_due
Create Date: 2026-12-04 12:10:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import outreach.models.base

revision: str = "0019_referrals"
down_revision: str | None = "0018_task_due"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
UTC = outreach.models.base.UTCDateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "referral",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("partner_id", BIG_ID, nullable=True),
        sa.Column("purpose", sa.String(length=30), nullable=False),
        sa.Column("status", sa.String(length=16), nullable=False),
        sa.Column("delivery", sa.String(length=10), nullable=False),
        sa.Column("fields", sa.JSON(), nullable=False),
        sa.Column("note", sa.Text(), nullable=True),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("consent_id", BIG_ID, nullable=True),
        sa.Column("return_state", sa.String(length=30), nullable=True),
        sa.Column("token_hash", sa.String(length=64), nullable=True),
        sa.Column("code_hash", sa.String(length=64), nullable=True),
        sa.Column("wrong_codes", sa.Integer(), nullable=False),
        sa.Column("locked_at", UTC, nullable=True),
        sa.Column("expires_at", UTC, nullable=True),
        sa.Column("send_attempts", sa.Integer(), nullable=False),
        sa.Column("sent_at", UTC, nullable=True),
        sa.Column("opened_at", UTC, nullable=True),
        sa.Column("reminded_at", UTC, nullable=True),
        sa.Column("answer", sa.Text(), nullable=True),
        sa.Column("answered_at", UTC, nullable=True),
        sa.Column("created_by_id", BIG_ID, nullable=True),
        sa.Column("created_at", UTC, nullable=False),
        sa.Column("updated_at", UTC, nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_referral_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
            name=op.f("fk_referral_partner_id_partner"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["consent_id"],
            ["consent_record.id"],
            name=op.f("fk_referral_consent_id_consent_record"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["created_by_id"],
            ["team_user.id"],
            name=op.f("fk_referral_created_by_id_team_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_referral")),
        sa.UniqueConstraint("token_hash", name=op.f("uq_referral_token_hash")),
    )
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_referral_case_id"), ["case_id"], unique=False)
        batch_op.create_index(batch_op.f("ix_referral_status"), ["status"], unique=False)
    with op.batch_alter_table("engagement_step", schema=None) as batch_op:
        batch_op.add_column(sa.Column("referral_id", BIG_ID, nullable=True))
        batch_op.create_foreign_key(
            batch_op.f("fk_engagement_step_referral_id_referral"),
            "referral",
            ["referral_id"],
            ["id"],
            ondelete="SET NULL",
        )


def downgrade() -> None:
    with op.batch_alter_table("engagement_step", schema=None) as batch_op:
        batch_op.drop_constraint(
            batch_op.f("fk_engagement_step_referral_id_referral"), type_="foreignkey"
        )
        batch_op.drop_column("referral_id")
    with op.batch_alter_table("referral", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_referral_status"))
        batch_op.drop_index(batch_op.f("ix_referral_case_id"))
    op.drop_table("referral")

"""The partner directory, what partners tell the team about a case, and the yearly volume the
CCAPEX expects

Revision ID: 0017_partners
Revises: 0016_mediation
Create Date: 2026-12-04 10:40:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import outreach.models.base

revision: str = "0017_partners"
down_revision: str | None = "0016_mediation"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "partner",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("name", sa.String(length=200), nullable=False),
        sa.Column("kind", sa.String(length=30), nullable=False),
        sa.Column("sector_codes", sa.JSON(), nullable=False),
        sa.Column("email", sa.String(length=254), nullable=True),
        sa.Column("phone", sa.String(length=30), nullable=True),
        sa.Column("address", sa.String(length=300), nullable=True),
        sa.Column("accepts", sa.Text(), nullable=True),
        sa.Column("confirmed", sa.Boolean(), nullable=False),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", outreach.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.Column("updated_at", outreach.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner")),
    )
    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_kind"), ["kind"], unique=False)

    op.create_table(
        "partner_info",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("case_id", BIG_ID, nullable=False),
        sa.Column("partner_id", BIG_ID, nullable=True),
        sa.Column("kind", sa.String(length=20), nullable=False),
        sa.Column("means", sa.String(length=12), nullable=False),
        sa.Column("received_on", sa.Date(), nullable=False),
        sa.Column("summary", sa.Text(), nullable=True),
        sa.Column("document_ref", sa.String(length=120), nullable=True),
        sa.Column("author_id", BIG_ID, nullable=True),
        sa.Column("created_at", outreach.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["case_id"],
            ["case_file.id"],
            name=op.f("fk_partner_info_case_id_case_file"),
            ondelete="CASCADE",
        ),
        sa.ForeignKeyConstraint(
            ["partner_id"],
            ["partner.id"],
            name=op.f("fk_partner_info_partner_id_partner"),
            ondelete="SET NULL",
        ),
        sa.ForeignKeyConstraint(
            ["author_id"],
            ["team_user.id"],
            name=op.f("fk_partner_info_author_id_team_user"),
            ondelete="SET NULL",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_partner_info")),
    )
    with op.batch_alter_table("partner_info", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_partner_info_case_id"), ["case_id"], unique=False)

    op.create_table(
        "ccapex_expectation",
        sa.Column("year", sa.Integer(), autoincrement=False, nullable=False),
        sa.Column("expected", sa.Integer(), nullable=False),
        sa.Column("updated_at", outreach.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("year", name=op.f("pk_ccapex_expectation")),
    )


def downgrade() -> None:
    op.drop_table("ccapex_expectation")
    with op.batch_alter_table("partner_info", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_info_case_id"))
    op.drop_table("partner_info")
    with op.batch_alter_table("partner", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_partner_kind"))
    op.drop_table("partner")

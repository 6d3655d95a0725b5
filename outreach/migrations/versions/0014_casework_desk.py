"""The case as a desk: visits booked by hand at home or at a place nearby, consent given in
person, démarches with their objective, who does them and their result

Revision ID: 0014_casework_desk
Revises: 0013_procedure_checks
Create Date: 2026-12-04 10:00:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import outreach.models.base

revision: str = "0014_casework_desk"
down_revision: str | None = "0013_procedure_checks"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

BIG_ID = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "meeting_place",
        sa.Column("id", BIG_ID, autoincrement=True, nullable=False),
        sa.Column("sector_id", BIG_ID, nullable=False),
        sa.Column("name", sa.String(length=120), nullable=False),
        sa.Column("address", sa.String(length=250), nullable=True),
        sa.Column("active", sa.Boolean(), nullable=False),
        sa.Column("created_at", outreach.models.base.UTCDateTime(timezone=True), nullable=False),
        sa.ForeignKeyConstraint(
            ["sector_id"],
            ["sector.id"],
            name=op.f("fk_meeting_place_sector_id_sector"),
            ondelete="CASCADE",
        ),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_meeting_place")),
    )
    with op.batch_alter_table("meeting_place", schema=None) as batch_op:
        batch_op.create_index(batch_op.f("ix_meeting_place_sector_id"), ["sector_id"], unique=False)

    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("place_kind", sa.String(length=12), server_default="home", nullable=False)
        )
        batch_op.add_column(sa.Column("place_id", BIG_ID, nullable=True))
        batch_op.add_column(
            sa.Column("booked_by", sa.String(length=12), server_default="household", nullable=False)
        )
        batch_op.add_column(
            sa.Column("reached_by", sa.String(length=12), server_default="reply", nullable=False)
        )
        batch_op.create_foreign_key(
            batch_op.f("fk_visit_place_id_meeting_place"),
            "meeting_place",
            ["place_id"],
            ["id"],
            ondelete="SET NULL",
        )

    with op.batch_alter_table("consent_record", schema=None) as batch_op:
        batch_op.add_column(sa.Column("method", sa.String(length=12), nullable=True))
        batch_op.add_column(sa.Column("document_ref", sa.String(length=120), nullable=True))

    with op.batch_alter_table("engagement_step", schema=None) as batch_op:
        batch_op.add_column(sa.Column("objective", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("actor", sa.String(length=12), server_default="household", nullable=False)
        )
        batch_op.add_column(sa.Column("result", sa.Text(), nullable=True))
        batch_op.add_column(
            sa.Column("nudged_at", outreach.models.base.UTCDateTime(timezone=True), nullable=True)
        )


def downgrade() -> None:
    with op.batch_alter_table("engagement_step", schema=None) as batch_op:
        batch_op.drop_column("nudged_at")
        batch_op.drop_column("result")
        batch_op.drop_column("actor")
        batch_op.drop_column("objective")
    with op.batch_alter_table("consent_record", schema=None) as batch_op:
        batch_op.drop_column("document_ref")
        batch_op.drop_column("method")
    with op.batch_alter_table("visit", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f("fk_visit_place_id_meeting_place"), type_="foreignkey")
        batch_op.drop_column("reached_by")
        batch_op.drop_column("booked_by")
        batch_op.drop_column("place_id")
        batch_op.drop_column("place_kind")
    with op.batch_alter_table("meeting_place", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_meeting_place_sector_id"))
    op.drop_table("meeting_place")

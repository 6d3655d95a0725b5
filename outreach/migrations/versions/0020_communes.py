"""The INSEE code of each commune of the sector table (issue 18: the communes of France)

Revision ID: 0020_communes
Revises: 0019_referrals
Create Date: 2026-12-04 12:30:00.000000
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0020_communes"
down_revision: str | None = "0019_referrals"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    # Areas already stored get their code when a table is next loaded (outreach.sectors).
    with op.batch_alter_table("sector_area", schema=None) as batch_op:
        batch_op.add_column(sa.Column("insee_code", sa.String(length=5), nullable=True))
        batch_op.create_index(batch_op.f("ix_sector_area_insee_code"), ["insee_code"], unique=False)


def downgrade() -> None:
    with op.batch_alter_table("sector_area", schema=None) as batch_op:
        batch_op.drop_index(batch_op.f("ix_sector_area_insee_code"))
        batch_op.drop_column("insee_code")

"""API tokens carry an expiry and a last-used date

Revision ID: 0009_token_expiry
Revises: 0008_template_values
Create Date: 2026-12-04 01:00:00.000000
"""

from collections.abc import Sequence
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from alembic import op

import outreach.models.base

revision: str = "0009_token_expiry"
down_revision: str | None = "0008_template_values"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TOKEN_LIFETIME = timedelta(days=365)  # as outreach.team.users.TOKEN_LIFETIME, frozen here


def upgrade() -> None:
    with op.batch_alter_table("team_user", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column(
                "api_token_expires_at",
                outreach.models.base.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
        batch_op.add_column(
            sa.Column(
                "api_token_last_used_at",
                outreach.models.base.UTCDateTime(timezone=True),
                nullable=True,
            )
        )
    # The tokens already handed out live one more year from the upgrade (a real-time operation).
    users = sa.table(
        "team_user",
        sa.column("api_token_hash", sa.String()),
        sa.column("api_token_expires_at", outreach.models.base.UTCDateTime(timezone=True)),
    )
    op.execute(
        users.update()
        .where(users.c.api_token_hash.is_not(None))
        .values(api_token_expires_at=datetime.now(UTC) + TOKEN_LIFETIME)
    )


def downgrade() -> None:
    with op.batch_alter_table("team_user", schema=None) as batch_op:
        batch_op.drop_column("api_token_last_used_at")
        batch_op.drop_column("api_token_expires_at")

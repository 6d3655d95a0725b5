"""Private calendar feeds: one secret `.ics` address per worker, revocable.

Only the SHA-256 of the secret is stored: a database leak gives no usable feed address.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, BigId, UTCDateTime


class CalendarFeed(Base):
    __tablename__ = "calendar_feed"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    worker_id: Mapped[int] = mapped_column(
        ForeignKey("team_user.id", ondelete="CASCADE"), index=True
    )
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

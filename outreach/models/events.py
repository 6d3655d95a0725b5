"""Case events: what happened on a case that a team's own tools may want to follow (the feed
`GET /api/events`). Written in the same transaction as what they record; never edited."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, BigInteger, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, BigId, UTCDateTime


class CaseEvent(Base):
    __tablename__ = "case_event"
    # Ids never reused on SQLite (AUTOINCREMENT): a consumer's cursor never skips a new event.
    __table_args__ = ({"sqlite_autoincrement": True},)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    # PostgreSQL: the id of the transaction that wrote it (see outreach.team.events); SQLite: None.
    txid: Mapped[int | None] = mapped_column(BigInteger, index=True)
    kind: Mapped[str] = mapped_column(String(40), index=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Identifiers and dates only: no names, phone numbers or message text.
    detail: Mapped[dict[str, Any]] = mapped_column(JSON, default=dict)

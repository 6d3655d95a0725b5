"""Where each household stands in the conversation with the bot (one row per case).

The states and what moves between them are in outreach/conversation/table.py; this row only
remembers the current state, whether the last reply was already asked again, which slots were
offered (the numbers "1/2/3" refer to them) and the check-in times.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, Boolean, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, BigId, UTCDateTime


class Conversation(Base):
    __tablename__ = "conversation"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), unique=True
    )
    state: Mapped[str] = mapped_column(String(30), index=True)
    # The previous reply was not understood and the bot asked again: next time, a person reads.
    asked_again: Mapped[bool] = mapped_column(Boolean, default=False)
    # Slot ids in the order they were offered: option 1 is the first.
    offered_slot_ids: Mapped[list[int]] = mapped_column(JSON, default=list)
    last_bot_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("message.id", ondelete="SET NULL")
    )
    checkin_asked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    checkin_reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

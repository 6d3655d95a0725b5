"""Paper sent or left at the door: a letter in the daily print batch, a door-knock card."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, BigId, UTCDateTime

LETTER_KINDS = ("letter", "door_card")


class Letter(Base):
    __tablename__ = "letter"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(20))  # LETTER_KINDS
    template: Mapped[str] = mapped_column(String(40))  # messages.letter_texts.LETTER_TEXTS key
    # The Telegram deep link printed as a QR code, kept like an SMS keeps its body (the token
    # table keeps only the hash); None when Telegram is off. Cleared when the case is anonymised.
    link: Mapped[str | None] = mapped_column(String(200))
    # The door-knock task a card was printed for.
    task_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbox_item.id", ondelete="SET NULL"), index=True
    )
    batch_on: Mapped[date] = mapped_column(Date, index=True)  # the Paris day of the print batch
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    posted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("team_user.id", ondelete="SET NULL")
    )

"""The social and financial diagnostic (DSF) of a case: one per case, answers as JSON text.

The questions are data (outreach/casework/diagnostic_form.json); the answers are kept by field
key so the team can add a question without a migration. `revision` grows by one at every save:
an autosave carrying an older revision is refused, so a late request never overwrites newer work.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, BigId, UTCDateTime

DIAGNOSTIC_STATUSES = ("draft", "submitted")


class Diagnostic(Base):
    __tablename__ = "diagnostic"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), unique=True
    )
    # JSON object {field key: value}; only keys of the form, values checked by their type.
    answers: Mapped[str] = mapped_column(Text)
    form_version: Mapped[str] = mapped_column(String(80))
    status: Mapped[str] = mapped_column(String(12))
    revision: Mapped[int] = mapped_column(Integer)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("team_user.id", ondelete="SET NULL")
    )
    submitted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    submitted_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("team_user.id", ondelete="SET NULL")
    )

"""What the team writes down on a case: free notes and the démarches of the engagement contract."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, BigId, UTCDateTime

# The kinds of démarche are data: outreach/casework/step_kinds.py.
STEP_STATUSES = ("todo", "in_progress", "done", "dropped")
# Who does a démarche: the household itself, the team, or a partner (CAF, Département, ADIL…).
STEP_ACTORS = ("household", "team", "partner")
OPEN_STEP_STATUSES = ("todo", "in_progress")


class CaseNote(Base):
    """A free-text note a team member wrote on a case."""

    __tablename__ = "case_note"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    author_id: Mapped[int | None] = mapped_column(ForeignKey("team_user.id", ondelete="SET NULL"))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class EngagementStep(Base):
    """One démarche agreed with the household, with its status and due date."""

    __tablename__ = "engagement_step"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    kind: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(20), default="todo")
    due_date: Mapped[date | None] = mapped_column(Date)
    detail: Mapped[str | None] = mapped_column(Text)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("team_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)
    done_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The objective in the household's words, who does it, and what came of it.
    objective: Mapped[str | None] = mapped_column(Text)
    actor: Mapped[str] = mapped_column(String(12), default="household", server_default="household")
    result: Mapped[str | None] = mapped_column(Text)
    # The SMS reminding the household two days before the due date went out (never twice).
    nudged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The referral (orientation) this démarche goes through, if any.
    referral_id: Mapped[int | None] = mapped_column(ForeignKey("referral.id", ondelete="SET NULL"))

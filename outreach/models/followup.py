"""What the team writes down on a case: free notes and the démarches of the engagement contract."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, BigId, UTCDateTime

# The démarches an engagement contract can list (see DOMAIN.md), in the order they are shown.
STEP_KINDS = (
    "fsl",  # Fonds de solidarité logement application
    "dls",  # demande de logement social
    "action_logement",  # Action Logement aid
    "landlord_mediation",  # mediation with the landlord / repayment plan (plan d'apurement)
    "overindebtedness",  # Banque de France over-indebtedness file (surendettement)
    "social_worker",  # appointment with a social worker of the Département
    "legal_advice",  # ADIL or a lawyer (aide juridictionnelle): an act that may not be regular
)
STEP_STATUSES = ("todo", "in_progress", "done", "dropped")
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

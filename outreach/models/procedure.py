"""What a worker found checking the commandement de payer, one verdict per point of the list
(outreach/casework/procedure.py: CDP_CHECKS)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, BigId, UTCDateTime

VERDICTS = ("conforme", "non_conforme", "a_verifier")


class ProcedureCheck(Base):
    __tablename__ = "procedure_check"
    __table_args__ = (UniqueConstraint("case_id", "item"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    item: Mapped[str] = mapped_column(String(30))
    verdict: Mapped[str] = mapped_column(String(20))
    checked_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("team_user.id", ondelete="SET NULL")
    )
    checked_at: Mapped[datetime] = mapped_column(UTCDateTime)

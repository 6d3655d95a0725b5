"""Team members (coordinators and workers) and their sectors."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, Column, ForeignKey, Integer, String, Table
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.models.base import Base, BigId, UTCDateTime
from outreach.models.sector import Sector

# An evaluator (DDETS, CCAPEX secretariat) sees the indicators, their exports and the bilan only:
# no case, no name, no inbox; small counts are shown as "< 5" (outreach.reports.disclosure).
ROLES = ("coordinator", "worker", "evaluator")

user_sector = Table(
    "team_user_sector",
    Base.metadata,
    Column("user_id", ForeignKey("team_user.id", ondelete="CASCADE"), primary_key=True),
    Column("sector_id", ForeignKey("sector.id", ondelete="CASCADE"), primary_key=True),
)


class TeamUser(Base):
    __tablename__ = "team_user"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    email: Mapped[str] = mapped_column(String(254), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    role: Mapped[str] = mapped_column(String(20))
    api_token_hash: Mapped[str | None] = mapped_column(String(128), unique=True)
    api_token_expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    api_token_last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    password_hash: Mapped[str | None] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    failed_logins: Mapped[int] = mapped_column(Integer, default=0)
    locked_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    sectors: Mapped[list[Sector]] = relationship(secondary=user_sector)

    @property
    def is_coordinator(self) -> bool:
        return self.role == "coordinator"

    @property
    def is_evaluator(self) -> bool:
        return self.role == "evaluator"

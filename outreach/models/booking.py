"""Home-visit booking: workers' availability per sector, the slots it makes, and booked visits.

Availability is described once (recurring weekly windows, one-off openings, absences) and
materialised into Slot rows for the next weeks. A slot is unique per worker and start time, and
is taken with a conditional update (free -> held/booked), so two households never get the same one.
"""

from __future__ import annotations

from datetime import date, datetime, time

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Index,
    Integer,
    SmallInteger,
    String,
    Time,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.models.base import Base, BigId, UTCDateTime
from outreach.models.case import Case
from outreach.models.sector import Sector
from outreach.models.team import TeamUser

SLOT_STATUSES = (
    "free",
    "held",  # taken by a household for a short while (e.g. while it answers the consent question)
    "booked",
    "cancelled",  # no longer offered: the window was removed or the worker is absent
)
VISIT_STATUSES = (
    "booked",
    "reminded",  # the reminder of the day before went out
    "held",  # the visit took place (recorded by the worker)
    "no_show",  # nobody was home (recorded by the worker)
    "cancelled",
)
ACTIVE_VISIT_STATUSES = ("booked", "reminded")
# Where the visit takes place: at the household's home, or at a place near it (mairie, CCAS,
# France Services…) from the sector's list of meeting places.
VISIT_PLACES = ("home", "nearby")
# Who booked the visit and how the household was reached: by its own SMS reply, or by a worker
# after a phone call or a knock on the door.
BOOKED_BY = ("household", "team")
REACHED_BY = ("reply", "phone", "door")


class MeetingPlace(Base):
    """A place near the households of a sector where a worker can meet them (mairie, CCAS,
    France Services…). Entered by the team; an unknown address stays empty ("à compléter")."""

    __tablename__ = "meeting_place"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sector_id: Mapped[int] = mapped_column(ForeignKey("sector.id", ondelete="CASCADE"), index=True)
    name: Mapped[str] = mapped_column(String(120))
    address: Mapped[str | None] = mapped_column(String(250))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    sector: Mapped[Sector] = relationship()


class AvailabilityWindow(Base):
    """A worker's recurring weekly opening in a sector: "Tuesdays 09:00-12:00, 1 h visits"."""

    __tablename__ = "availability_window"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sector_id: Mapped[int] = mapped_column(ForeignKey("sector.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[int] = mapped_column(
        ForeignKey("team_user.id", ondelete="CASCADE"), index=True
    )
    weekday: Mapped[int] = mapped_column(SmallInteger)  # 0 = Monday (Europe/Paris wall clock)
    start_time: Mapped[time] = mapped_column(Time)  # local time
    end_time: Mapped[time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=60)
    valid_from: Mapped[date] = mapped_column(Date)
    valid_until: Mapped[date | None] = mapped_column(Date)  # inclusive; None = open-ended
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class OneOffSlot(Base):
    """An extra opening on one day (local times), cut into slots like a weekly window."""

    __tablename__ = "one_off_slot"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    sector_id: Mapped[int] = mapped_column(ForeignKey("sector.id", ondelete="CASCADE"), index=True)
    worker_id: Mapped[int] = mapped_column(
        ForeignKey("team_user.id", ondelete="CASCADE"), index=True
    )
    day: Mapped[date] = mapped_column(Date, index=True)
    start_time: Mapped[time] = mapped_column(Time)
    end_time: Mapped[time] = mapped_column(Time)
    slot_minutes: Mapped[int] = mapped_column(Integer, default=60)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Absence(Base):
    """A worker is away (leave, training): no slot of theirs is offered in that span."""

    __tablename__ = "worker_absence"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    worker_id: Mapped[int] = mapped_column(
        ForeignKey("team_user.id", ondelete="CASCADE"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)


class Slot(Base):
    """One bookable visit time of one worker in one sector."""

    __tablename__ = "visit_slot"
    __table_args__ = (
        UniqueConstraint("worker_id", "starts_at"),
        # Offering slots is one range scan: free slots of a sector, soonest first.
        Index("ix_visit_slot_sector_id_status_starts_at", "sector_id", "status", "starts_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    worker_id: Mapped[int] = mapped_column(
        ForeignKey("team_user.id", ondelete="CASCADE"), index=True
    )
    sector_id: Mapped[int] = mapped_column(ForeignKey("sector.id", ondelete="CASCADE"))
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="free")
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_file.id", ondelete="SET NULL"), index=True
    )
    held_until: Mapped[datetime | None] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

    worker: Mapped[TeamUser] = relationship()
    sector: Mapped[Sector] = relationship()


class Visit(Base):
    """A booked home visit: what the household was promised, and what happened."""

    __tablename__ = "visit"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    slot_id: Mapped[int | None] = mapped_column(
        ForeignKey("visit_slot.id", ondelete="SET NULL"), index=True
    )
    worker_id: Mapped[int | None] = mapped_column(
        ForeignKey("team_user.id", ondelete="SET NULL"), index=True
    )
    sector_id: Mapped[int | None] = mapped_column(
        ForeignKey("sector.id", ondelete="SET NULL"), index=True
    )
    starts_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    status: Mapped[str] = mapped_column(String(12), default="booked", index=True)
    # The approximate arrival window promised to the household (rendered in its language).
    window_starts_at: Mapped[datetime] = mapped_column(UTCDateTime)
    window_ends_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # The French rendering of that window, as the team reads it ("entre 10 h et 11 h").
    time_window: Mapped[str] = mapped_column(String(60))
    replaces_visit_id: Mapped[int | None] = mapped_column(
        ForeignKey("visit.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    cancelled_by: Mapped[str | None] = mapped_column(String(12))  # household | team
    outcome_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    outcome_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("team_user.id", ondelete="SET NULL")
    )
    place_kind: Mapped[str] = mapped_column(String(12), default="home", server_default="home")
    place_id: Mapped[int | None] = mapped_column(
        ForeignKey("meeting_place.id", ondelete="SET NULL")
    )
    booked_by: Mapped[str] = mapped_column(
        String(12), default="household", server_default="household"
    )
    reached_by: Mapped[str] = mapped_column(String(12), default="reply", server_default="reply")

    case: Mapped[Case] = relationship()
    slot: Mapped[Slot | None] = relationship()
    worker: Mapped[TeamUser | None] = relationship(foreign_keys=[worker_id])
    sector: Mapped[Sector | None] = relationship()
    place: Mapped[MeetingPlace | None] = relationship()

    @property
    def active(self) -> bool:
        return self.status in ACTIVE_VISIT_STATUSES

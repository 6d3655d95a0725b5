"""A case (dossier): one household transferred by the CCAPEX, its people, phones and landlord."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import (
    Boolean,
    Date,
    ForeignKey,
    Integer,
    String,
    Text,
    UniqueConstraint,
)
from sqlalchemy.ext.hybrid import hybrid_property
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.models.base import Base, BigId, UTCDateTime
from outreach.models.sector import Sector
from outreach.models.team import TeamUser

# The lifecycle (outreach/casework/lifecycle.py): the path a case walks in order, closed, and
# the statuses that set a case aside.
CASE_PATH = (
    "new",
    "contacting",
    "reached",
    "consented",
    "visit_booked",
    "visited",
    "supported",
    "follow_up",
)
CASE_ASIDE = ("unreachable", "refused", "out_of_scope")
CASE_STATUSES = (*CASE_PATH, "closed", *CASE_ASIDE)
# The procedure for unpaid rent, in order (see DOMAIN.md).
STAGES = (
    "impaye",  # unpaid-rent report
    "cdp",  # commandement de payer
    "assignation",  # summons to court
    "audience",  # hearing
    "jugement",  # judgment
    "cql",  # commandement de quitter les lieux
    "cfp",  # concours de la force publique
)


class Landlord(Base):
    __tablename__ = "landlord"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(20))  # E.164
    phone_raw: Mapped[str | None] = mapped_column(String(50))
    email: Mapped[str | None] = mapped_column(String(254))


class Case(Base):
    __tablename__ = "case_file"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    reference: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(20), default="new", index=True)
    stage: Mapped[str | None] = mapped_column(String(20), index=True)
    date_cdp: Mapped[date | None] = mapped_column(Date)
    date_assignation: Mapped[date | None] = mapped_column(Date)
    date_audience: Mapped[date | None] = mapped_column(Date)
    date_jugement: Mapped[date | None] = mapped_column(Date)
    date_cql: Mapped[date | None] = mapped_column(Date)  # commandement de quitter les lieux
    date_cfp: Mapped[date | None] = mapped_column(Date)  # concours de la force publique
    lease_signed_on: Mapped[date | None] = mapped_column(Date)  # the CDP's time to pay hangs on it
    # The nearest deadline of the procedure to come (outreach/casework/procedure.py), kept with the
    # dates and each morning, so the case list sorts by it. No index: sorting 100,000 cases by it
    # takes 50 ms, and an index here made SQLite count other lists in deadline order (3x slower).
    next_deadline_on: Mapped[date | None] = mapped_column(Date)
    next_deadline_kind: Mapped[str | None] = mapped_column(String(20))
    # Closing (outreach/casework/closing.py): the outcome, who closed it and when, and where the
    # case stood (reopening puts it back there).
    outcome: Mapped[str | None] = mapped_column(String(30), index=True)
    outcome_comment: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("team_user.id", ondelete="SET NULL")
    )
    status_before_close: Mapped[str | None] = mapped_column(String(20))
    aside_reason: Mapped[str | None] = mapped_column(String(30))  # why out of scope
    debt_cents: Mapped[int | None] = mapped_column(Integer)
    address: Mapped[str | None] = mapped_column(String(300))
    postcode: Mapped[str | None] = mapped_column(String(5))
    commune: Mapped[str | None] = mapped_column(String(200))
    sector_id: Mapped[int | None] = mapped_column(
        ForeignKey("sector.id", ondelete="SET NULL"), index=True
    )
    assigned_worker_id: Mapped[int | None] = mapped_column(
        ForeignKey("team_user.id", ondelete="SET NULL"), index=True
    )
    landlord_id: Mapped[int | None] = mapped_column(ForeignKey("landlord.id", ondelete="SET NULL"))
    language: Mapped[str] = mapped_column(String(8), default="fr")
    opted_out: Mapped[bool] = mapped_column(Boolean, default=False, index=True)
    opted_out_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    import_month: Mapped[str | None] = mapped_column(String(7), index=True)
    last_import_batch_id: Mapped[int | None] = mapped_column(
        ForeignKey("import_batch.id", ondelete="SET NULL")
    )
    last_contact_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Lower-cased, accent-free "name firstname" of the household, for search.
    search_text: Mapped[str] = mapped_column(String(400), default="", index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)

    sector: Mapped[Sector | None] = relationship()
    assigned_worker: Mapped[TeamUser | None] = relationship(foreign_keys=[assigned_worker_id])
    landlord: Mapped[Landlord | None] = relationship()
    people: Mapped[list[Person]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="Person.id"
    )
    contact_points: Mapped[list[ContactPoint]] = relationship(
        back_populates="case", cascade="all, delete-orphan", order_by="ContactPoint.position"
    )


class Person(Base):
    __tablename__ = "person"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    role: Mapped[str] = mapped_column(String(20), default="tenant")
    last_name: Mapped[str] = mapped_column(String(200))
    first_name: Mapped[str | None] = mapped_column(String(200))

    case: Mapped[Case] = relationship(back_populates="people")


LINE_TYPES = ("mobile", "landline", "unknown")


class ContactPoint(Base):
    """A way to reach a household: a phone number (E.164), a Telegram chat, a WhatsApp number."""

    __tablename__ = "contact_point"
    __table_args__ = (UniqueConstraint("case_id", "kind", "value"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    # A contact kind of the channel table (outreach/sending/channels.py): phone, whatsapp, telegram.
    kind: Mapped[str] = mapped_column(String(20))
    value: Mapped[str] = mapped_column(String(64), index=True)  # E.164 or chat id
    line_type: Mapped[str] = mapped_column(String(20), default="unknown")
    sms_capable: Mapped[bool] = mapped_column(Boolean, default=True)
    # ok | cannot_receive_sms | dead | blocked (bot blocked by the user)
    state: Mapped[str] = mapped_column(String(30), default="ok")
    state_reason: Mapped[str | None] = mapped_column(Text)
    position: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship(back_populates="contact_points")

    @hybrid_property
    def usable(self) -> bool:
        """We can write to it (also usable in a query: `ContactPoint.usable`)."""
        return self.state == "ok"

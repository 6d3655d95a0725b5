"""Privacy records (RGPD): a case made anonymous, a landlord who asked for no more messages."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, BigId, UTCDateTime

ANONYMISATION_REASONS = ("retention", "erasure")


class Anonymisation(Base):
    """A case whose personal data was removed; the anonymous rest still counts in indicators."""

    __tablename__ = "anonymisation"

    case_id: Mapped[int] = mapped_column(
        BigId, ForeignKey("case_file.id", ondelete="CASCADE"), primary_key=True
    )
    reason: Mapped[str] = mapped_column(String(20))  # retention | erasure
    at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)


class LandlordOptOut(Base):
    """A landlord's objection to our messages (STOP), by address (E.164 phone or e-mail)."""

    __tablename__ = "landlord_opt_out"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    address: Mapped[str] = mapped_column(String(254), unique=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime)

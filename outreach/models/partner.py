"""The team's partners (CAF, Département, Banque de France, ADIL, Point Conseil Budget…): who they
are, which sectors they serve, how to reach the service securely, what they accept. Edited by the
coordinators; a starter file gives the kinds for the Pas-de-Calais, every contact "à compléter"."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy import JSON, Boolean, Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, BigId, UTCDateTime

PARTNER_KINDS = (
    "caf",
    "msa",
    "departement",
    "ccas",
    "banque_de_france",
    "adil",
    "point_conseil_budget",
    "action_logement",
    "fsl",
    "siao",
    "commissaire_de_justice",
    "avocat",
    "bailleur_social",
    "other",
)


class Partner(Base):
    __tablename__ = "partner"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    name: Mapped[str] = mapped_column(String(200))
    kind: Mapped[str] = mapped_column(String(30), index=True)
    # Sector codes served; empty: the whole territory.
    sector_codes: Mapped[list[str]] = mapped_column(JSON, default=list)
    # The service's secure address (a shared mailbox, not a person's), its phone, its address.
    email: Mapped[str | None] = mapped_column(String(254))
    phone: Mapped[str | None] = mapped_column(String(30))
    address: Mapped[str | None] = mapped_column(String(300))
    accepts: Mapped[str | None] = mapped_column(Text)  # what they take: orientations, documents
    confirmed: Mapped[bool] = mapped_column(Boolean, default=False)  # checked by the team
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)


# What a partner told the team about a case, and how.
INFO_KINDS = (
    "information",
    "caf_decision",
    "fsl_decision",
    "bdf_decision",  # Banque de France: the over-indebtedness commission's decision
    "other_decision",
)
INFO_MEANS = ("email", "phone", "meeting", "letter")


class PartnerInfo(Base):
    """Information a partner gave about a case, logged by the team. A document is kept by
    reference only (where it is filed), never in the database."""

    __tablename__ = "partner_info"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id", ondelete="SET NULL"))
    kind: Mapped[str] = mapped_column(String(20))
    means: Mapped[str] = mapped_column(String(12))
    received_on: Mapped[date] = mapped_column(Date)
    summary: Mapped[str | None] = mapped_column(Text)
    document_ref: Mapped[str | None] = mapped_column(String(120))
    author_id: Mapped[int | None] = mapped_column(ForeignKey("team_user.id", ondelete="SET NULL"))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)

"""Consent records (RGPD): explicit, timestamped, versioned, never edited.

Each answer is a new row: what was decided, the exact text that was shown (its version and hash),
in which language, on which channel, in answer to (or carried by) which message. The current
consent of a case for a purpose is its latest row.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import ForeignKey, Index, String
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, BigId, UTCDateTime

# "contract": the household agrees to its engagement contract (signed at the visit, or "OUI" by
# SMS to its summary), recorded like a consent: who, when, how, which text.
# "referral": to share a summary with one partner for one purpose (the referral points to it).
CONSENT_PURPOSES = ("diagnostic", "landlord_contact", "contract", "referral")
CONSENT_DECISIONS = ("given", "refused", "withdrawn")
# How a consent given in person was expressed; an answer by message has no method.
CONSENT_METHODS = ("oral", "written")


class ConsentRecord(Base):
    __tablename__ = "consent_record"
    __table_args__ = (
        Index("ix_consent_record_case_id_purpose_recorded_at", "case_id", "purpose", "recorded_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"))
    purpose: Mapped[str] = mapped_column(String(30))
    decision: Mapped[str] = mapped_column(String(12))
    # "diagnostic-v1-<first 12 hex digits of the SHA-256 of the exact text shown>".
    text_version: Mapped[str] = mapped_column(String(80))
    language: Mapped[str] = mapped_column(String(8))
    # A name of the channel table (outreach/sending/channels.py), or "visit" (given in person).
    channel: Mapped[str] = mapped_column(String(20))
    # The household's answer (or the team's note of it); None when given in person.
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="SET NULL"))
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # A team member who recorded an answer given in person; None when the bot read it.
    recorded_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("team_user.id", ondelete="SET NULL")
    )
    # Given in person: "oral" or "written", and where the signed paper is kept (a scan's
    # reference in the team's files, never the scan itself).
    method: Mapped[str | None] = mapped_column(String(12))
    document_ref: Mapped[str | None] = mapped_column(String(120))

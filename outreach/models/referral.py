"""Referrals (orientations): the team hands a case to a partner for one purpose, with the
household's consent to share that with that partner, and follows what came of it.

What is shared is a summary the worker reviewed (only the fields the purpose needs), frozen as it
was sent. By default the partner gets a one-time link by e-mail and a code in a second e-mail; only
hashes of both are kept, the link expires after 7 days and locks after 5 wrong codes.
"""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import JSON, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, BigId, UTCDateTime

# draft: prepared, the summary under review; consent_asked: the household was asked by message;
# ready: consent given, to be e-mailed; sending: the e-mails are going; sent: e-mailed; received:
# the partner opened it; taken / refused: the partner's answer; no_answer: the team stopped
# waiting; declined: the household said no; canceled: by the team, before sending.
REFERRAL_STATUSES = (
    "draft",
    "consent_asked",
    "ready",
    "sending",
    "sent",
    "received",
    "taken",
    "refused",
    "no_answer",
    "declined",
    "canceled",
)
OPEN_REFERRAL_STATUSES = ("draft", "consent_asked", "ready", "sending", "sent", "received")
# "link": a one-time link and a separate code (default); "summary": the summary in the e-mail.
REFERRAL_DELIVERIES = ("link", "summary")


class Referral(Base):
    __tablename__ = "referral"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    partner_id: Mapped[int | None] = mapped_column(ForeignKey("partner.id", ondelete="SET NULL"))
    purpose: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(16), default="draft", index=True)
    delivery: Mapped[str] = mapped_column(String(10), default="link")
    # The fields shared (keys of outreach.partners.referrals.FIELDS) and the worker's note.
    fields: Mapped[list[str]] = mapped_column(JSON, default=list)
    note: Mapped[str | None] = mapped_column(Text)
    # The summary as it was sent, frozen (cleared when the case is anonymised).
    summary: Mapped[str | None] = mapped_column(Text)
    # The household's consent to this sharing (a ConsentRecord of purpose "referral").
    consent_id: Mapped[int | None] = mapped_column(
        ForeignKey("consent_record.id", ondelete="SET NULL")
    )
    # Where the conversation was before the question was asked: it goes back there after.
    return_state: Mapped[str | None] = mapped_column(String(30))
    # The one-time link and its code: SHA-256 hashes only.
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    code_hash: Mapped[str | None] = mapped_column(String(64))
    wrong_codes: Mapped[int] = mapped_column(Integer, default=0)
    locked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    send_attempts: Mapped[int] = mapped_column(Integer, default=0)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    opened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    reminded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The partner's answer, as the partner gave it (recorded by the team).
    answer: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("team_user.id", ondelete="SET NULL")
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime)

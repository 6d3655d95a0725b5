"""Messages both ways, their delivery status, the team inbox and Telegram link tokens."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import JSON, Boolean, Date, ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from outreach.models.base import Base, BigId, UTCDateTime

# Outbound status, in delivery order; a final status never moves back.
OUTBOUND_STATUSES = (
    "pending",  # committed, not yet handed to the provider
    "sending",  # handed to the provider, answer not yet recorded
    "uncertain",  # crashed between provider call and commit: reconcile, never blindly resend
    "queued",
    "accepted",
    "scheduled",
    "sent",
    "delivered",
    "read",
    "undelivered",
    "failed",
    "canceled",
)
FINAL_STATUSES = frozenset({"delivered", "read", "undelivered", "failed", "canceled"})


class Message(Base):
    __tablename__ = "message"
    __table_args__ = (UniqueConstraint("channel", "provider_id"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    direction: Mapped[str] = mapped_column(String(3))  # in | out
    # A name of the channel table (outreach/sending/channels.py), or "email" (to a landlord).
    channel: Mapped[str] = mapped_column(String(20))
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), index=True
    )
    contact_point_id: Mapped[int | None] = mapped_column(
        ForeignKey("contact_point.id", ondelete="SET NULL")
    )
    # The address on the household's side (E.164, whatsapp:+33…, Telegram chat id).
    address: Mapped[str] = mapped_column(String(64), index=True)
    body: Mapped[str] = mapped_column(Text, default="")
    template: Mapped[str | None] = mapped_column(String(64))
    # Outbound: the values the template was rendered with ({"day": "mardi 17 mars", ...}), as
    # passed to messages.templates.render: WhatsApp sends them with the approved template outside
    # the 24-hour window. Personal data: cleared with the body (outreach.privacy.retention).
    template_values: Mapped[dict[str, str] | None] = mapped_column(JSON)
    language: Mapped[str | None] = mapped_column(String(8))
    provider_id: Mapped[str | None] = mapped_column(String(64))
    status: Mapped[str] = mapped_column(String(20), index=True)
    error_code: Mapped[str | None] = mapped_column(String(20))
    error_kind: Mapped[str | None] = mapped_column(String(30))
    segments: Mapped[int | None] = mapped_column(Integer)
    encoding: Mapped[str | None] = mapped_column(String(10))  # GSM-7 | UCS-2
    author_id: Mapped[int | None] = mapped_column(ForeignKey("team_user.id", ondelete="SET NULL"))
    # Inbound: the raw provider payload, kept until processed (no logs ever see it).
    raw: Mapped[dict[str, Any] | None] = mapped_column(JSON)
    # Outbound: the answers offered ([{"reply": "1", "label": "mardi 3 mars à 10 h"}]): numbers
    # by SMS, buttons on Telegram.
    choices: Mapped[list[dict[str, str]] | None] = mapped_column(JSON)
    processed: Mapped[bool] = mapped_column(Boolean, default=True, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    status_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class MessageStatusEvent(Base):
    """One status callback, deduplicated on (provider id, status)."""

    __tablename__ = "message_status_event"
    __table_args__ = (UniqueConstraint("channel", "provider_id", "status"),)

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    channel: Mapped[str] = mapped_column(String(20))
    provider_id: Mapped[str] = mapped_column(String(64), index=True)
    status: Mapped[str] = mapped_column(String(20))
    error_code: Mapped[str | None] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime)


INBOX_KINDS = (
    "reply",  # a household answered: someone should read it
    "unknown_sender",
    "several_cases",  # the number belongs to several open cases
    "not_understood",
    "refusal",
    "need_help",
    "failed_number",
    "content_filtered",
    "task",
)


class InboxItem(Base):
    """Something that needs a human on the team."""

    __tablename__ = "inbox_item"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    case_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_file.id", ondelete="CASCADE"), index=True
    )
    message_id: Mapped[int | None] = mapped_column(ForeignKey("message.id", ondelete="CASCADE"))
    note: Mapped[str | None] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    handled_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("team_user.id", ondelete="SET NULL")
    )
    # A call or a door knock: what came of it (outreach.team.outcomes.OUTCOMES).
    outcome: Mapped[str | None] = mapped_column(String(20))
    # A task for a given day ("rappeler le 12/03"): shown with its day, not before it matters.
    due_on: Mapped[date | None] = mapped_column(Date)


class ChannelLinkToken(Base):
    """A single-use, expiring token that links a messenger account to a case (deep link)."""

    __tablename__ = "channel_link_token"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    channel: Mapped[str] = mapped_column(String(20))
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    expires_at: Mapped[datetime] = mapped_column(UTCDateTime)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

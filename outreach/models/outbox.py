"""The outbox (every future action, with its due time) and the sequence enrolments it serves."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import JSON, ForeignKey, Index, Integer, SmallInteger, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from outreach.models.base import Base, BigId, UTCDateTime
from outreach.models.case import Case
from outreach.models.messaging import Message

ENROLMENT_STATUSES = ("active", "stopped", "finished")
OUTBOX_KINDS = (
    "step",  # run step `step_index` of an enrolment (send a message or create a team task)
    "send",  # deliver an existing Message row (bot reply, team message being retried)
    "confirmation",  # opt-out / opt-in confirmation: the only send allowed to an opted-out case
)
OUTBOX_STATUSES = (
    "pending",  # waiting for due_at
    "running",  # claimed by a dispatcher (claim_token); attempt under way
    "done",
    "skipped",  # no usable channel for this step: the sequence moved on
    "failed",
    "canceled",  # the household replied or opted out, or the case closed
    "uncertain",  # the process died during the provider call: flagged, never resent
)
# Conversational replies go before bulk sequence messages (lower runs first).
PRIORITY_REPLY = 0
PRIORITY_BULK = 10


class Enrolment(Base):
    """One case running one sequence, with the steps it was enrolled with (a frozen copy)."""

    __tablename__ = "sequence_enrolment"

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    sequence: Mapped[str] = mapped_column(String(64), index=True)
    # First 12 hex digits of the sequence file's SHA-256 when the case entered it.
    version: Mapped[str] = mapped_column(String(12))
    # The steps as they were at enrolment: editing the file later never changes a running case.
    steps: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    status: Mapped[str] = mapped_column(String(20), default="active", index=True)
    stop_reason: Mapped[str | None] = mapped_column(String(30))
    next_step: Mapped[int] = mapped_column(Integer, default=0)
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    # Day 0 of the sequence: the first opening of the sending window at or after started_at.
    anchor_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()


class OutboxItem(Base):
    """A due action. The dispatcher claims rows whose due_at has passed, in priority order."""

    __tablename__ = "outbox_item"
    __table_args__ = (
        # One tick with nothing due is one short range scan of this index.
        Index("ix_outbox_item_status_due_at", "status", "due_at"),
    )

    id: Mapped[int] = mapped_column(BigId, primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    status: Mapped[str] = mapped_column(String(20), default="pending")
    priority: Mapped[int] = mapped_column(SmallInteger, default=PRIORITY_BULK)
    # Which sending window applies: "send" (sequences), "reply" (conversation), "none".
    send_window: Mapped[str] = mapped_column(String(10), default="send")
    due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    case_id: Mapped[int] = mapped_column(ForeignKey("case_file.id", ondelete="CASCADE"), index=True)
    enrolment_id: Mapped[int | None] = mapped_column(
        ForeignKey("sequence_enrolment.id", ondelete="CASCADE"), index=True
    )
    step_index: Mapped[int | None] = mapped_column(Integer)
    message_id: Mapped[int | None] = mapped_column(
        ForeignKey("message.id", ondelete="SET NULL"), index=True
    )
    channel: Mapped[str | None] = mapped_column(String(20))
    # Channels that failed permanently for this step: the next attempt uses another one.
    skip_channels: Mapped[list[str]] = mapped_column(JSON, default=list)
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    last_error: Mapped[str | None] = mapped_column(String(60))
    claim_token: Mapped[str | None] = mapped_column(String(32))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime)
    finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    case: Mapped[Case] = relationship()
    enrolment: Mapped[Enrolment | None] = relationship()
    message: Mapped[Message | None] = relationship()

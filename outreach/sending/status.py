"""Delivery status callbacks: deduplicated, and never moving a message back from a final state."""

from __future__ import annotations

from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from messages import N_
from outreach.clock import Clock
from outreach.models import FINAL_STATUSES, Message, MessageStatusEvent
from outreach.sanitize import fit, fit_id
from outreach.sending.channel import StatusReport

# What each status means for the team (the one list: case timeline, sandbox phone...).
MESSAGE_STATUS_LABELS = {
    "pending": N_("waiting to be sent"),
    "sending": N_("being sent"),
    "uncertain": N_("uncertain"),
    "queued": N_("queued"),
    "accepted": N_("accepted"),
    "scheduled": N_("scheduled"),
    "sent": N_("sent"),
    "delivered": N_("delivered"),
    "read": N_("read"),
    "undelivered": N_("not delivered"),
    "failed": N_("failed"),
    "canceled": N_("canceled"),
    "received": N_("received by the team"),
}

# How far along a message is; a status never replaces one of higher rank.
_RANK = {
    "pending": 0,
    "sending": 1,
    "uncertain": 1,
    "accepted": 2,
    "scheduled": 2,
    "queued": 3,
    "sending_provider": 4,
    "sent": 5,
    "delivered": 6,
    "undelivered": 6,
    "failed": 6,
    "canceled": 6,
    "read": 7,
}


def apply_status(session: Session, *, clock: Clock, report: StatusReport) -> bool:
    """Record one status callback; return True when it changed the message."""
    report = replace(
        report,
        provider_id=fit_id(report.provider_id),
        status=fit(report.status, 20),
        error_code=fit(report.error_code, 20) if report.error_code else None,
    )
    if not _record_event(session, clock=clock, report=report):
        return False
    message = session.scalar(
        select(Message).where(
            Message.channel == report.channel, Message.provider_id == report.provider_id
        )
    )
    if message is None:
        return False
    if not _moves_forward(message.status, report.status):
        return False
    message.status = report.status
    message.status_at = clock.now()
    if report.error_code:
        message.error_code = report.error_code
    if report.segments:
        message.segments = report.segments
    return True


def _record_event(session: Session, *, clock: Clock, report: StatusReport) -> bool:
    """Store the (provider id, status) pair once; False when it was already stored."""
    try:
        with session.begin_nested():
            session.add(
                MessageStatusEvent(
                    channel=report.channel,
                    provider_id=report.provider_id,
                    status=report.status,
                    error_code=report.error_code,
                    received_at=clock.now(),
                )
            )
    except IntegrityError:
        return False
    return True


def _moves_forward(current: str, new: str) -> bool:
    if current in FINAL_STATUSES and new != "read":
        return False
    return _RANK.get(new, 0) > _RANK.get(current, 0)

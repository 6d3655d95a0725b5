"""A failure the provider reports after it accepted a message (a status callback's error code).

The message already left the outbox, so there is nothing to retry in place: a permanent failure
has the same consequences as one refused at once (outreach.sending.send_now.apply_consequences); a
temporary one (handset off) sends a copy of the message again later, with backoff, a few times
at most, and then is handled as permanent.
"""

from __future__ import annotations

import logging
from datetime import timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outreach.clock import Clock
from outreach.models import Message
from outreach.models.outbox import PRIORITY_BULK
from outreach.sending.channel import DeliveryError, ErrorKind
from outreach.sending.config import Backoff
from outreach.sending.outbox import enqueue
from outreach.sending.send_now import apply_consequences

log = logging.getLogger(__name__)
DEFAULT_MAX_ATTEMPTS = 3


def apply_late_failure(
    session: Session,
    *,
    clock: Clock,
    message: Message,
    error: DeliveryError,
    backoff: Backoff | None = None,
) -> Message | None:
    """Record what a late failure means; return the copy queued for a retry, if any."""
    if error.temporary and message.case_id is not None:
        attempts = _failed_attempts(session, message) + 1  # this one included
        if attempts < (error.max_attempts or DEFAULT_MAX_ATTEMPTS):
            _mark(message, error)
            delay = (backoff or Backoff()).delay(attempts)
            return _send_again(session, clock=clock, message=message, delay=delay)
        error = DeliveryError(ErrorKind.PERMANENT, code=error.code, detail="too many retries")
    _mark(message, error)
    log.warning("message %s failed after sending: %s %s", message.id, error.kind, error.code)
    apply_consequences(session, clock=clock, message=message, error=error)
    return None


def _mark(message: Message, error: DeliveryError) -> None:
    message.error_code = error.code
    message.error_kind = str(error.kind)


def _failed_attempts(session: Session, message: Message) -> int:
    """How many earlier copies of this text failed temporarily on this address."""
    count = session.scalar(
        select(func.count())
        .select_from(Message)
        .where(
            Message.direction == "out",
            Message.id != message.id,
            Message.case_id == message.case_id,
            Message.channel == message.channel,
            Message.address == message.address,
            Message.body == message.body,
            Message.error_kind == str(ErrorKind.TEMPORARY),
        )
    )
    return int(count or 0)


def _send_again(session: Session, *, clock: Clock, message: Message, delay: float) -> Message:
    now = clock.now()
    copy = Message(
        direction="out",
        channel=message.channel,
        case_id=message.case_id,
        contact_point_id=message.contact_point_id,
        address=message.address,
        body=message.body,
        template=message.template,
        # WhatsApp sends the values with the approved template: the copy needs them too.
        template_values=dict(message.template_values) if message.template_values else None,
        language=message.language,
        status="pending",
        author_id=message.author_id,
        processed=True,
        created_at=now,
    )
    session.add(copy)
    session.flush()
    assert copy.case_id is not None
    enqueue(
        session,
        now=now,
        kind="send",
        case_id=copy.case_id,
        due_at=now + timedelta(seconds=delay),
        priority=PRIORITY_BULK,
        send_window="send",
        message_id=copy.id,
        channel=copy.channel,
    )
    log.info("message %s failed temporarily: copy %s queued", message.id, copy.id)
    return copy

"""Outbox, then send: a message is committed as a row, then handed to its channel, then marked.

1. `queue_message` adds a `pending` Message row (committed by the caller).
2. `deliver` claims it with a conditional update (pending -> sending), so two workers never send
   the same row; calls the channel outside any transaction; then records the receipt. A caller
   that writes the message and sends it at once claims it in its own transaction and calls
   `send_claimed` (one write transaction fewer).
   The dispatcher (outreach.engine.dispatcher) uses the same pieces: claim, call_channel, record_*.
A crash after the provider call leaves the row in `sending`: it is reconciled or flagged
`uncertain`, never blindly sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import Session, sessionmaker

from messages import gettext
from outreach.clock import Clock
from outreach.models import Case, ContactPoint, InboxItem, Message
from outreach.sending.channel import (
    PERMANENT_FOR_ADDRESS,
    Channel,
    Choice,
    DeliveryError,
    ErrorKind,
    Outgoing,
    SendReceipt,
)
from outreach.sending.channels import BY_NAME, PREFERENCE
from outreach.sending.config import Backoff
from outreach.sending.outbox import enqueue_send

log = logging.getLogger(__name__)


class NotSendable(Exception):
    """The case cannot be written to; the message is the reason, for the team."""


@dataclass(frozen=True)
class Route:
    channel: str
    contact_point: ContactPoint


def best_route(
    case: Case, enabled: tuple[str, ...], preference: tuple[str, ...] = PREFERENCE
) -> Route:
    """The channel and address to reach a household now, or NotSendable with the reason."""
    if case.opted_out:
        raise NotSendable(gettext("The household asked to receive no more messages (STOP)."))
    for channel in preference:
        if channel not in enabled:
            continue
        spec = BY_NAME[channel]
        for point in case.contact_points:
            if point.kind != spec.contact_kind or not point.usable:
                continue
            if spec.sms_capable and not point.sms_capable:
                continue
            return Route(channel=channel, contact_point=point)
    raise NotSendable(gettext("There is no usable way to contact this household."))


def queue_message(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    route: Route,
    body: str,
    template: str | None = None,
    template_values: Mapping[str, str] | None = None,
    author_id: int | None = None,
    flush: bool = True,
) -> Message:
    """Add the outbound row; nothing is sent until `deliver`.

    `template_values`: the values `body` was rendered with (messages.templates.render_text), kept
    for WhatsApp's approved templates. `flush=False` leaves the INSERT to the next flush (the
    dispatcher writes a batch at once).
    """
    address = route.contact_point.value
    if route.channel == "whatsapp" and not address.startswith("whatsapp:"):
        address = f"whatsapp:{address}"
    message = Message(
        direction="out",
        channel=route.channel,
        case_id=case.id,
        contact_point_id=route.contact_point.id,
        address=address,
        body=body,
        template=template,
        template_values=dict(template_values) if template_values else None,
        language=case.language,
        status="pending",
        author_id=author_id,
        processed=True,
        created_at=clock.now(),
    )
    session.add(message)
    if flush:
        session.flush()
    return message


def claim(session: Session, *, message_id: int, now: datetime | None = None) -> bool:
    """pending -> sending, only if nobody else did it first. This records the attempt."""
    values: dict[str, object] = {"status": "sending"}
    if now is not None:
        values["status_at"] = now
    result = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == "pending")
        .values(**values)
        .execution_options(synchronize_session="fetch")
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def outgoing_for(message: Message, *, in_session: bool = False) -> Outgoing:
    return Outgoing(
        message_id=message.id,
        address=message.address,
        body=message.body,
        language=message.language or "fr",
        template=message.template,
        template_values=dict(message.template_values or {}),
        # The answers the message offers: buttons on Telegram, numbers in the SMS text.
        choices=tuple(Choice(reply=c["reply"], label=c["label"]) for c in message.choices or ()),
        in_session=in_session,
    )


def call_channel(channel: Channel | None, outgoing: Outgoing) -> SendReceipt | DeliveryError:
    """The provider's answer: a receipt, or the DeliveryError it raised (never raised here)."""
    if channel is None:
        return DeliveryError(ErrorKind.PERMANENT, detail="channel off")
    try:
        return channel.send(outgoing)
    except DeliveryError as error:
        return error


def deliver(
    sessions: sessionmaker[Session],
    *,
    clock: Clock,
    channels: Mapping[str, Channel],
    message_id: int,
    in_session: bool = False,
) -> Message | None:
    """Send one pending message through its channel now and record what happened.

    A temporary failure leaves the message pending and puts it in the outbox: the dispatcher
    retries it with backoff.
    """
    with sessions.begin() as session:
        if not claim(session, message_id=message_id, now=clock.now()):
            return None
        message = session.get_one(Message, message_id)
        outgoing = outgoing_for(message, in_session=in_session)
    return send_claimed(
        sessions, clock=clock, channel=channels.get(message.channel), outgoing=outgoing
    )


def send_claimed(
    sessions: sessionmaker[Session], *, clock: Clock, channel: Channel | None, outgoing: Outgoing
) -> Message:
    """Hand a message its caller claimed (and committed as `sending`) to its channel, then record
    the answer in a transaction of its own."""
    result = call_channel(channel, outgoing)
    with sessions.begin() as session:
        message = session.get_one(Message, outgoing.message_id)
        if isinstance(result, SendReceipt):
            record_receipt(session, clock=clock, message=message, receipt=result)
        else:
            record_failure(session, clock=clock, message=message, error=result)
            if result.temporary:
                _retry_later(session, clock=clock, message=message, error=result)
    return message


def record_receipt(
    session: Session, *, clock: Clock, message: Message, receipt: SendReceipt
) -> None:
    """The provider took the message: keep its id and first status."""
    now = clock.now()
    message.provider_id = receipt.provider_id
    if message.status in ("pending", "sending", "uncertain"):
        # A status callback may have come first (it finds the row by the id in its URL).
        message.status = receipt.status
    message.segments = receipt.segments or message.segments
    message.encoding = receipt.encoding
    message.sent_at = now
    message.status_at = now
    if message.case_id is not None:
        _touch_case(session, case_id=message.case_id, now=now)
    log.info("message %s handed to %s", message.id, message.channel)


def _touch_case(session: Session, *, case_id: int, now: datetime) -> None:
    """One UPDATE, no read: the latest contact wins."""
    session.execute(
        update(Case)
        .where(
            Case.id == case_id,
            or_(Case.last_contact_at.is_(None), Case.last_contact_at < now),
        )
        .values(last_contact_at=now)
        .execution_options(synchronize_session=False)
    )


def record_failure(
    session: Session, *, clock: Clock, message: Message, error: DeliveryError
) -> None:
    """A temporary failure puts the message back to pending; a permanent one ends it."""
    message.error_code = error.code
    message.error_kind = str(error.kind)
    message.status_at = clock.now()
    if error.kind == ErrorKind.UNCERTAIN:
        message.status = "uncertain"
        session.add(
            InboxItem(
                kind="uncertain_send",
                case_id=message.case_id,
                message_id=message.id,
                created_at=clock.now(),
            )
        )
        log.warning("message %s is uncertain: %s", message.id, error.code or "")
        return
    message.status = "pending" if error.temporary else "failed"
    if not error.temporary:
        apply_consequences(session, clock=clock, message=message, error=error)
    log.warning("message %s not sent: %s %s", message.id, error.kind, error.code or "")


def _retry_later(session: Session, *, clock: Clock, message: Message, error: DeliveryError) -> None:
    if message.case_id is None:
        return
    now = clock.now()
    delay = Backoff().delay(1, error.retry_after)
    enqueue_send(session, now=now, message=message, due_at=now + timedelta(seconds=delay))
    session.flush()


def apply_consequences(
    session: Session, *, clock: Clock, message: Message, error: DeliveryError
) -> None:
    """What a permanent error means for the household: opt-out, dead number, team alert."""
    now = clock.now()
    case = session.get(Case, message.case_id) if message.case_id else None
    point = (
        session.get(ContactPoint, message.contact_point_id) if message.contact_point_id else None
    )
    if error.kind == ErrorKind.OPTED_OUT and case is not None:
        from outreach.replies.optout import withdraw  # optout builds messages with this module

        # Opted out at the provider (e.g. Twilio's own STOP handling): stop on every channel.
        withdraw(session, clock=clock, case=case, source=message.channel, confirm_to=None)
    elif error.kind in PERMANENT_FOR_ADDRESS and point is not None:
        point.state = str(error.kind)
        point.state_reason = error.code
        session.add(
            InboxItem(
                kind="failed_number", case_id=message.case_id, message_id=message.id, created_at=now
            )
        )
    elif error.kind == ErrorKind.CONTENT_FILTERED:
        session.add(
            InboxItem(
                kind="content_filtered",
                case_id=message.case_id,
                message_id=message.id,
                created_at=now,
            )
        )
    elif case is not None:
        session.add(
            InboxItem(
                kind="failed_number",
                case_id=message.case_id,
                message_id=message.id,
                created_at=now,
                note=f"{error.kind} {error.code or ''}".strip(),
            )
        )


def pending_messages(session: Session, *, limit: int = 100) -> list[int]:
    return list(
        session.scalars(
            select(Message.id)
            .where(Message.direction == "out", Message.status == "pending")
            .order_by(Message.id)
            .limit(limit)
        )
    )

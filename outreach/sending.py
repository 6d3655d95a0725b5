"""Outbox, then send: a message is committed as a row, then handed to its channel, then marked.

1. `queue_message` adds a `pending` Message row (committed by the caller).
2. `deliver` claims it with a conditional update (pending -> sending), so two workers never send
   the same row; calls the channel outside any transaction; then records the receipt.
A crash after the provider call leaves the row in `sending`: it is reconciled or flagged
`uncertain`, never blindly sent again.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass

from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from outreach.clock import Clock
from outreach.delivery import (
    PERMANENT_FOR_ADDRESS,
    Channel,
    DeliveryError,
    ErrorKind,
    Outgoing,
)
from outreach.models import Case, ContactPoint, InboxItem, Message

log = logging.getLogger(__name__)

# Which contact point kinds a channel can use, in order of preference for a case.
CHANNEL_KINDS = {"telegram": "telegram", "whatsapp": "whatsapp", "sms": "phone", "sandbox": "phone"}
PREFERENCE = ("sandbox", "telegram", "sms", "whatsapp")


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
        raise NotSendable("Le foyer a demandé à ne plus recevoir de messages (STOP).")
    for channel in preference:
        if channel not in enabled:
            continue
        for point in case.contact_points:
            if point.kind != CHANNEL_KINDS[channel] or not point.usable:
                continue
            if channel in ("sms", "sandbox") and not point.sms_capable:
                continue
            return Route(channel=channel, contact_point=point)
    raise NotSendable("Aucun moyen de contact utilisable pour ce foyer.")


def queue_message(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    route: Route,
    body: str,
    template: str | None = None,
    author_id: int | None = None,
) -> Message:
    """Add the outbound row; nothing is sent until `deliver`."""
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
        language=case.language,
        status="pending",
        author_id=author_id,
        processed=True,
        created_at=clock.now(),
    )
    session.add(message)
    session.flush()
    return message


def claim(session: Session, *, message_id: int) -> bool:
    """pending -> sending, only if nobody else did it first."""
    result = session.execute(
        update(Message)
        .where(Message.id == message_id, Message.status == "pending")
        .values(status="sending")
    )
    return result.rowcount == 1  # type: ignore[attr-defined]


def deliver(
    sessions: sessionmaker[Session],
    *,
    clock: Clock,
    channels: Mapping[str, Channel],
    message_id: int,
    in_session: bool = False,
) -> Message | None:
    """Send one pending message through its channel and record what happened."""
    with sessions.begin() as session:
        if not claim(session, message_id=message_id):
            return None
        message = session.get_one(Message, message_id)
        outgoing = Outgoing(
            message_id=message.id,
            address=message.address,
            body=message.body,
            language=message.language or "fr",
            template=message.template,
            in_session=in_session,
        )
        channel = channels.get(message.channel)
    if channel is None:
        return _record_failure(
            sessions,
            clock=clock,
            message_id=message_id,
            error=DeliveryError(ErrorKind.PERMANENT, detail="channel off"),
        )
    try:
        receipt = channel.send(outgoing)
    except DeliveryError as error:
        return _record_failure(sessions, clock=clock, message_id=message_id, error=error)
    with sessions.begin() as session:
        message = session.get_one(Message, message_id)
        message.provider_id = receipt.provider_id
        message.status = receipt.status
        message.segments = receipt.segments
        message.encoding = receipt.encoding
        message.sent_at = clock.now()
        message.status_at = clock.now()
        if message.case_id is not None:
            case = session.get_one(Case, message.case_id)
            case.last_contact_at = clock.now()
    log.info("message %s handed to %s", message_id, message.channel)
    return message


def _record_failure(
    sessions: sessionmaker[Session], *, clock: Clock, message_id: int, error: DeliveryError
) -> Message:
    with sessions.begin() as session:
        message = session.get_one(Message, message_id)
        message.error_code = error.code
        message.error_kind = str(error.kind)
        message.status_at = clock.now()
        # A temporary failure goes back to pending: the dispatcher retries it with backoff.
        message.status = "pending" if error.temporary else "failed"
        if not error.temporary:
            apply_consequences(session, clock=clock, message=message, error=error)
    log.warning("message %s not sent: %s %s", message_id, error.kind, error.code or "")
    return message


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
        case.opted_out = True
        case.opted_out_at = case.opted_out_at or now
        case.updated_at = now
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

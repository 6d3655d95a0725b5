"""The bot's messages to a household: written as Message rows, sent through the outbox.

A reply to the household goes back on the channel and address it wrote from, in the reply window
(08:00-21:00, before bulk messages). A message the bot starts itself (visit reminder, check-in)
goes where the household last wrote from (else the best route) in the ordinary sending window.
"""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import select
from sqlalchemy.orm import Session

from messages.templates import Text
from outreach.clock import Clock
from outreach.models import Case, ContactPoint, Conversation, Message
from outreach.models.outbox import PRIORITY_REPLY
from outreach.sending.outbox import enqueue, enqueue_send
from outreach.sending.send_now import NotSendable, best_route

Choices = Sequence[tuple[str, str]]  # (what the household types, what a button shows)


def reply(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    conversation: Conversation,
    to: Message,
    text: Text,
    choices: Choices = (),
) -> Message:
    """Answer the household's message `to` with `text` (template name, body, values)."""
    message = _write(
        session,
        clock=clock,
        case=case,
        channel=to.channel,
        address=to.address,
        text=text,
        choices=choices,
    )
    enqueue_send(session, now=clock.now(), message=message, due_at=clock.now())
    conversation.last_bot_message_id = message.id
    return message


def write_first(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    conversation: Conversation,
    text: Text,
    enabled: tuple[str, ...],
    choices: Choices = (),
) -> Message | None:
    """A message the bot starts (reminder, check-in); None if the household cannot be written to."""
    where = _last_address(session, case_id=case.id, enabled=enabled)
    if where is None:
        try:
            route = best_route(case, enabled)
        except NotSendable:
            return None
        where = (route.channel, route.contact_point.value)
    if case.opted_out:
        return None
    message = _write(
        session,
        clock=clock,
        case=case,
        channel=where[0],
        address=where[1],
        text=text,
        choices=choices,
    )
    enqueue(
        session,
        now=clock.now(),
        kind="send",
        case_id=case.id,
        due_at=clock.now(),
        priority=PRIORITY_REPLY,
        send_window="send",
        message_id=message.id,
        channel=message.channel,
    )
    conversation.last_bot_message_id = message.id
    return message


def _write(
    session: Session,
    *,
    clock: Clock,
    case: Case,
    channel: str,
    address: str,
    text: Text,
    choices: Choices,
) -> Message:
    message = Message(
        direction="out",
        channel=channel,
        case_id=case.id,
        contact_point_id=_contact_point_id(session, case_id=case.id, address=address),
        address=address,
        body=text.body,
        template=text.template,
        template_values=dict(text.values) or None,
        language=case.language,
        status="pending",
        choices=[{"reply": typed, "label": label} for typed, label in choices] or None,
        processed=True,
        created_at=clock.now(),
    )
    session.add(message)
    session.flush()
    return message


def _last_address(
    session: Session, *, case_id: int, enabled: tuple[str, ...]
) -> tuple[str, str] | None:
    row = session.execute(
        select(Message.channel, Message.address)
        .where(
            Message.case_id == case_id,
            Message.direction == "in",
            Message.channel.in_(list(enabled)),
        )
        .order_by(Message.created_at.desc(), Message.id.desc())
        .limit(1)
    ).first()
    return (row.channel, row.address) if row else None


def _contact_point_id(session: Session, *, case_id: int, address: str) -> int | None:
    value = address.removeprefix("whatsapp:")
    return session.scalar(
        select(ContactPoint.id).where(ContactPoint.case_id == case_id, ContactPoint.value == value)
    )

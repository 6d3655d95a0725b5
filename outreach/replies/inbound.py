"""Inbound messages: store first (deduplicated on the provider id), then attach to a case.

Storing is the only thing a webhook does before it answers; `process_inbound` runs after, and
`process_pending` picks up anything stored but not processed (crash, spool replay).
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import replace

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from outreach.clock import Clock
from outreach.models import Case, ContactPoint, InboxItem, Message
from outreach.sanitize import clean_json, clean_text, fit, fit_id
from outreach.sending.channel import Inbound
from outreach.sending.channels import reply_contact_kinds
from outreach.team import events

log = logging.getLogger(__name__)

# What a processed inbound message that belongs to a case goes through next: opt-out words,
# then the conversation (outreach.engine.tick.ReplyPath, built by the composition root).
# It takes (session, clock, message, case).
InboundHook = Callable[[Session, Clock, Message, Case], None]


def store_inbound(session: Session, *, clock: Clock, inbound: Inbound) -> tuple[Message, bool]:
    """Store one inbound message unless already stored; return (message, created).

    A replay or a concurrent duplicate of the same provider id creates nothing new.
    """
    inbound = _fitted(inbound)
    existing = _find(session, inbound)
    if existing is not None:
        return existing, False
    message = Message(
        direction="in",
        channel=inbound.channel,
        address=inbound.address,
        body=inbound.body,
        provider_id=inbound.provider_id,
        status="received",
        raw=inbound.raw,
        processed=False,
        created_at=inbound.received_at,
    )
    try:
        with session.begin_nested():
            session.add(message)
    except IntegrityError:
        # Another request stored the same provider id between our look-up and our insert.
        found = _find(session, inbound)
        if found is None:
            raise
        return found, False
    return message, True


def _fitted(inbound: Inbound) -> Inbound:
    """What a provider sent, made storable on PostgreSQL too (see outreach.sanitize)."""
    return replace(
        inbound,
        provider_id=fit_id(inbound.provider_id),
        address=fit(inbound.address, 64),
        body=clean_text(inbound.body),
        raw=clean_json(inbound.raw),
        link_token=fit(inbound.link_token, 200) if inbound.link_token else None,
    )


def _find(session: Session, inbound: Inbound) -> Message | None:
    return session.scalar(
        select(Message).where(
            Message.channel == inbound.channel, Message.provider_id == inbound.provider_id
        )
    )


def process_inbound(
    session: Session,
    *,
    clock: Clock,
    message: Message,
    reply_path: InboundHook | None = None,
    to_inbox: bool = True,
) -> Case | None:
    """Attach a stored inbound message to its case, give it to `reply_path` (opt-out words, the
    conversation) and tell the team; idempotent. Without a reply path, the reply waits for a
    person in the inbox. `to_inbox=False`: the reply path alone decides what the team sees (a
    call put through to the team's phone needs nothing unless nobody answers)."""
    if message.processed:
        return session.get(Case, message.case_id) if message.case_id else None
    message.processed = True
    case, several = _case_for(session, message)
    now = clock.now()
    if case is None:
        from outreach.landlords.contact import (
            attach_reply,  # landlords imports this package's models
        )

        if attach_reply(session, clock=clock, message=message):
            return None  # a landlord's reply: in the inbox, not the household's conversation
        session.add(InboxItem(kind="unknown_sender", message_id=message.id, created_at=now))
        log.info("inbound message %s from an unknown sender", message.id)
        return None
    message.case_id = case.id
    events.record(
        session,
        kind="reply.received",
        case_id=case.id,
        at=message.created_at,
        message_id=message.id,
        channel=message.channel,
    )
    case.last_contact_at = max(filter(None, (case.last_contact_at, message.created_at)))
    case.updated_at = now
    if several:
        session.add(
            InboxItem(kind="several_cases", case_id=case.id, message_id=message.id, created_at=now)
        )
    session.flush()
    if reply_path is not None:
        reply_path(session, clock, message, case)
    if to_inbox and not _already_in_inbox(session, message):
        session.add(InboxItem(kind="reply", case_id=case.id, message_id=message.id, created_at=now))
    log.info("inbound message %s attached to case %s", message.id, case.id)
    return case


def _already_in_inbox(session: Session, message: Message) -> bool:
    found = session.scalar(
        select(InboxItem.id).where(
            InboxItem.message_id == message.id, InboxItem.kind != "several_cases"
        )
    )
    return found is not None


def _case_for(session: Session, message: Message) -> tuple[Case | None, bool]:
    """The most recent open case of that address; several open cases are flagged."""
    address = message.address.removeprefix("whatsapp:")
    kinds = reply_contact_kinds(message.channel)
    cases = list(
        session.scalars(
            select(Case)
            .join(ContactPoint, ContactPoint.case_id == Case.id)
            .where(ContactPoint.kind.in_(kinds), ContactPoint.value == address)
            .order_by(Case.updated_at.desc(), Case.id.desc())
            .distinct()
        )
    )
    open_cases = [case for case in cases if case.status != "closed"]
    candidates = open_cases or cases
    if not candidates:
        return None, False
    return candidates[0], len(open_cases) > 1


def process_pending(
    session: Session, *, clock: Clock, reply_path: InboundHook | None = None, limit: int = 500
) -> int:
    """Process stored inbound messages that were not processed yet (oldest first)."""
    pending = list(
        session.scalars(
            select(Message)
            .where(Message.direction == "in", Message.processed.is_(False))
            .order_by(Message.id)
            .limit(limit)
        )
    )
    for message in pending:
        process_inbound(session, clock=clock, message=message, reply_path=reply_path)
    return len(pending)

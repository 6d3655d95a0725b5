"""Outbox rows: add them, claim the due ones, hand them back, close them.

Claiming is safe with several dispatchers: on PostgreSQL the due rows are locked with
`FOR UPDATE SKIP LOCKED` (a second dispatcher skips them instead of waiting), on SQLite with a
conditional update inside a `BEGIN IMMEDIATE` transaction. Each claim carries a random token;
only the holder of the token may run or close the row.
"""

from __future__ import annotations

import uuid
from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import and_, or_, select, update
from sqlalchemy.orm import Session, joinedload

from outreach.models import Case, Message
from outreach.models.outbox import PRIORITY_REPLY, OutboxItem

WAITING = ("pending", "running")


def new_token() -> str:
    return uuid.uuid4().hex


def enqueue(
    session: Session,
    *,
    now: datetime,
    kind: str,
    case_id: int,
    due_at: datetime,
    priority: int,
    send_window: str = "send",
    enrolment_id: int | None = None,
    step_index: int | None = None,
    message_id: int | None = None,
    channel: str | None = None,
    attempts: int = 0,
) -> OutboxItem:
    item = OutboxItem(
        kind=kind,
        status="pending",
        priority=priority,
        send_window=send_window,
        due_at=due_at,
        case_id=case_id,
        enrolment_id=enrolment_id,
        step_index=step_index,
        message_id=message_id,
        channel=channel,
        skip_channels=[],
        attempts=attempts,
        created_at=now,
    )
    session.add(item)
    session.flush()
    return item


def enqueue_send(
    session: Session, *, now: datetime, message: Message, kind: str = "send", due_at: datetime
) -> OutboxItem:
    """Deliver an existing Message row (a reply of the bot) in the conversational window."""
    assert message.case_id is not None
    return enqueue(
        session,
        now=now,
        kind=kind,
        case_id=message.case_id,
        due_at=due_at,
        priority=PRIORITY_REPLY,
        send_window="reply",
        message_id=message.id,
        channel=message.channel,
    )


def claim_due(
    session: Session,
    *,
    now: datetime,
    token: str,
    limit: int,
    skip_channels: Collection[str] = (),
) -> list[int]:
    """Mark up to `limit` due rows as ours (running), replies first; return their ids."""
    due = (
        select(OutboxItem.id)
        .where(OutboxItem.status == "pending", OutboxItem.due_at <= now)
        .order_by(OutboxItem.priority, OutboxItem.due_at, OutboxItem.id)
        .limit(limit)
    )
    if skip_channels:
        due = due.where(
            or_(OutboxItem.channel.is_(None), OutboxItem.channel.not_in(list(skip_channels)))
        )
    if session.get_bind().dialect.name == "postgresql":
        due = due.with_for_update(skip_locked=True)
    ids = list(session.scalars(due))
    if not ids:
        return []
    claimed = session.scalars(
        update(OutboxItem)
        .where(OutboxItem.id.in_(ids), OutboxItem.status == "pending")
        .values(status="running", claim_token=token, claimed_at=now)
        .returning(OutboxItem.id)
    )
    return sorted(claimed, key=ids.index)


def any_due(session: Session, *, now: datetime) -> bool:
    """Whether any row is due now."""
    found = session.scalar(
        select(OutboxItem.id)
        .where(OutboxItem.status == "pending", OutboxItem.due_at <= now)
        .limit(1)
    )
    return found is not None


def owned(
    session: Session, *, item_id: int, token: str, with_case: bool = False
) -> OutboxItem | None:
    """The row if this claim still holds it (a reconciler may have taken it back).

    Its enrolment and message (and case with its contact points) come in the same round trip.
    """
    loads = [joinedload(OutboxItem.enrolment), joinedload(OutboxItem.message)]
    if with_case:
        loads.append(joinedload(OutboxItem.case).selectinload(Case.contact_points))
    return session.scalar(
        select(OutboxItem)
        .where(
            OutboxItem.id == item_id,
            OutboxItem.status == "running",
            OutboxItem.claim_token == token,
        )
        .options(*loads)
        .with_for_update(of=OutboxItem)
    )


def owned_many(session: Session, *, item_ids: list[int], token: str) -> list[OutboxItem]:
    """The rows of this claim still held, in claim order, with everything `_prepare` reads."""
    rows = session.scalars(
        select(OutboxItem)
        .where(
            OutboxItem.id.in_(item_ids),
            OutboxItem.status == "running",
            OutboxItem.claim_token == token,
        )
        .options(
            joinedload(OutboxItem.enrolment),
            joinedload(OutboxItem.message),
            joinedload(OutboxItem.case).selectinload(Case.contact_points),
        )
        .with_for_update(of=OutboxItem)
    ).unique()
    return sorted(rows, key=lambda item: item_ids.index(item.id))


def release(item: OutboxItem, *, due_at: datetime | None = None) -> None:
    """Back to pending (later, or as it was): nothing was attempted, or it will be retried."""
    item.status = "pending"
    item.claim_token = None
    item.claimed_at = None
    if due_at is not None:
        item.due_at = due_at


def close(item: OutboxItem, *, now: datetime, status: str, error: str | None = None) -> None:
    item.status = status
    item.finished_at = now
    item.claim_token = None
    if error is not None:
        item.last_error = error[:60]


def cancel_for_case(
    session: Session, *, now: datetime, case_id: int, kinds: Collection[str], reason: str
) -> list[int]:
    """Cancel the case's waiting rows of these kinds, and their unsent messages; return ids."""
    items = list(
        session.scalars(
            select(OutboxItem).where(
                OutboxItem.case_id == case_id,
                OutboxItem.status == "pending",
                OutboxItem.kind.in_(list(kinds)),
            )
        )
    )
    for item in items:
        close(item, now=now, status="canceled", error=reason)
        if item.message is not None and item.message.status == "pending":
            item.message.status = "canceled"
            item.message.status_at = now
    return [item.id for item in items]


def stale_claims(session: Session, *, now: datetime, lease: timedelta) -> list[OutboxItem]:
    """Rows claimed longer ago than the lease: their dispatcher died (or hung)."""
    return list(
        session.scalars(
            select(OutboxItem)
            .where(OutboxItem.status == "running", OutboxItem.claimed_at < now - lease)
            .order_by(OutboxItem.id)
            .with_for_update(skip_locked=True)
        )
    )


def unqueued_messages(session: Session, *, before: datetime, limit: int = 500) -> list[Message]:
    """Outbound rows left `pending` with no outbox row to deliver them (e.g. a crash right
    after a team message was committed)."""
    waiting = select(OutboxItem.id).where(
        OutboxItem.message_id == Message.id, OutboxItem.status.in_(WAITING)
    )
    return list(
        session.scalars(
            select(Message)
            .where(
                and_(
                    Message.direction == "out",
                    Message.status == "pending",
                    Message.created_at < before,
                    ~waiting.exists(),
                )
            )
            .order_by(Message.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
    )

"""After a crash: rows a dead dispatcher left half-done are settled, never blindly resent.

- A claimed row whose message never reached `sending` goes back to pending (nothing was sent).
- A message left `sending` (the provider may or may not have it) becomes `uncertain`; the team
  gets an inbox item to check with the household or the provider's console; its sequence moves on.
- An outbound message left `pending` without an outbox row (a crash just after a team message was
  committed) is queued for delivery.
"""

from __future__ import annotations

import logging
from collections import Counter
from datetime import datetime, timedelta

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from outreach.clock import Clock
from outreach.models import InboxItem, Message
from outreach.models.outbox import OutboxItem
from outreach.sending.config import EngineConfig
from outreach.sending.outbox import close, enqueue_send, release, stale_claims, unqueued_messages
from outreach.sequences.runner import advance

log = logging.getLogger(__name__)

UNCERTAIN_KIND = "uncertain_send"  # InboxItem kind: a message may or may not have left


def reconcile(session: Session, *, clock: Clock, config: EngineConfig) -> Counter[str]:
    """Settle what dead dispatchers left behind; return counts by outcome."""
    now = clock.now()
    cutoff = now - timedelta(seconds=config.claim_lease_seconds)
    report: Counter[str] = Counter()
    for item in stale_claims(session, now=now, lease=timedelta(seconds=config.claim_lease_seconds)):
        report[_settle(session, now=now, item=item, config=config)] += 1
    for message in _stuck_sending(session, before=cutoff):
        _flag_uncertain(session, now=now, message=message)
        report["uncertain"] += 1
    for message in unqueued_messages(session, before=cutoff):
        enqueue_send(session, now=now, message=message, due_at=now)
        report["requeued"] += 1
    if report:
        log.warning("reconciled outbox: %s", dict(report))
    return report


def _settle(session: Session, *, now: datetime, item: OutboxItem, config: EngineConfig) -> str:
    # Locked, so that another reconciler (another process, or this one's catch-up job) cannot
    # flag the same message meanwhile; it skips locked rows.
    message = (
        session.get(Message, item.message_id, with_for_update=True, populate_existing=True)
        if item.message_id is not None
        else None
    )
    if message is None or message.status == "pending":
        release(item)
        return "released"
    if message.status in ("sending", "uncertain"):
        if message.status == "sending":
            _flag_uncertain(session, now=now, message=message)
        close(item, now=now, status="uncertain", error="died during the provider call")
        outcome = "uncertain"
    else:
        close(item, now=now, status="done")
        outcome = "done"
    if item.kind == "step" and item.enrolment is not None:
        advance(session, now=now, enrolment=item.enrolment, config=config)
    return outcome


def _flag_uncertain(session: Session, *, now: datetime, message: Message) -> None:
    message.status = "uncertain"
    message.status_at = now
    session.add(
        InboxItem(
            kind=UNCERTAIN_KIND, case_id=message.case_id, message_id=message.id, created_at=now
        )
    )
    log.warning("message %s is uncertain: the process died during the provider call", message.id)


def _stuck_sending(session: Session, *, before: datetime) -> list[Message]:
    """Messages left `sending` outside any claimed outbox row (those are settled with their row)."""
    claimed = select(OutboxItem.id).where(
        OutboxItem.message_id == Message.id, OutboxItem.status == "running"
    )
    return list(
        session.scalars(
            select(Message)
            .where(
                Message.direction == "out",
                Message.status == "sending",
                func.coalesce(Message.status_at, Message.created_at) < before,
                ~claimed.exists(),
            )
            .order_by(Message.id)
            .limit(500)
            .with_for_update(skip_locked=True)  # two reconcilers never flag the same one
        )
    )
